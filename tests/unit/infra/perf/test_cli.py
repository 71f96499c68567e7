"""`python -m infra.perf`: exit codes and messages for bad input, unreachable endpoints,
refused environments and the capacity report from a written summary."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from app.local.dev_keys import generate_keys
from infra.errors import UsageError
from infra.perf.cli import main, token_source
from infra.perf.journeys import Kind
from infra.perf.measure import measure
from infra.perf.report import stats_to_dict
from infra.perf.tokens import DevKeyTokens, StaticToken
from tests.unit.infra.perf.support import many


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Reports land in the working directory's build/: keep them out of the checkout."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_token_comes_from_the_environment_or_a_signing_key(tmp_path: Path) -> None:
    assert isinstance(token_source({"PERF_TOKEN": "t"}, None), StaticToken)
    keys = generate_keys()
    assert isinstance(token_source({"PERF_SIGNING_KEY": keys.private_pem}, None), DevKeyTokens)
    as_json = tmp_path / "keys.json"
    as_json.write_text(json.dumps({"private_pem": keys.private_pem, "public_pem": ""}))
    source = token_source({}, as_json)
    assert isinstance(source, DevKeyTokens)
    assert source.private_pem == keys.private_pem
    with pytest.raises(UsageError, match="no token for the load: set PERF_TOKEN") as caught:
        token_source({}, None)
    assert caught.value.exit_code == 2
    with pytest.raises(UsageError, match="cannot be read"):
        token_source({}, tmp_path / "missing.pem")


def test_an_unreachable_endpoint_exits_1_with_a_clear_error_and_no_report(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    code = main(
        ["run", "--env", "staging", "--target", "local", "--base-url", url, "--records", "none"],
        {"PERF_TOKEN": "t"},
    )
    assert code == 1
    err = capsys.readouterr().err
    assert f"error: nothing answers at {url}/health (ConnectError" in err
    assert not (in_tmp / "build").exists()


def test_prod_is_refused_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["run", "--env", "prod", "--target", "aws", "--base-url", "http://x", "--records", "none"],
        {"PERF_TOKEN": "t"},
    )
    assert code == 2
    assert "perf.allow_prod is false" in capsys.readouterr().err


def test_an_unknown_environment_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--env", "qa", "--target", "aws", "--base-url", "http://x"], {})
    assert code == 2
    assert "unknown environment 'qa'" in capsys.readouterr().err


def test_a_dry_run_prints_the_plan_and_needs_no_endpoint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        [
            "run",
            "--env",
            "staging",
            "--target",
            "aws",
            "--base-url",
            "http://x",
            "--dry-run",
            "--users",
            "50",
        ],
        {"PERF_TOKEN": "t"},
    )
    assert code == 0
    assert "perf staging (aws target): 50 users" in capsys.readouterr().out


def test_capacity_needs_results_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["capacity", "--env", "staging"]) == 1
    assert "no perf results; run `python -m infra.perf run --env staging" in capsys.readouterr().err


def test_capacity_reads_a_summary_and_writes_its_report(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = in_tmp / "build/reports/perf/staging/summary.json"
    results.parent.mkdir(parents=True)
    stats = measure(many(Kind.INTERACTIVE, 600, ms=200, spread_s=60), 60.0)
    results.write_text(json.dumps({"env": "staging", "measured": stats_to_dict(stats)}))
    assert main(["capacity", "--env", "prod", "--results-from", "staging"]) == 0
    out = capsys.readouterr().out
    assert "### Capacity: prod settings vs the perf run of staging" in out
    assert "10.0 req/s = 600 requests/min" in out
    assert main(["capacity", "--env", "prod", "--results", str(results)]) == 0
    assert "vs the perf run of staging" in capsys.readouterr().out
    assert (in_tmp / "build/reports/perf/prod/capacity.md").is_file()
