"""`pipeline alarms` and `pipeline dashboard`: the local evaluator over the served app's log
(a host-run app here: its record, pid file and log), the dashboard's widgets and its Grafana
export; bad input exits 2 naming it."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from infra.targets.local_state import APPS_DIR, ServedApp, write_app
from pipeline import cli
from tests.unit.infra.monitoring.conftest import app_emf_lines

PID = "4242"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv, console=Console(file=io.StringIO(), width=200))
    out, err = capsys.readouterr()
    return code, out, err


def serve_on_host(repo: Path, env: str, lines: list[str]) -> None:
    """What `HostAppRunner` leaves for a served app: its record, pid file and whole log."""
    write_app(repo, ServedApp(env, "http://127.0.0.1:9", 9, "cd" * 32, "host", PID))
    folder = repo / APPS_DIR / env
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.pid").write_text(f"{PID}\n", encoding="utf-8")
    (folder / "app.log").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


@pytest.fixture(autouse=True)
def no_notify_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    for channel in ("PAGERDUTY", "SLACK", "EMAIL", "WEBHOOK"):
        monkeypatch.delenv(f"EI_NOTIFY_{channel}_URL", raising=False)


def test_alarms_of_an_app_serving_server_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    lines = [  # 20 % server errors in each of the last five minutes (periods of 60 s)
        line
        for minute in range(4, -1, -1)
        for line in app_emf_lines(20, 0.2, now - timedelta(minutes=minute, seconds=5))
    ]
    serve_on_host(tmp_path, "dev", ["INFO:     Started server process [4242]", *lines])
    argv = ["alarms", "--env", "dev", "--target", "local", "--repo", str(tmp_path)]

    code, out, err = run(argv, capsys)
    assert code == 0
    assert "target: local (chosen with --target)" in err
    assert "over the log of the dev app (host 4242, digest cdcdcdcdcdcd)" in out
    assert "periods: CloudWatch's own (monitoring.local_time_scale 1)" in out
    rows = {line.split()[2]: line for line in out.splitlines() if line.startswith("P")}
    assert rows["energy-insights-dev-api-error-rate"].startswith("P0  ALARM")
    assert "breach (> 5, 3 to alarm)" in rows["energy-insights-dev-api-error-rate"]
    assert rows["energy-insights-dev-service-health"].startswith("P0  ALARM")
    assert "P0 in ALARM: 5" in out  # error rate, service health, the fast burn and its windows
    assert "notifications: 2 new in .pipeline/local/monitoring/dev-notifications.jsonl" in out
    assert "  P0 energy-insights-dev-service-health is ALARM -> ['pagerduty', 'slack']" in out

    code, out, _ = run([*argv, "--json"], capsys)  # the same states: nothing new to tell
    assert code == 0
    document = json.loads(out)
    states = {a["name"]: a["state"] for a in document["alarms"]}
    assert states["energy-insights-dev-service-health"] == "ALARM"
    assert len(document["alarms"]) == 19
    assert document["notifications"]["new"] == []


def test_alarms_with_no_app_served_say_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["alarms", "--env", "staging", "--target", "local", "--repo", str(tmp_path)], capsys
    )
    assert code == 0
    assert (
        "no app is served for staging locally (deploy it first: `pipeline deploy --env staging`)"
        in out
    )
    assert "19 alarms: 18 OK, 0 ALARM, 1 INSUFFICIENT_DATA; P0 in ALARM: 0" in out


def test_dashboard_lists_its_widgets_and_exports_grafana(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out" / "staging.json"
    code, out, _ = run(["dashboard", "--env", "staging", "--grafana", str(target)], capsys)
    assert code == 0
    assert out.startswith("dashboard energy-insights-staging: 16 widgets\n")
    assert "  16. Alarm status (alarm)" in out
    assert "still placeholders: ${AWS::AccountId}, ${HttpApi} (pass --api-id" in out
    model = json.loads(target.read_text(encoding="utf-8"))
    assert len(model["panels"]) == 16

    argv = ["dashboard", "--env", "staging", "--grafana", str(target), "--api-id", "a1b2c3"]
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert "still placeholders: ${AWS::AccountId} (pass --api-id" in out
    assert "a1b2c3" in target.read_text(encoding="utf-8")
    assert "${HttpApi}" not in target.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["alarms", "--env", "qa"], "unknown environment 'qa'; allowed: dev, staging, prod"),
        (["dashboard", "--env", "qa"], "unknown environment 'qa'"),
        (
            ["alarms", "--env", "dev", "--repo", "/nonexistent/repo"],
            "--repo /nonexistent/repo: no such directory",
        ),
        (["dashboard", "--env", "dev", "--grafana", "{tmp}"], "cannot write it"),
    ],
)
def test_bad_input_exits_2_naming_it(
    argv: list[str], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run([a.replace("{tmp}", str(tmp_path)) for a in argv], capsys)
    assert code == 2
    assert says in err


def test_a_bad_notification_endpoint_exits_2_without_showing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EI_NOTIFY_SLACK_URL", "not-a-url-secret-value")  # pragma: allowlist secret
    argv = ["alarms", "--env", "dev", "--target", "local", "--repo", str(tmp_path)]
    code, out, err = run(argv, capsys)
    assert code == 2
    assert "check the value of EI_NOTIFY_SLACK_URL (not shown)" in err
    assert "not-a-url-secret-value" not in out + err
