"""The perf entry's pure parts: how a verdict ends the stage (pass, failed naming the limit,
degraded and never a pass), what the load generator's process may see, the step summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import load_environment
from infra.perf.gate import Check, GateResult, Verdict
from infra.perf.plan import plan_perf
from infra.perf.stage import PerfOutcome
from pipeline.exits import exit_code_for
from pipeline.release.entries import EntryContext
from pipeline.release.entries.perf import (
    copy_step_summary,
    generator_environ,
    raise_unless_successful,
    report_dir,
)
from pipeline.release.errors import PerfGateFailed, StageDegraded

PLAN = plan_perf(load_environment("staging"), "local")
OK = Check("error rate", Verdict.SUCCESSFUL, "0.00%", "1.00%", "perf.thresholds.error_rate")
SLOW = Check("interactive p95", Verdict.FAILED, "6200 ms", "5000 ms", "perf.thresholds.p95_ms")
SATURATED = Check(
    "error rate",
    Verdict.INCONCLUSIVE,
    "4.00%",
    "1.00%",
    "perf.thresholds.error_rate",
    note="emulator saturated: offered load at 130% of the emulator's ceiling",
    downgraded_from=Verdict.FAILED,
)


def outcome(
    verdict: Verdict | None, *checks: Check, files: dict[str, Path] | None = None
) -> PerfOutcome:
    result = None if verdict is None else GateResult(verdict, checks, None, ())
    return PerfOutcome(PLAN, verdict, result, None, files or {})


@pytest.mark.parametrize("verdict", [None, Verdict.SUCCESSFUL])  # None: a dry run
def test_green_ends_the_stage_normally(verdict: Verdict | None) -> None:
    raise_unless_successful("staging", outcome(verdict, OK))


@pytest.mark.parametrize(
    ("verdict", "checks", "error", "code", "named"),
    [
        (
            Verdict.FAILED,
            (OK, SLOW),
            PerfGateFailed,
            1,
            "interactive p95 6200 ms (limit 5000 ms, perf.thresholds.p95_ms)",
        ),
        (Verdict.ERROR, (SLOW,), PerfGateFailed, 1, "perf staging: Error"),
        (Verdict.INCONCLUSIVE, (OK, SATURATED), StageDegraded, 3, "emulator saturated"),
    ],
)
def test_anything_but_green_stops_the_stage_naming_what_decided_it(
    verdict: Verdict, checks: tuple[Check, ...], error: type[Exception], code: int, named: str
) -> None:
    files = {"summary": Path("build/reports/perf/staging/summary.md")}
    with pytest.raises(error) as caught:
        raise_unless_successful("staging", outcome(verdict, *checks, files=files))
    message = str(caught.value)
    assert named in message
    assert "report: build/reports/perf/staging/summary.md" in message
    assert "error rate 0.00%" not in message  # only the checks that decided it
    # the entry's main exits with a degraded stage's own code, and maps the rest as usual
    raised = caught.value
    assert (
        raised.exit_code if isinstance(raised, StageDegraded) else exit_code_for(raised)
    ) == code


def test_inconclusive_says_it_is_never_a_pass() -> None:
    with pytest.raises(StageDegraded, match="inconclusive is never a pass") as caught:
        raise_unless_successful("dev", outcome(Verdict.INCONCLUSIVE, SATURATED))
    assert caught.value.exit_code == 3


def test_the_load_generator_sees_no_credentials_nor_tokens(tmp_path: Path) -> None:
    environ = {
        "PATH": "/bin",
        "AWS_SECRET_ACCESS_KEY": "k",  # pragma: allowlist secret
        "PERF_TOKEN": "t",
        "E2E_TOKEN": "e",
        "SMOKE_TOKEN": "s",
        "PIPELINE_TARGET": "local",
    }
    ctx = EntryContext(load_environment("dev"), tmp_path, environ)
    assert generator_environ(ctx) == {"PATH": "/bin", "PIPELINE_TARGET": "local"}


def test_the_verdict_block_becomes_the_stage_summary(tmp_path: Path) -> None:
    block = tmp_path / "perf" / "summary.md"
    block.parent.mkdir()
    block.write_text("### perf staging: Successful\n")
    target = tmp_path / "perf-staging" / "step-summary.md"
    copy_step_summary(outcome(Verdict.SUCCESSFUL, OK, files={"markdown": block}), target)
    assert target.read_text() == "### perf staging: Successful\n"
    target.unlink()
    copy_step_summary(outcome(None), target)  # nothing judged: no block
    assert not target.exists()


def test_the_report_names_files_relative_to_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert report_dir(tmp_path, "dev") == Path("build/reports/perf/dev")
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert report_dir(tmp_path, "dev") == tmp_path / "build/reports/perf/dev"
