"""`pipeline users ...` end to end in-process: parsed, refused with exit 2 before any call,
or run against the environment's pool (in-process moto behind the target) and audited."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.aws.cognito import UserPools
from infra.config import load_environment
from infra.operations.users.local_identity import api_pool_parameters
from infra.targets import select
from infra.targets.base import Connection
from infra.templates.identity import client_properties
from pipeline import cli
from pipeline.cli import operations_commands
from tests.integration.infra.operations.test_identity_on_emulator import audit_store
from tests.unit.infra.deploy.conftest import in_process  # noqa: F401 (fixture)


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
    for env in ("dev", "prod"):
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
