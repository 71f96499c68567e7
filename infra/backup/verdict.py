"""A drill's verdict from its measurements, as a pure function: worst wins (failed over
unverified over passed), and every reason is named."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from infra.backup.drill_records import DrillSource, Verdict
from infra.backup.fingerprint import Fingerprint


class ReferenceKind(StrEnum):
    EXACT = "exact"  # a fingerprint of the source known to hold at the restored point
    SOURCE_NOW = "source-now"  # the source as it is now: equal proves it, unequal proves nothing


@dataclass(frozen=True)
class DrillMeasurements:
    source: DrillSource
    reference: ReferenceKind
    expected: Fingerprint
    restored: Fingerprint
    rto: timedelta
    settings_failed: tuple[str, ...]
    pitr_enabled: bool
    pitr_lag: timedelta | None  # now minus the latest restorable time; None: not known
    emulator: bool


@dataclass(frozen=True)
class Targets:
    rto: timedelta
    rpo: timedelta


def _duration(value: timedelta) -> str:
    seconds = value.total_seconds()
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def judge(m: DrillMeasurements, targets: Targets) -> tuple[Verdict, tuple[str, ...]]:
    """PASSED only when content matched a reference that stands for the restored point, the
    RTO is within target, every setting was re-applied and PITR can meet the RPO (PITR is not
    judged on the emulator, whose CloudFormation ignores it: the drill notes say so)."""
    failed: list[str] = []
    unverified: list[str] = []
    passed: list[str] = []
    same = m.restored == m.expected
    if m.emulator and m.source is DrillSource.PITR:
        unverified.append(
            "content at the requested time was NOT checked: the emulator ignores the restore "
            "time of a point-in-time restore (it copies the table as it is now)"
        )
    elif m.reference is ReferenceKind.EXACT:
        if same:
            passed.append(f"items and checksum match the exact fingerprint ({m.restored})")
        else:
            failed.append(f"content differs: restored {m.restored}, expected {m.expected}")
    elif same:
        passed.append(f"items and checksum match the source table now ({m.restored})")
    else:
        unverified.append(
            f"restored {m.restored} differs from the source now ({m.expected}) and no exact "
            "fingerprint of the restored point exists, so later writes and a bad restore "
            "cannot be told apart (backup.fingerprint_backups makes backups verifiable)"
        )
    if m.rto > targets.rto:
        failed.append(f"RTO {_duration(m.rto)} exceeds the target {_duration(targets.rto)}")
    else:
        passed.append(f"RTO {_duration(m.rto)} within the target {_duration(targets.rto)}")
    failed.extend(f"setting not re-applied: {s}" for s in m.settings_failed)
    if m.emulator:
        pass  # CloudFormation-in-moto ignores the template's PITR setting: not judged here
    elif not m.pitr_enabled:
        failed.append(
            "point-in-time recovery is OFF on the source: the RPO is the last backup's age"
        )
    elif m.pitr_lag is not None and m.pitr_lag > targets.rpo:
        failed.append(
            f"PITR lags {_duration(m.pitr_lag)} behind now, over the RPO target "
            f"{_duration(targets.rpo)}"
        )
    if failed:
        return Verdict.FAILED, tuple(failed + unverified)
    if unverified:
        return Verdict.UNVERIFIED, tuple(unverified)
    return Verdict.PASSED, tuple(passed)
