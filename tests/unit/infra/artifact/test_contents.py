from __future__ import annotations

from pathlib import Path

import pytest

from infra.artifact.bytecode import check_python, compile_command, running_python
from infra.artifact.contents import (
    BOTOCORE_SERVICES,
    prune_dependencies,
    stage_app,
    tree_entries,
)
from infra.artifact.errors import BuildError
from infra.artifact.runtime import LAMBDA_PYTHON


def touch(path: Path, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_prune_keeps_the_services_the_app_uses(tmp_path: Path) -> None:
    for service in [*BOTOCORE_SERVICES, "ec2", "sagemaker"]:
        touch(tmp_path / "botocore/data" / service / "2020-01-01/service-2.json.gz")
    touch(tmp_path / "botocore/data/endpoints.json")
    touch(tmp_path / "bin/fastapi")
    touch(tmp_path / "pydantic/__pycache__/x.cpython-311.pyc")
    touch(tmp_path / "pydantic/main.py")
    prune_dependencies(tmp_path)
    names = {name for name, _ in tree_entries(tmp_path)}
    assert names == {
        *(f"botocore/data/{s}/2020-01-01/service-2.json.gz" for s in BOTOCORE_SERVICES),
        "botocore/data/endpoints.json",
        "pydantic/main.py",
    }


def test_stage_app_leaves_out_dev_tooling_and_caches(tmp_path: Path) -> None:
    repo, staged = tmp_path / "repo", tmp_path / "staged"
    for name in [
        "app/__init__.py",
        "app/main.py",
        "app/routes/health.py",
        "app/local/run.py",
        "app/README.md",
        "app/__pycache__/main.cpython-311.pyc",
    ]:
        touch(repo / name, name)
    assert stage_app(repo, staged) == ["app/__init__.py", "app/main.py", "app/routes/health.py"]
    assert (staged / "app/routes/health.py").read_text() == "app/routes/health.py"


@pytest.mark.parametrize(
    ("version", "ok"), [(LAMBDA_PYTHON, True), ("3.12", False), ("3.10", False)]
)
def test_bytecode_only_with_lambdas_python(version: str, ok: bool) -> None:
    if ok:
        check_python(version)
    else:
        with pytest.raises(BuildError, match=f"Python {LAMBDA_PYTHON}"):
            check_python(version)


def test_compile_command_is_reproducible_and_targets_var_task(tmp_path: Path) -> None:
    argv = compile_command(tmp_path, legacy=True)
    assert argv[-1] == str(tmp_path)
    assert "unchecked-hash" in argv
    assert argv[argv.index("-d") + 1] == "/var/task"
    assert "-b" in argv
    assert "-b" not in compile_command(tmp_path, legacy=False)
    assert running_python() == LAMBDA_PYTHON  # the dev venv matches the Lambda runtime
