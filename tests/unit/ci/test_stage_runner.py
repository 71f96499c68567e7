from __future__ import annotations

import io
import json
import os
import sys
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from xml.etree import ElementTree as ET

import pytest

from pipeline.catalog import CATALOG, Catalog, Stage, Step
from pipeline.results import Status
from pipeline.stage_runner import main, run_stage, step_status

PY = sys.executable


def _stage(*steps: Step) -> Stage:
    return Stage(name="demo", description="d", toolchain="python", steps=steps, inputs=())


@pytest.mark.parametrize(
    ("degraded_exit", "code", "expected"),
    [
        (None, 0, Status.PASSED),
        (None, 1, Status.FAILED),
        (None, 3, Status.FAILED),
        (3, 3, Status.DEGRADED),
        (3, 2, Status.FAILED),
        (3, 0, Status.PASSED),
    ],
)
def test_step_status(degraded_exit: int | None, code: int, expected: Status) -> None:
    assert step_status(Step("s", ("x",), degraded_exit), code) is expected


def test_every_step_runs_and_the_worst_wins(tmp_path: Path) -> None:
    stage = _stage(
        Step("fails", (PY, "-c", "import sys; print('bad'); sys.exit(1)")),
        Step("passes", (PY, "-c", "print('good')")),
        Step("partial", (PY, "-c", "import sys; print('half'); sys.exit(3)"), degraded_exit=3),
    )
    out = io.StringIO()
    assert run_stage(stage, tmp_path, out) is Status.FAILED
    result = json.loads((tmp_path / "build/reports/demo/result.json").read_text())
    assert [(s["name"], s["status"]) for s in result["steps"]] == [
        ("fails", "failed"),
        ("passes", "passed"),
        ("partial", "degraded"),
    ]
    assert "bad" in result["steps"][0]["detail"]
    log = (tmp_path / "build/reports/demo/log.txt").read_text()
    assert "good" in log
    assert "half" in out.getvalue()
    suite = ET.parse(tmp_path / "build/reports/demo/junit.steps.xml").getroot()
    assert suite.get("tests") == "3"
    assert suite.get("failures") == "1"


def test_degraded_only_is_ok(tmp_path: Path) -> None:
    stage = _stage(Step("p", (PY, "-c", "raise SystemExit(3)"), degraded_exit=3))
    assert run_stage(stage, tmp_path, io.StringIO()) is Status.DEGRADED


def test_missing_tool_is_a_failed_step_not_a_crash(tmp_path: Path) -> None:
    stage = _stage(Step("ghost", ("definitely-not-a-tool-xyz",)))
    assert run_stage(stage, tmp_path, io.StringIO()) is Status.FAILED
    result = json.loads((tmp_path / "build/reports/demo/result.json").read_text())
    assert result["steps"][0]["exit_code"] == 127
    assert "cannot start" in result["steps"][0]["detail"]


def test_main_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    good = Catalog(
        CATALOG.toolchains,
        CATALOG.caches,
        MappingProxyType({"demo": _stage(Step("ok", (PY, "-c", "pass")))}),
    )
    assert main(["demo"], catalog=good) == 0
    assert main(["nope"], catalog=good) == 2
    assert main([], catalog=good) == 2


def test_secret_values_are_masked_in_output_log_and_result(tmp_path: Path) -> None:
    secret = "s3cr3t-value-123"  # a fake secret, planted to be masked  # pragma: allowlist secret
    stage = Stage(
        name="demo",
        description="d",
        toolchain="python",
        steps=(Step("leaky", (PY, "-c", f"print('token={secret}'); raise SystemExit(1)")),),
        inputs=(),
        secrets=("API_TOKEN",),
    )
    out = io.StringIO()
    assert run_stage(stage, tmp_path, out, environ={"API_TOKEN": secret}) is Status.FAILED
    written = [
        out.getvalue(),
        (tmp_path / "build/reports/demo/log.txt").read_text(),
        (tmp_path / "build/reports/demo/result.json").read_text(),
        (tmp_path / "build/reports/demo/junit.steps.xml").read_text(),
    ]
    for text in written:
        assert secret not in text
    assert "token=***" in written[1]


def test_a_degraded_step_is_a_skipped_junit_case_with_its_reason(tmp_path: Path) -> None:
    stage = _stage(
        Step("ok", (PY, "-c", "print('fine')")),
        Step(
            "audit",
            (PY, "-c", "print('pip-audit: 12 dependencies could not be audited'); exit(3)"),
            degraded_exit=3,
        ),
    )
    assert run_stage(stage, tmp_path, io.StringIO()) is Status.DEGRADED
    suite = ET.parse(tmp_path / "build/reports/demo/junit.steps.xml").getroot()
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("2", "0", "1")
    ok, audit = suite.findall("testcase")
    assert ok.find("skipped") is None and ok.find("failure") is None
    skipped = audit.find("skipped")
    assert skipped is not None, "a degraded step is never reported as a pass"
    assert skipped.get("message") == "degraded: pip-audit: 12 dependencies could not be audited"


def test_notes_go_to_the_log_and_the_result(tmp_path: Path) -> None:
    stage = replace(_stage(Step("ok", (PY, "-c", "pass"))), notes=("docker tests deselected",))
    out = io.StringIO()
    run_stage(stage, tmp_path, out)
    assert "note: docker tests deselected" in out.getvalue()
    result = json.loads((tmp_path / "build/reports/demo/result.json").read_text())
    assert result["notes"] == ["docker tests deselected"]


SECRET = "stdin-s3cr3t-" + "9" * 12  # pragma: allowlist secret


def _secret_stage() -> Stage:
    show = (
        "import os, pathlib; print('token', os.environ.get('API_TOKEN')); "
        "print('other', os.environ.get('OTHER')); "
        "pathlib.Path('build/reports/demo/tool.xml').write_text(os.environ['API_TOKEN'])"
    )
    return replace(_stage(Step("show", (PY, "-c", show))), secrets=("API_TOKEN",))


def test_secrets_from_stdin_reach_the_steps_masked_everywhere(tmp_path: Path) -> None:
    given = json.dumps({"API_TOKEN": SECRET, "OTHER": "undeclared"})
    out = io.StringIO()
    # pragma: allowlist nextline secret
    environ = {**os.environ, "PIPELINE_SECRETS_FROM": "stdin"}
    status = run_stage(_secret_stage(), tmp_path, out, environ=environ, stdin=io.StringIO(given))
    assert status is Status.PASSED
    assert "token ***" in out.getvalue(), "the step got the value; the output is masked"
    assert "other None" in out.getvalue(), "an undeclared name is dropped"
    for path in (tmp_path / "build/reports/demo").iterdir():
        assert SECRET not in path.read_text(), path.name
    assert (tmp_path / "build/reports/demo/tool.xml").read_text() == "***"


@pytest.mark.parametrize("given", ["not json", "[1, 2]", '{"API_TOKEN": 3}'])
def test_unreadable_secrets_on_stdin_are_a_usage_error_without_values(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    given: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PIPELINE_SECRETS_FROM", "stdin")
    monkeypatch.setattr(sys, "stdin", io.StringIO(given))
    catalog = Catalog(
        CATALOG.toolchains, CATALOG.caches, MappingProxyType({"demo": _secret_stage()})
    )
    assert main(["demo"], catalog=catalog) == 2
    assert "secrets on stdin" in capsys.readouterr().err
