from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest

from pipeline.catalog import CATALOG, Catalog, Service, Stage, Step, Toolchain
from pipeline.engines.base import EngineError, StageContext
from pipeline.engines.host import HostEngine
from pipeline.engines.host_services import answers
from pipeline.results import Status

ROOT = Path(__file__).resolve().parents[4]


def _catalog(stage: Stage) -> Catalog:
    return Catalog(CATALOG.toolchains, CATALOG.caches, MappingProxyType({stage.name: stage}))


def _prepare_repo(tmp_path: Path) -> Path:
    # The stage runner is imported from <repo>/ci/src inside the stage's process.
    (tmp_path / "ci").symlink_to(ROOT / "ci", target_is_directory=True)
    return tmp_path


def test_host_stage_runs_in_the_venv_and_is_marked_not_containerized(tmp_path: Path) -> None:
    repo = _prepare_repo(tmp_path)
    # The stage runner resolves stages from the real catalog, so use a real stage name whose
    # steps we can observe: `lint` runs ruff from the venv on this tiny repo.
    (repo / "ok.py").write_text('"""Fine."""\n\nX = 1\n')
    (repo / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    lines: list[str] = []
    ctx = StageContext(
        repo=repo,
        catalog=CATALOG,
        toolchain_ref=sys.prefix,
        on_output=lambda _stage, line: lines.append(line),
    )
    result = HostEngine().run_stage(CATALOG.stages["lint"], ctx)
    assert result.status is Status.PASSED, result.log_tail
    assert result.containerized is False
    assert result.engine == "host"
    assert [s.name for s in result.steps] == ["ruff-check", "ruff-format"]
    assert any("ruff" in line for line in lines)
    assert "build/reports/lint/result.json" in result.reports
    assert (repo / ".pipeline/cache/tools/ruff").is_dir(), "tool cache lives under .pipeline"


def test_host_stage_failure_carries_the_log_tail(tmp_path: Path) -> None:
    repo = _prepare_repo(tmp_path)
    (repo / "bad.py").write_text("import os\n")  # unused import: ruff F401
    (repo / "pyproject.toml").write_text("[tool.ruff]\n")
    ctx = StageContext(repo=repo, catalog=CATALOG, toolchain_ref=sys.prefix)
    result = HostEngine().run_stage(CATALOG.stages["lint"], ctx)
    assert result.status is Status.FAILED
    assert "F401" in result.log_tail


def test_toolchain_digest_needs_the_lock_files(tmp_path: Path) -> None:
    toolchain = Toolchain("t", "img", ".", ("uv.lock",))
    with pytest.raises(EngineError, match=r"lock file uv\.lock of toolchain 't' is missing"):
        HostEngine().toolchain_digest(toolchain, tmp_path)
    (tmp_path / "uv.lock").write_text("a")
    first = HostEngine().toolchain_digest(toolchain, tmp_path)
    (tmp_path / "uv.lock").write_text("b")
    assert HostEngine().toolchain_digest(toolchain, tmp_path) != first


def test_a_stage_outside_the_catalog_runs_too(tmp_path: Path) -> None:
    repo = _prepare_repo(tmp_path)
    ghost = Stage("ghost", "g", "python", (Step("s", (sys.executable, "-c", "print(42)")),), ())
    ctx = StageContext(repo=repo, catalog=_catalog(ghost), toolchain_ref=sys.prefix)
    result = HostEngine().run_stage(ghost, ctx)
    assert result.status is Status.PASSED
    assert "42" in result.log_tail


PLANTED = "planted-" + "f00dfeed" * 3  # a credential in the caller's environment


def _env_dump_stage(**kw: object) -> Stage:
    dump = "import json, os; print(json.dumps(dict(os.environ), sort_keys=True))"
    return Stage(
        "env-dump", "prints its environment", "python", (Step("dump", ("python", "-c", dump)),),
        (), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_stage_gets_the_base_and_what_it_declares_never_the_callers_secrets(
    tmp_path: Path,
) -> None:
    repo = _prepare_repo(tmp_path)
    stage = _env_dump_stage(
        env=MappingProxyType({"STAGE_VAR": "1"}), secrets=("API_TOKEN",), params=("MODE",)
    )
    caller = {
        "PATH": os.environ["PATH"],
        "HOME": "/home/dev",
        "LANG": "C.UTF-8",
        "HTTPS_PROXY": "http://proxy:3128",
        "AWS_SECRET_ACCESS_KEY": PLANTED,
        # pragma: allowlist nextline secret
        "API_TOKEN": "from-the-shell-not-the-run",
    }
    lines: list[str] = []
    ctx = StageContext(
        repo=repo,
        catalog=_catalog(stage),
        toolchain_ref=sys.prefix,
        # pragma: allowlist nextline secret
        secrets={"API_TOKEN": "declared-token-value", "OTHER": PLANTED},
        params={"MODE": "fast", "UNDECLARED": PLANTED},
        on_output=lambda _stage, line: lines.append(line),
    )
    result = HostEngine(environ=caller).run_stage(stage, ctx)
    assert result.status is Status.PASSED, result.log_tail
    seen = json.loads(next(line for line in lines if line.startswith("{")))
    assert seen["API_TOKEN"] == "***", "the declared secret reached it, masked in the output"
    assert {k: seen[k] for k in ("HOME", "LANG", "HTTPS_PROXY", "STAGE_VAR", "MODE")} == {
        "HOME": "/home/dev",
        "LANG": "C.UTF-8",
        "HTTPS_PROXY": "http://proxy:3128",
        "STAGE_VAR": "1",
        "MODE": "fast",
    }
    assert "AWS_SECRET_ACCESS_KEY" not in seen and "UNDECLARED" not in seen
    written = [p.read_text() for p in (repo / "build/reports").rglob("*") if p.is_file()]
    for text in [*lines, *written, json.dumps(result.to_dict())]:
        assert PLANTED not in text
        assert "declared-token-value" not in text


def test_the_base_environment_is_one_list_of_names() -> None:
    from pipeline.engines.environment import BASE_VARIABLES, base_environment

    assert {"PATH", "HOME", "LANG", "HTTPS_PROXY", "no_proxy", "SSL_CERT_FILE"} <= set(
        BASE_VARIABLES
    )
    assert not {n for n in BASE_VARIABLES if "KEY" in n or "TOKEN" in n or "SECRET" in n}
    assert base_environment({"HOME": "/h", "AWS_ACCESS_KEY_ID": "x"}) == {"HOME": "/h"}


WEB = Service(
    name="web",
    description="a tiny HTTP server",
    toolchain="python",
    argv=("python", "-m", "http.server", "{port}", "--bind", "{host}"),
    port=8000,
    url_env="WEB_URL",
)


def _service_catalog(stage: Stage) -> Catalog:
    return Catalog(
        CATALOG.toolchains,
        CATALOG.caches,
        MappingProxyType({stage.name: stage}),
        MappingProxyType({WEB.name: WEB}),
    )


def test_a_stage_reaches_its_service_process_which_is_stopped_afterwards(tmp_path: Path) -> None:
    repo = _prepare_repo(tmp_path)
    fetch = (
        "import os, urllib.request; url = os.environ['WEB_URL']; print('url', url); "
        "print('status', urllib.request.urlopen(url, timeout=10).status)"
    )
    stage = Stage(
        "uses-web", "d", "python", (Step("get", ("python", "-c", fetch)),), (), services=("web",)
    )
    lines: list[str] = []
    ctx = StageContext(
        repo=repo,
        catalog=_service_catalog(stage),
        toolchain_ref=sys.prefix,
        on_output=lambda _stage, line: lines.append(line),
        service_refs={"web": sys.prefix},
    )
    result = HostEngine().run_stage(stage, ctx)
    assert result.status is Status.PASSED, result.log_tail
    assert "status 200" in lines
    url = next(line for line in lines if line.startswith("url ")).split()[1]
    assert url.startswith("http://127.0.0.1:")
    port = int(url.rsplit(":", 1)[1])
    assert not answers(port), "the service process is gone once the stage finished"


def test_a_service_that_exits_at_once_is_an_error_and_the_stage_never_runs(
    tmp_path: Path,
) -> None:
    repo = _prepare_repo(tmp_path)
    broken = replace(
        WEB, argv=("python", "-c", "import sys; print('no port for you'); sys.exit(4)")
    )
    stage = Stage(
        "uses-web",
        "d",
        "python",
        (Step("get", ("python", "-c", "print(1)")),),
        (),
        services=("web",),
    )
    catalog = replace(_service_catalog(stage), services=MappingProxyType({"web": broken}))
    ctx = StageContext(repo=repo, catalog=catalog, toolchain_ref=sys.prefix)
    result = HostEngine().run_stage(stage, ctx)
    assert result.status is Status.ERROR
    assert "service 'web'" in result.message and "exit code 4" in result.message
    assert "no port for you" in result.message
    assert not (repo / "build/reports/uses-web").exists()
