"""What data safety needs from other parts of the release path, as small protocols the caller
binds: the environment's deploy lock, the config-switch deploy and the smoke test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from infra.config.model import EnvironmentConfig


class EnvironmentLock(Protocol):
    """The environment's deploy lock (today `infra.deploy.lock.DeployLock`)."""

    def holder(self) -> str | None:
        """Who holds the lock, or None; read-only (dry runs show it)."""
        ...

    def acquire(self, owner: str, token: str) -> None:
        """Take the lock or raise (`LockHeld`, exit 1) when someone else holds it."""
        ...

    def release(self, token: str) -> None: ...


class TableSwitch(Protocol):
    """Deploy `config` (whose `backup.data_table_override` names the restored table) like any
    config change, with all traffic at once (a canary would split writes over two tables), and
    make the override permanent in the environment's YAML. Returns a reference (e.g. the
    deployment id). Called with the environment lock released: the deploy takes it itself."""

    def switch(self, config: EnvironmentConfig, table: str) -> str: ...


@dataclass(frozen=True)
class SmokeOutcome:
    ok: bool
    detail: str = ""


class SmokeCheck(Protocol):
    """The environment's smoke test against what is live now."""

    def smoke(self, config: EnvironmentConfig) -> SmokeOutcome: ...
