"""`python -m infra`: each command's output and exit code (0 ok, 1 findings, 2 usage/config)."""

from __future__ import annotations

import io
import json
import runpy
import shutil
from pathlib import Path

import pytest
import yaml

from infra.cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, exit_code_for, main
from infra.config import ENVIRONMENTS_DIR, ConfigError, ConfigProblem
from infra.errors import InfraError, UsageError


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), out=out)
    return code, out.getvalue()


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigError([ConfigProblem("f", "k", "bad")]), EXIT_USAGE),
        (UsageError("no such dir"), EXIT_USAGE),
        (InfraError("a check failed"), EXIT_FINDINGS),
    ],
)
def test_typed_errors_map_to_exit_codes(error: InfraError, code: int) -> None:
    assert exit_code_for(error) == code


@pytest.mark.parametrize(
    ("argv", "parse"),
    [
        (("config", "show", "--env", "dev"), yaml.safe_load),
        (("config", "show", "--env", "dev", "--format", "json"), json.loads),
        (("config", "export", "--env", "dev"), json.loads),
    ],
)
def test_config_show_and_export(argv: tuple[str, ...], parse: object) -> None:
    code, text = run(*argv)
    assert code == EXIT_OK
    assert callable(parse)
    assert parse(text)["name_prefix"] == "energy-insights-dev"


def test_config_export_as_env_lines() -> None:
    code, text = run("config", "export", "--env", "prod", "--format", "env")
    assert code == EXIT_OK
    assert "EI_CONFIG_FAULT_INJECTION_ALLOWED=false\n" in text


def test_config_diff_compares_two_environments() -> None:
    code, text = run("config", "diff", "--env", "dev", "--against", "prod", "--format", "json")
    assert code == EXIT_OK
    keys = {row["key"] for row in json.loads(text)}
    assert {"fault_injection_allowed", "function.memory_mb"} <= keys


def test_config_diff_text_by_default() -> None:
    code, text = run("config", "diff", "--env", "staging", "--against", "staging")
    assert (code, text) == (EXIT_OK, "staging and staging: no differences\n")


def test_unknown_environment_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run("config", "show", "--env", "qa")
    assert code == EXIT_USAGE
    assert "unknown environment 'qa'; allowed: dev, staging, prod" in capsys.readouterr().err


def test_invalid_config_names_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir = tmp_path / "envs"
    shutil.copytree(ENVIRONMENTS_DIR, config_dir)
    path = config_dir / "staging.yaml"
    path.write_text(path.read_text().replace("memory_mb: 1024", "memory_mb: 1"))
    code, _ = run("synth", "--all", "--out", str(tmp_path / "out"), "--config-dir", str(config_dir))
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "staging.yaml: function.memory_mb: Input should be greater than or equal to 128" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "argv",
    [
        (),
        ("deploy",),
        ("config", "show"),
        ("config", "show", "--env", "dev", "--format", "xml"),
        ("config", "diff", "--env", "dev", "--format", "csv", "--against", "prod"),
        ("synth", "--out", "x"),
        ("synth", "--env", "dev", "--all"),
    ],
)
def test_bad_usage_exits_2(argv: tuple[str, ...]) -> None:
    assert run(*argv)[0] == EXIT_USAGE


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--help")[0] == EXIT_OK
    assert "lint-templates" in capsys.readouterr().out


def test_synth_one_environment(tmp_path: Path) -> None:
    code, text = run("synth", "--env", "staging", "--out", str(tmp_path))
    assert code == EXIT_OK
    written = tmp_path / "staging" / "template.json"
    assert text == f"wrote {written}\n"
    assert json.loads(written.read_text())["Outputs"]["EnvironmentName"]["Value"] == "staging"


@pytest.mark.slow
def test_synth_all_then_lint_is_clean(tmp_path: Path) -> None:
    assert run("synth", "--all", "--out", str(tmp_path))[0] == EXIT_OK
    assert sorted(p.parent.name for p in tmp_path.glob("*/template.json")) == [
        "dev",
        "prod",
        "staging",
    ]
    code, text = run("lint-templates", str(tmp_path))
    assert (code, text) == (EXIT_OK, "cfn-lint: 3 template(s) clean\n")


def test_lint_fails_on_a_broken_template(tmp_path: Path) -> None:
    broken = tmp_path / "dev" / "template.json"
    broken.parent.mkdir()
    broken.write_text('{"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": 3}}}')
    code, text = run("lint-templates", str(tmp_path))
    assert code == EXIT_FINDINGS
    first, summary = text.splitlines()[0], text.splitlines()[-1]
    assert first.startswith(f"{broken}:1:")
    assert " E" in first
    assert summary.startswith("cfn-lint: ") and summary.endswith("finding(s) in 1 template(s)")


def test_lint_of_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    assert run("lint-templates", str(tmp_path / "none"))[0] == EXIT_USAGE


def test_module_entry_point_exits_with_mains_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.argv", ["infra", "config", "show", "--env", "nope"])
    with pytest.raises(SystemExit) as caught:
        runpy.run_module("infra", run_name="__main__")
    assert caught.value.code == EXIT_USAGE
