"""report weekly on the local target: deployment records on a moto server, commit times from
a git repository's history, the app's log lines and the local notification sink."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infra.aws import AwsClients
from infra.aws.items import ItemTable
from infra.clock import SystemClock
from infra.config import load_environment
from infra.deploy.records import DeploymentRecord, Outcome, RecordStore
from infra.operations.reports.commands import local_report_sources, run_report
from infra.operations.reports.model import ReportKind
from tests.integration.infra.operations.test_identity_on_emulator import audit_store, clients

pytestmark = pytest.mark.emulator
__all__ = ["clients"]


def repo_with_commit(folder: Path, committed: datetime) -> str:
    """A git repository with one commit made at `committed`; returns its sha."""
    stamp = committed.isoformat()
    env = {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp, "HOME": str(folder)}

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=folder,
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        return done.stdout.strip()

    folder.mkdir()
    git("init", "-q")
    (folder / "f").write_text("x", encoding="utf-8")
    git("add", "f")
    git("commit", "-q", "-m", "change")
    return git("rev-parse", "HEAD")


def test_weekly_report_with_dora_from_real_records(clients: AwsClients, tmp_path: Path) -> None:
    config = load_environment("staging")
    audit_store(clients, "staging")  # the deployments table
    store = RecordStore(ItemTable(clients, config.names.deployments_table), "staging")
    now = datetime.now(UTC).replace(microsecond=0)
    repo = tmp_path / "repo"
    sha = repo_with_commit(repo, now - timedelta(hours=60))
    for n, (outcome, hours_ago) in enumerate(
        [
            (Outcome.SUCCEEDED, 50),
            (Outcome.FAILED, 30),
            (Outcome.SUCCEEDED, 29),
            (Outcome.NO_CHANGE, 2),
        ]
    ):
        started = now - timedelta(hours=hours_ago)
        store.save(
            DeploymentRecord(
                f"dep{n}",
                "staging",
                "local",
                f"{n:064x}",
                sha,
                "ci",
                started,
                outcome,
                started + timedelta(minutes=6),
            )
        )
    store.save(  # older than the week: not in the report
        DeploymentRecord(
            "old",
            "staging",
            "local",
            "f" * 64,
            sha,
            "ci",
            now - timedelta(days=9),
            Outcome.SUCCEEDED,
            now - timedelta(days=9),
        )
    )
    stamp = (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S,000+0000")
    lines = [
        json.dumps(
            {
                "level": "INFO",
                "message": "request",
                "timestamp": stamp,
                "route": "/x",
                "status": status,
                "latency_ms": 12.5,
            }
        )
        for status in [200] * 97 + [500] * 3
    ]
    sink = tmp_path / "staging-notifications.jsonl"
    sink.write_text(
        json.dumps(
            {
                "at": (now - timedelta(hours=1)).isoformat(),
                "event": "alarm.state_changed",
                "severity": "P0",
                "title": "x",
                "body": "y",
                "env": "staging",
                "fields": {"alarm": "energy-insights-staging-service-health", "state": "ALARM"},
            }
        )
        + "\n",
        encoding="utf-8",
    )

    run = run_report(
        ReportKind.WEEKLY,
        config=config,
        sources=local_report_sources(
            config,
            clients,
            repo,
            app_log_lines=lambda: lines,
            notification_sink=sink,
            rollouts=None,
            perf=None,
        ),
        clock=SystemClock(),
        target="local",
        out_dir=tmp_path / "out",
    )
    document = json.loads(run.files.json.read_text(encoding="utf-8"))
    dora = document["dora"]
    assert dora["deployments"] == 2
    assert dora["failures"] == 1
    assert dora["change_failure_rate"] == pytest.approx(1 / 3)
    assert dora["restores"] == 1 and dora["restore_median_h"] == pytest.approx(1.0, abs=0.01)
    # committed 60 h ago; deployments started 50 h and 29 h ago and took 6 min each
    assert dora["lead_time_samples"] == 2 and dora["lead_time_unknown"] == 0
    assert dora["lead_time_median_h"] == pytest.approx((10.1 + 31.1) / 2, abs=0.01)
    assert sorted(d["deployment_id"] for d in document["deployments"]) == [
        "dep0",
        "dep1",
        "dep2",
        "dep3",
    ]
    assert document["availability"]["requests"] == 100
    assert document["availability"]["server_errors"] == 3
    assert document["alarms_fired"][0]["name"] == "energy-insights-staging-service-health"
    assert document["cost"]["note"].startswith("cost is not available locally")
    markdown = run.files.markdown.read_text(encoding="utf-8")
    assert (
        "## DORA metrics" in markdown and "| change failure rate | 33.3% (1 failed) |" in markdown
    )
    assert {p.name for p in run.files.charts} == {
        "availability.png",
        "deployments.png",
        "performance.png",
    }
