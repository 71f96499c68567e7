"""The real recovery path on a deployed stack: the backup snapshots the live template, and a
restore switches the function to the restored table through an ordinary deploy of the config
change (the deployer as the TableSwitch port), then smoke-tests what the function now serves."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from infra.artifact.digest import sha256_of
from infra.aws.backups import DynamoBackups
from infra.backup import DataSafety, SmokeOutcome, backup, bind, restore
from infra.backup.fingerprint import fingerprint_table
from infra.clock import SystemClock
from infra.config import EnvironmentConfig
from infra.deploy.artifact_store import Artifact
from infra.deploy.cli import main as deploy_cli
from infra.deploy.deployer import Deployer
from infra.deploy.request import DeployOptions, DeployRequest
from infra.targets.base import Connection
from infra.targets.local import LocalTarget
from infra.templates import contract, render_template
from tests.unit.infra.backup.support import FakeClock, seed, staging

pytestmark = [
    pytest.mark.emulator,
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning"),  # moto: skipped types
]
REGION = "eu-west-1"


class DeployerSwitch:
    """A TableSwitch bound to today's deployer: deploy the overridden config's template."""

    def __init__(self, connection: Connection, artifact: Artifact) -> None:
        self.connection = connection
        self.artifact = artifact
        self.deployed: list[str] = []

    def switch(self, config: EnvironmentConfig, table: str) -> str:
        request = DeployRequest(
            config=config,
            template_body=render_template(config),
            template_name=f"(restore switch to {table})",
            artifact=self.artifact,
            options=DeployOptions(commit="abcdef1", actor="restore"),
        )
        result = Deployer(self.connection, SystemClock(), self.deployed.append).deploy(request)
        assert result.record is not None
        return f"deployment {result.record.deployment_id}"


class FunctionServesTable:
    """A SmokeCheck: the function's EI_TABLE_NAME names the override, which is ACTIVE."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def smoke(self, config: EnvironmentConfig) -> SmokeOutcome:
        clients = self.connection.clients
        found = clients.lambda_.get_function_configuration(FunctionName=config.names.function)
        served = found["Environment"]["Variables"][contract.ENV_TABLE_NAME]
        shape = DynamoBackups(clients).shape(served)
        ok = served == config.backup.data_table_override and shape is not None
        return SmokeOutcome(ok, f"function serves {served} ({shape.status if shape else 'absent'})")


@pytest.fixture(scope="module")
def deployed(module_emulator: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """staging deployed once to the emptied emulator; returns the artifact."""
    artifact = tmp_path_factory.mktemp("artifact") / "bundle.zip"
    with zipfile.ZipFile(artifact, "w") as archive:
        archive.writestr("app/lambda_handler.py", "def handler(event, context):\n    return 1\n")
    args = ["deploy", "--env", "staging", "--target", "local", "--commit", "abcdef1"]
    assert deploy_cli([*args, "--artifact", str(artifact)]) == 0
    return artifact


@pytest.fixture
def ctx(deployed: Path) -> DataSafety:
    connection = LocalTarget.running().connect(REGION)
    return bind(connection, staging(), FakeClock(), emit=lambda _line: None)


def test_the_backup_snapshots_the_live_template_and_parameters(ctx: DataSafety) -> None:
    record = backup(ctx, "before prod promotion", "pipeline").record

    prefix = f"backups/{record.backup_id}/"
    live = ctx.objects._clients.cloudformation.get_template(StackName=ctx.config.names.stack)
    stored = json.loads(ctx.objects.get(ctx.artifact_bucket, prefix + "template.json"))
    live_body = live["TemplateBody"]
    assert stored == (live_body if isinstance(live_body, dict) else json.loads(live_body))
    stack = json.loads(ctx.objects.get(ctx.artifact_bucket, prefix + "stack.json"))
    assert stack["live"] is True
    assert stack["parameters"][contract.PARAM_GIT_COMMIT] == "abcdef1"
    manifest = json.loads(ctx.objects.get(ctx.artifact_bucket, prefix + "manifest.json"))
    assert set(manifest["files"]) == {"config.json", "stack.json", "template.json"}


def test_a_restore_switches_the_function_through_a_deploy(ctx: DataSafety, deployed: Path) -> None:
    seed(ctx.tables._clients, ctx.protected_table, 400)
    made = backup(ctx, "before an incident", "pipeline").record
    live_before = fingerprint_table(ctx.tables.scan_pages, ctx.protected_table, 2)
    connection = LocalTarget.running().connect(REGION)
    switch = DeployerSwitch(connection, Artifact(sha256_of(deployed), deployed))

    result = restore(ctx, made.backup_id, "alice", False, switch, FunctionServesTable(connection))

    assert result.outcome == "restored", result.lines()
    target = result.plan.target_table
    assert result.restored == live_before  # the backup held exactly what was live
    variables = connection.clients.lambda_.get_function_configuration(
        FunctionName=ctx.config.names.function
    )["Environment"]["Variables"]
    assert variables[contract.ENV_TABLE_NAME] == target
    # the stack's own table is still there, untouched
    assert fingerprint_table(ctx.tables.scan_pages, ctx.protected_table, 2) == live_before
    assert any(
        line.startswith(f"switched the function to {target} (deployment ") for line in result.done
    )
