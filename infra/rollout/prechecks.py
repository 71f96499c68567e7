"""Checks before production traffic moves: config valid (the plan compiled), stack healthy,
previous version known; then an on-demand backup of the data table, its ARN kept in the record.
An environment with nothing live yet may take its first release (no canary: nothing to compare
with or roll back to) when the caller allows it; there is no data to back up then."""

from __future__ import annotations

from dataclasses import dataclass

from infra.errors import InfraError
from infra.rollout.errors import PrecheckFailed
from infra.rollout.ports import BackupPort, RolloutTarget, StackHealth


@dataclass(frozen=True)
class Prechecked:
    live_version: str  # "" only for a first release
    backup_arn: str
    notes: tuple[str, ...]

    @property
    def first_release(self) -> bool:
        return not self.live_version


def run_prechecks(
    env: str,
    health: StackHealth,
    target: RolloutTarget,
    backup: BackupPort | None,
    reason: str,
    first_release_ok: bool = False,
) -> Prechecked:
    """All checks run and every failure is reported together; the backup only when they pass."""
    failures: list[str] = []
    notes: list[str] = []
    try:
        state = health.check(env)
        (notes if state.ok else failures).append(
            f"stack {'healthy' if state.ok else 'unhealthy'}: {state.detail}"
        )
    except InfraError as exc:
        failures.append(f"stack health could not be read: {exc}")
    live = None
    try:
        live = target.live_version()
        if live is None and not first_release_ok:
            failures.append(
                f"no live version in {env}: the first deploy of an environment is a plain "
                "`deploy`; promotion needs a previous version to roll back to"
            )
    except InfraError as exc:
        failures.append(f"the live version could not be read: {exc}")
    if failures:
        raise PrecheckFailed(f"{env}: not promoting, nothing was shifted: " + "; ".join(failures))
    if live is None:
        return Prechecked(
            "", "", (*notes, "first release: nothing live, so no canary and no backup")
        )
    if backup is None:
        return Prechecked(live, "", (*notes, "no backup taken (not needed for this kind)"))
    try:
        arn = backup.on_demand(env, reason)
    except InfraError as exc:
        raise PrecheckFailed(
            f"{env}: the on-demand backup of the data table failed ({exc}); nothing was shifted"
        ) from exc
    return Prechecked(live, arn, (*notes, f"backup {arn}"))
