"""The release path's side of a restore against in-process moto: the switch is checked before
a restore starts (refused when nothing is deployed), deploys the override with the live code,
and after a failed deploy the YAML says what the function serves."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from infra.aws.lambda_ import LambdaFunctions
from infra.backup.config_edit import with_table_override
from infra.backup.errors import RestoreRefused
from infra.config import EnvironmentConfig, load_environment
from infra.deploy import commands
from infra.deploy.artifact_store import resolve_local
from infra.deploy.errors import DeployError
from infra.targets.base import Connection
from infra.templates import contract
from pipeline.catalog import ARTIFACTS_DIR
from pipeline.release import restore_switch
from pipeline.release.restore_switch import SwitchFailed, prepare_switch
from tests.unit.infra.deploy.conftest import FakeTarget

ROOT = Path(__file__).resolve().parents[4]
TABLE = "energy-insights-dev-data-restored-r1"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    envs = tmp_path / "repo" / "infra" / "environments"
    envs.mkdir(parents=True)
    shutil.copy(ROOT / "infra" / "environments" / "dev.yaml", envs / "dev.yaml")
    (tmp_path / "repo" / ARTIFACTS_DIR).mkdir(parents=True)
    return tmp_path / "repo"


@pytest.fixture
def dev() -> EnvironmentConfig:
    return load_environment("dev")


def deployed(in_process: Connection, dev: EnvironmentConfig, repo: Path, zip_: Path) -> FakeTarget:
    """dev deployed from a zip in the repo's build/artifacts, as a release leaves it."""
    bundle = repo / ARTIFACTS_DIR / "lambda.zip"
    shutil.copy(zip_, bundle)
    options = commands.DeployOptions(commit="abc1234", actor="me", app_version="1.0.0")
    artifact = resolve_local(bundle, None, bundle.parent)
    request = commands.deploy_request(dev, artifact, options, print)
    target = FakeTarget(in_process)
    commands.deploy(target, request, print)
    return target


def served(connection: Connection, config: EnvironmentConfig) -> str:
    variables = LambdaFunctions(connection.clients).environment(config.names.function)
    return variables[contract.ENV_TABLE_NAME]


def yaml_override(repo: Path) -> str:
    text = (repo / "infra" / "environments" / "dev.yaml").read_text()
    [line] = [x for x in text.splitlines() if "data_table_override:" in x]
    return line.split(":", 1)[1].split("#")[0].strip()


def test_a_switch_with_nothing_deployed_is_refused_before_a_restore_starts(
    in_process: Connection, dev: EnvironmentConfig, repo: Path
) -> None:
    with pytest.raises(RestoreRefused, match="has no deployed stack energy-insights-dev"):
        prepare_switch(repo, FakeTarget(in_process), in_process, dev, "me", print)


def test_the_switch_deploys_the_override_with_the_live_code(
    in_process: Connection,
    dev: EnvironmentConfig,
    repo: Path,
    make_zip: Callable[[str], Path],
) -> None:
    target = deployed(in_process, dev, repo, make_zip("live"))
    lines: list[str] = []
    switch, plan = prepare_switch(repo, target, in_process, dev, "me", lines.append)
    assert "deploy it with the live artifact" in plan[0]

    reference = switch.switch(with_table_override(dev, TABLE), TABLE)

    assert reference.startswith("deployment ")
    assert served(in_process, dev) == TABLE
    assert yaml_override(repo) == TABLE
    assert switch.live.commit == "abc1234"


def test_after_a_failed_switch_deploy_the_yaml_says_what_the_function_serves(
    in_process: Connection,
    dev: EnvironmentConfig,
    repo: Path,
    make_zip: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = deployed(in_process, dev, repo, make_zip("live"))
    switch, _ = prepare_switch(repo, target, in_process, dev, "me", print)

    def fail(*_args: object, **_kw: object) -> None:
        raise DeployError("change set failed")

    monkeypatch.setattr(restore_switch.commands, "deploy", fail)
    with pytest.raises(SwitchFailed) as caught:
        switch.switch(with_table_override(dev, TABLE), TABLE)

    assert "the function still serves energy-insights-dev-data" in str(caught.value)
    assert yaml_override(repo) == "null"  # back to what the function serves
