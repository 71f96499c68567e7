"""`retire --older-than 24h`: delete Lambda versions nothing needs any more. Kept: what the alias
routes to, the previous live version (for undo), versions newer than the live one (candidates),
and any version a rollout record of the window or an active rollout names. Plan, then apply."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from infra.config.names import ResourceNames
from infra.rollout.commands import RolloutPorts
from infra.rollout.errors import RolloutUsageError
from infra.rollout.record import RolloutRecord, Status
from infra.rollout.shifters.lambda_alias import AliasPort

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNIT = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class VersionCatalog(Protocol):
    def published(self) -> tuple[str, ...]: ...

    def routed(self) -> tuple[str, ...]:
        """Versions the live alias routes to (primary first)."""
        ...

    def delete(self, version: str) -> None: ...


@dataclass(frozen=True)
class RetirePlan:
    delete: tuple[str, ...]
    keep: Mapping[str, str]  # version -> why it stays

    def describe(self) -> list[str]:
        lines = [f"keep {v}: {why}" for v, why in sorted(self.keep.items(), key=_num)]
        return lines + [f"delete {v}" for v in self.delete] or ["no published versions"]


def parse_duration(text: str) -> timedelta:
    """`24h`, `90m`, `7d`, `30s`."""
    found = _DURATION.fullmatch(text.strip())
    if not found or int(found.group(1)) == 0:
        raise RolloutUsageError(
            f"--older-than {text!r} is not a duration: use a whole number and s, m, h or d "
            "(e.g. 24h)"
        )
    return timedelta(**{_UNIT[found.group(2)]: int(found.group(1))})


def plan_retirement(
    published: Sequence[str],
    routed: Sequence[str],
    records: Sequence[RolloutRecord],
    now: datetime,
    older_than: timedelta,
) -> RetirePlan:
    """Which published versions to delete, and why each other one stays (pure)."""
    keep: dict[str, str] = {}
    live = routed[0] if routed else None
    for version in routed:
        keep.setdefault(version, "the live alias routes to it")
    previous = _previous(live, published, records)
    if previous:
        keep.setdefault(previous, "the previous live version, kept for undo")
    for version in published:
        if live and version.isdigit() and live.isdigit() and int(version) > int(live):
            keep.setdefault(version, "newer than the live version: a candidate")
    for r in records:
        recent = now - r.started_at < older_than
        if recent or not r.status.terminal:
            state = "recent" if r.status.terminal else "active"
            why = f"named by rollout {r.rollout_id} ({state})"
            for version in (r.stable_version, r.canary_version):
                keep.setdefault(version, why)
    delete = tuple(v for v in sorted(published, key=_num) if v not in keep and v.isdigit())
    return RetirePlan(delete, {v: why for v, why in keep.items() if v in published})


def retire(
    catalog: VersionCatalog,
    records: Sequence[RolloutRecord],
    now: datetime,
    older_than: timedelta,
    dry_run: bool = False,
    emit: Callable[[str], None] = print,
) -> RetirePlan:
    plan = plan_retirement(catalog.published(), catalog.routed(), records, now, older_than)
    for line in plan.describe():
        emit(("(dry run) " if dry_run else "") + line)
    if not dry_run:
        for version in plan.delete:
            catalog.delete(version)
    return plan


def retire_versions(
    catalog: VersionCatalog, ports: RolloutPorts, older_than: str, dry_run: bool = False
) -> RetirePlan:
    """`retire --older-than 24h`: delete versions nothing needs (see infra.rollout.retire)."""
    window = parse_duration(older_than)
    records = ports.store.history(1000)
    return retire(catalog, records, ports.clock.now(), window, dry_run, ports.emit)


class LambdaVersionCatalog:
    """The function's published versions and its `live` alias (infra.aws.lambda_)."""

    def __init__(
        self, functions: AliasPort, names: ResourceNames, delete: Callable[[str, str], None]
    ):
        self._functions = functions
        self._names = names
        self._delete = delete  # LambdaFunctions.delete_version

    def published(self) -> tuple[str, ...]:
        return tuple(
            v.version for v in self._functions.versions(self._names.function) if v.version.isdigit()
        )

    def routed(self) -> tuple[str, ...]:
        alias = self._functions.alias(self._names.function, self._names.alias)
        return (alias.version, *alias.weights) if alias else ()

    def delete(self, version: str) -> None:
        self._delete(self._names.function, version)


def _previous(
    live: str | None, published: Sequence[str], records: Sequence[RolloutRecord]
) -> str | None:
    for r in records:  # newest first: the promotion that made `live` live
        if r.status is Status.SUCCEEDED and r.canary_version == live:
            return r.stable_version
    older = [v for v in published if live and v.isdigit() and live.isdigit() and int(v) < int(live)]
    return max(older, key=int) if older else None


def _num(item: object) -> tuple[int, str]:
    text = item[0] if isinstance(item, tuple) else str(item)
    return (int(text), "") if str(text).isdigit() else (0, str(text))
