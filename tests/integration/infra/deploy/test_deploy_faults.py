"""Faults on a real moto server: concurrent deploys, failures under the lock, stale locks and
an emulator that dies mid-deploy."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from infra.aws.errors import EmulatorUnreachable
from infra.aws.items import ItemTable
from infra.clock import SystemClock
from infra.config import EnvironmentConfig
from infra.deploy.artifact_store import resolve_local
from infra.deploy.cli import main
from infra.deploy.deployer import Deployer
from infra.deploy.errors import ChangeSetFailed, LockHeld
from infra.deploy.lock import DeployLock
from infra.deploy.records import Outcome, RecordStore
from infra.deploy.request import DeployOptions, DeployRequest
from infra.errors import InfraError
from infra.targets.local import LocalTarget
from infra.templates.stack import render_template
from tests.conftest import free_port

pytestmark = [
    pytest.mark.emulator,
    pytest.mark.usefixtures("emulator"),
    pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning"),  # moto: skipped types
]
APPLYING = "applying change set"


def request(config: EnvironmentConfig, artifact: Path, **kw: Any) -> DeployRequest:
    return DeployRequest(
        config=config,
        template_body=render_template(config),
        template_name="test",
        artifact=resolve_local(artifact, None, artifact.parent),
        options=DeployOptions(commit="abcdef1", actor=kw.pop("actor", "tester"), **kw),
        lint_checked=True,
    )


def deployer(emit: Callable[[str], None]) -> Deployer:
    conn = LocalTarget.start().connect("eu-west-1")  # AWS_ENDPOINT_URL: the test's emulator
    return Deployer(conn, SystemClock(), emit)


def store(config: EnvironmentConfig) -> RecordStore:
    conn = LocalTarget.running().connect("eu-west-1")
    return RecordStore(ItemTable(conn.clients, config.names.deployments_table), config.name)


def lock_of(config: EnvironmentConfig) -> DeployLock:
    conn = LocalTarget.running().connect("eu-west-1")
    return DeployLock(ItemTable(conn.clients, config.names.deployments_table), config.name)


def test_concurrent_deploys_one_proceeds_the_other_is_refused(
    make_zip: Callable[[str], Path], dev: EnvironmentConfig
) -> None:
    deployer(lambda _: None).deploy(request(dev, make_zip("one")))  # bootstrap first
    artifact = make_zip("two")
    barrier = threading.Barrier(2)
    done = [threading.Event(), threading.Event()]
    results: list[object] = [None, None]

    def run(i: int) -> None:
        def emit(line: str) -> None:
            if line.startswith(APPLYING):  # hold the lock until the other deploy has finished
                done[1 - i].wait(timeout=20)

        worker = deployer(emit)
        barrier.wait(timeout=20)
        try:
            results[i] = worker.deploy(request(dev, artifact, actor=f"deployer-{i}")).outcome
        except InfraError as exc:
            results[i] = exc
        finally:
            done[i].set()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    refused = [r for r in results if isinstance(r, LockHeld)]
    assert len(refused) == 1, results
    assert Outcome.SUCCEEDED in results
    message = str(refused[0])
    assert "environment dev is locked by deployer-" in message
    assert " since " in message
    assert lock_of(dev).current() is None


def test_lock_is_released_and_record_failed_after_a_failure(
    make_zip: Callable[[str], Path], dev: EnvironmentConfig
) -> None:
    deployer(lambda _: None).deploy(request(dev, make_zip("one")))

    def failing(line: str) -> None:
        if line.startswith(APPLYING):
            raise ChangeSetFailed(dev.names.stack, "Function", "injected fault")

    with pytest.raises(ChangeSetFailed, match="Function failed: injected fault"):
        deployer(failing).deploy(request(dev, make_zip("two")))

    assert lock_of(dev).current() is None
    latest = store(dev).history(1)[0]
    assert latest.outcome is Outcome.FAILED
    assert "injected fault" in latest.error
    result = deployer(lambda _: None).deploy(request(dev, make_zip("two")))
    assert result.outcome is Outcome.SUCCEEDED


def test_stale_lock_is_refused_until_broken_explicitly(
    make_zip: Callable[[str], Path], dev: EnvironmentConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    artifact = make_zip("one")
    deployer(lambda _: None).deploy(request(dev, artifact))
    past = SystemClock().now() - timedelta(hours=2)
    lock_of(dev).acquire("crashed-ci", "dead01", past, break_lock=False, ttl=timedelta(minutes=45))
    argv = ["deploy", "--env", "dev", "--target", "local", "--artifact", str(artifact)]

    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "locked by crashed-ci since" in err
    assert "(stale)" in err
    assert "--break-lock" in err

    assert main([*argv, "--break-lock"]) == 0
    assert "WARNING: broke the lock of crashed-ci" in capsys.readouterr().out
    assert lock_of(dev).current() is None


def test_emulator_killed_mid_deploy_fails_clearly_and_a_rerun_succeeds(
    make_zip: Callable[[str], Path],
    dev: EnvironmentConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    killed: list[str] = []

    def kill_on_apply(line: str) -> None:
        killed.append(line)
        if line.startswith(APPLYING):
            server.stop()

    artifact = make_zip("one")
    try:
        with pytest.raises(EmulatorUnreachable, match=r"not reachable at http://127\.0\.0\.1"):
            deployer(kill_on_apply).deploy(request(dev, artifact, actor="victim"))
        assert any(line.startswith("WARNING: could not release the lock") for line in killed)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()  # same state: the dead deploy's lock and in-progress record remain
        argv = ["deploy", "--env", "dev", "--target", "local", "--artifact", str(artifact)]

        assert main(argv) == 1
        assert "locked by victim" in capsys.readouterr().err

        assert main([*argv, "--break-lock"]) == 0
        history = store(dev).history()
        assert [r.outcome for r in history] == [Outcome.SUCCEEDED, Outcome.FAILED]
        assert "abandoned" in history[1].error
    finally:
        server.stop()
