"""`pipeline capacity --env E`: the capacity report from the perf stage's results in the
repository's build/reports/perf, with the usual exit codes and messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.perf.journeys import Kind
from infra.perf.measure import measure
from infra.perf.report import stats_to_dict
from pipeline import cli
from tests.unit.infra.perf.support import many


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("dagger.json", "pyproject.toml", "uv.lock"):
        (tmp_path / name).write_text("{}" if name == "dagger.json" else "")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def summary(repo: Path, env: str, requests: int, seconds: float) -> Path:
    path = repo / "build/reports/perf" / env / "summary.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    stats = measure(many(Kind.INTERACTIVE, requests, ms=200, spread_s=seconds), seconds)
    data = {"env": env, "target": "local", "run_id": "r1", "measured": stats_to_dict(stats)}
    path.write_text(json.dumps(data))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())


def test_without_results_it_says_which_perf_run_to_make(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "capacity", "--env", "dev")
    assert code == 1
    assert (
        "build/reports/perf/dev/summary.json: no perf results; run `pipeline perf --env dev`" in err
    )


def test_it_reports_the_settings_against_the_run_and_writes_the_report(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary(repo, "dev", 600, 60.0)
    code, out, _ = run(capsys, "capacity", "--env", "dev")
    assert code == 0
    assert "### Capacity: dev settings vs the perf run of dev (local target, run r1)" in out
    assert "10.0 req/s = 600 requests/min" in out
    written = repo / "build/reports/perf/dev/capacity.md"
    assert f"(written to {written})" in out
    assert written.read_text().startswith("### Capacity: dev settings")


def test_another_environments_results_or_a_file_may_be_used(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = summary(repo, "staging", 600, 60.0)
    code, out, _ = run(capsys, "capacity", "--env", "prod", "--results-from", "staging")
    assert (code, "prod settings vs the perf run of staging" in out) == (0, True)
    code, out, _ = run(capsys, "capacity", "--env", "prod", "--results", str(results))
    assert (code, "prod settings vs the perf run of staging" in out) == (0, True)


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (("--env", "qa"), 2, "unknown environment 'qa'; allowed: dev, staging, prod"),
        (("--env", "dev", "--results-from", "qa"), 2, "unknown environment 'qa'; allowed"),
    ],
)
def test_unknown_environments_are_usage_errors(
    repo: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], code: int, message: str
) -> None:
    got, _, err = run(capsys, "capacity", *argv)
    assert got == code
    assert message in err


def test_a_file_that_is_not_a_summary_is_named(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = repo / "other.json"
    bad.write_text('{"env": "dev"}')
    code, _, err = run(capsys, "capacity", "--env", "dev", "--results", str(bad))
    assert code == 1
    assert f"{bad}: not a perf summary ('measured')" in err
