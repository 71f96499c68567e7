"""The deploy lock as the rollout's lock port (in-process moto)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from infra.aws import AwsClients
from infra.aws.items import ItemTable
from infra.deploy.errors import LockHeld
from infra.deploy.lock import DeployLock
from infra.rollout.lock import DeployLockPort
from tests.unit.infra.rollout.conftest import TABLE
from tests.unit.infra.rollout.fakes import FakeClock

TTL = timedelta(hours=2)


@pytest.fixture
def lock(clients: AwsClients, deployments: ItemTable) -> DeployLockPort:
    return DeployLockPort(DeployLock(ItemTable(clients, TABLE), "prod"), FakeClock())


def test_one_holder_at_a_time(lock: DeployLockPort) -> None:
    lock.acquire("rita@laptop", "rollout-1", TTL)
    with pytest.raises(LockHeld, match="prod is locked by rita@laptop"):
        lock.acquire("oscar@ci", "rollout-2", TTL)
    lock.release("rollout-1")
    lock.acquire("oscar@ci", "rollout-2", TTL)


def test_the_same_rollout_re_takes_its_own_lock(lock: DeployLockPort) -> None:
    lock.acquire("rita@laptop", "rollout-1", TTL)
    lock.acquire("ci-rerun", "rollout-1", TTL)  # its controller was killed holding it
    with pytest.raises(LockHeld, match="locked by ci-rerun"):
        lock.acquire("oscar@ci", "rollout-2", TTL)
