"""`pipeline users ...` end to end in-process: parsed, refused with exit 2 before any call,
or run against the environment's pool (in-process moto behind the target) and audited."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.services import Services
from app.settings import FaultSettings
from infra.aws.cognito import UserPools
from infra.aws.items import ItemTable
from infra.config import load_environment
from infra.deploy.records import DeploymentRecord, Outcome, RecordStore
from infra.operations.users.local_identity import api_pool_parameters
from infra.targets import select
from infra.targets.base import Connection
from infra.targets.local_state import APPS_DIR, ServedApp, write_app
from infra.templates.identity import client_properties
from pipeline import cli
from pipeline.cli import operations_commands
from tests.integration.infra.operations.test_identity_on_emulator import audit_store
from tests.unit.app.support import auth_header, settings
from tests.unit.infra.deploy.conftest import in_process  # noqa: F401 (fixture)

DIGEST = "c" * 64
UNREACHABLE = "http://127.0.0.1:9"


@dataclass(frozen=True)
class Opened:
    connection: Connection

    def connect(self, region: str) -> Connection:
        return self.connection


@pytest.fixture
def pool(
    in_process: Connection,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Connection:
    """dev's and prod's pools and deployments tables, as serving (or the stack) made them."""
    for name in ("dagger.json", "pyproject.toml", "uv.lock"):
        (tmp_path / name).write_text("{}" if name == "dagger.json" else "")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(select, "credential_source", lambda: None)
    monkeypatch.setenv("PIPELINE_ACTOR", "ops@test")
    opened: list[str] = []

    def open_target(kind: object, *, start: bool, state_dir: Path) -> Opened:
        assert start is False  # users never starts an emulator
        opened.append(str(kind))
        return Opened(in_process)

    monkeypatch.setattr(operations_commands, "open_target", open_target)
    pools = UserPools(in_process.clients)
    for env in ("dev", "staging", "prod"):
        config = load_environment(env)
        pool_id = pools.create(api_pool_parameters(config))
        pools.create_client(pool_id, client_properties(config))
        audit_store(in_process.clients, env)
    return in_process


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_create_then_list_is_audited(pool: Connection, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "users", "create", "--env", "dev", "--user", "ann@example.com")
    assert code == 0, err
    assert "target: local" in err
    lines = out.splitlines()
    assert lines[0] == "users create ann@example.com in energy-insights-dev-users"
    assert "ann@example.com" in lines[1] and "FORCE_CHANGE_PASSWORD" in lines[1]
    assert lines[-1].startswith("audited: ") and lines[-1].endswith("(succeeded)")

    code, out, _ = run(capsys, "users", "list", "--env", "dev")
    assert code == 0
    assert out.splitlines()[0] == "users list in energy-insights-dev-users"
    assert "ann@example.com" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("users", "delete", "--env", "dev", "--user", "a@example.com"),
            "unknown users command 'delete'; choose one of: create, reset-password, disable, list",
        ),
        (
            ("users", "create", "--env", "prod", "--user", "a@example.com"),
            "users create on prod needs --approved-by NAME",
        ),
        (
            ("users", "disable", "--env", "dev", "--user", "nobody@example.com"),
            "no user 'nobody@example.com' in dev's user pool; users: none",
        ),
        (("users", "create", "--env", "dev"), "users create needs the user: an e-mail address"),
        (("users", "list", "--env", "qa"), "unknown environment 'qa'; allowed: dev, staging, prod"),
    ],
)
def test_refusals_exit_2_with_what_to_do(
    pool: Connection, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in " ".join(err.split())
    assert "audited" not in out


def test_prod_with_an_approver_is_audited_with_the_approver(
    pool: Connection, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "users", "create", "--env", "prod", "--user", "bo@example.com",
        "--approved-by", "lead",
    )  # fmt: skip
    assert code == 0, err
    assert out.splitlines()[0] == "users create bo@example.com in energy-insights-prod-users " + (
        "(approved by lead)"
    )


def served_staging(repo: Path, capsys: pytest.CaptureFixture[str], requests: int) -> list[str]:
    """staging served by the host runner (at an address nothing answers), its log written by
    the real app with the fault switch failing every site request."""
    app = create_app(
        svc=Services(
            settings(env="staging", faults=FaultSettings(error_rate=1.0, seed=1)),
            clients=lambda: None,  # type: ignore[arg-type,return-value]  # faulted first
        )
    )
    capsys.readouterr()
    with TestClient(app, raise_server_exceptions=False) as api:
        statuses = [
            api.get("/sites/s1", headers=auth_header()).status_code for _ in range(requests)
        ]
    assert set(statuses) == {500}
    lines = capsys.readouterr().out.splitlines()
    write_app(repo, ServedApp("staging", UNREACHABLE, 9, DIGEST, "host", "1"))
    log = repo / APPS_DIR / "staging" / "app.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (log.parent / "app.pid").write_text("1\n", encoding="utf-8")  # the host runner's record
    return lines


def test_report_weekly_on_the_local_target_has_dora_from_the_records(
    pool: Connection, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    served_staging(tmp_path, capsys, requests=5)
    store = RecordStore(ItemTable(pool.clients, "energy-insights-staging-deployments"), "staging")
    now = datetime.now(UTC)
    for number, outcome in enumerate((Outcome.SUCCEEDED, Outcome.FAILED)):
        started = now - timedelta(days=2, hours=number)
        store.save(
            DeploymentRecord(
                f"d{number}", "staging", "local", DIGEST, "b" * 40, "ci", started, outcome,
                started + timedelta(minutes=5),
            )
        )  # fmt: skip
    out_dir = tmp_path / "out"
    code, out, err = run(
        capsys, "report", "weekly", "--env", "staging", "--target", "local", "--out", str(out_dir)
    )
    assert code == 0, err
    # DORA: one successful deployment in 7 days; one change of two failed.
    assert "deployments 1 (0.14/day), change failure rate 50%" in out
    assert "availability 0.000%" in out  # every request the app logged failed
    document = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    assert document["env"] == "staging"
    assert (out_dir / "report.md").read_text(encoding="utf-8").startswith("#")


def test_report_on_aws_needs_the_deployed_stack(
    pool: Connection, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "report", "daily", "--env", "dev", "--target", "aws")
    assert code == 2
    assert "the dev stack has no ApiId output: deploy it first" in err


def test_diagnose_names_the_failing_checks_and_the_runbook(
    pool: Connection, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    served_staging(tmp_path, capsys, requests=20)
    code, out, err = run(capsys, "diagnose", "--env", "staging", "--target", "local", "--json")
    assert code == 1, err
    result = json.loads(out)
    checks = {check["key"]: check["status"] for check in result["checks"]}
    assert checks["health"] == "fail"  # nothing answers at the served address
    assert checks["server-errors"] == "fail"
    assert checks["identity"] == "ok"  # the emulator's pool serves its JWKS
    assert result["verdict"] == "fail"
    assert result["runbook"].startswith("docs/operations/")

    code, out, _ = run(
        capsys, "diagnose", "--env", "staging", "--target", "local", "--symptom", "500s"
    )
    assert code == 1
    assert "docs/operations/api.md#api-error-rate" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("diagnose", "--env", "dev", "--symptom", "slow"),
            "unknown symptom 'slow'; choose one of: sign-in-fails, 401s, 500s",
        ),
        (("diagnose", "--env", "dev"), "dev is not served locally"),
        (
            ("report", "monthly", "--env", "dev"),
            "unknown report 'monthly'; choose one of: daily, weekly",
        ),
    ],
)
def test_operations_refusals_exit_2(
    pool: Connection, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in " ".join(err.split())


def test_served_app_lines_from_the_runner_that_serves_it_or_none(tmp_path: Path) -> None:
    assert operations_commands.served_app_lines(tmp_path, "dev") == []
    folder = tmp_path / APPS_DIR / "dev"
    folder.mkdir(parents=True)
    (folder / "app.pid").write_text("4242\n", encoding="utf-8")
    (folder / "app.log").write_text("one\ntwo\n", encoding="utf-8")
    write_app(tmp_path, ServedApp("dev", UNREACHABLE, 9, DIGEST, "host", "4242"))
    assert operations_commands.served_app_lines(tmp_path, "dev") == ["one", "two"]
    write_app(tmp_path, ServedApp("dev", UNREACHABLE, 9, DIGEST, "host", "4343"))
    assert operations_commands.served_app_lines(tmp_path, "dev") == []
