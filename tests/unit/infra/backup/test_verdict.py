"""The drill verdict: worst wins, every limit's edges, and what the emulator cannot show."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from infra.backup.drill_records import DrillSource, Verdict
from infra.backup.fingerprint import Fingerprint
from infra.backup.verdict import DrillMeasurements, ReferenceKind, Targets, judge

TARGETS = Targets(rto=timedelta(minutes=240), rpo=timedelta(minutes=60))
SAME = Fingerprint(100, "a" * 64)
OTHER = Fingerprint(99, "b" * 64)
TICK = timedelta(microseconds=1)
GOOD = DrillMeasurements(
    source=DrillSource.BACKUP,
    reference=ReferenceKind.EXACT,
    expected=SAME,
    restored=SAME,
    rto=timedelta(minutes=10),
    settings_failed=(),
    pitr_enabled=True,
    pitr_lag=timedelta(minutes=5),
    emulator=False,
)


@pytest.mark.parametrize(
    ("changes", "verdict", "says"),
    [
        ({}, Verdict.PASSED, "match the exact fingerprint"),
        ({"restored": OTHER}, Verdict.FAILED, "content differs"),
        # RTO: at the target passes, a microsecond over fails
        ({"rto": TARGETS.rto}, Verdict.PASSED, "within the target"),
        ({"rto": TARGETS.rto + TICK}, Verdict.FAILED, "exceeds the target"),
        ({"settings_failed": ("ttl",)}, Verdict.FAILED, "setting not re-applied: ttl"),
        ({"pitr_enabled": False}, Verdict.FAILED, "point-in-time recovery is OFF"),
        # PITR lag: at the RPO target passes, over it fails; unknown is not judged
        ({"pitr_lag": TARGETS.rpo}, Verdict.PASSED, "match"),
        ({"pitr_lag": TARGETS.rpo + TICK}, Verdict.FAILED, "PITR lags"),
        ({"pitr_lag": None}, Verdict.PASSED, "match"),
        # Against the source as it is now: equal proves the restore, unequal proves nothing
        ({"reference": ReferenceKind.SOURCE_NOW}, Verdict.PASSED, "match the source table now"),
        (
            {"reference": ReferenceKind.SOURCE_NOW, "restored": OTHER},
            Verdict.UNVERIFIED,
            "cannot be told apart",
        ),
        # The emulator: a PITR drill never passes, whatever the checksums say
        (
            {"emulator": True, "source": DrillSource.PITR, "pitr_lag": None},
            Verdict.UNVERIFIED,
            "NOT checked",
        ),
        # ...and its PITR state (ignored by its CloudFormation) is not judged
        ({"emulator": True, "pitr_enabled": False, "pitr_lag": None}, Verdict.PASSED, "match"),
        # worst wins: a failure outranks an unverified content check
        (
            {"emulator": True, "source": DrillSource.PITR, "rto": TARGETS.rto + TICK},
            Verdict.FAILED,
            "NOT checked",
        ),
    ],
)
def test_verdict(changes: dict[str, object], verdict: Verdict, says: str) -> None:
    got, reasons = judge(replace(GOOD, **changes), TARGETS)  # type: ignore[arg-type]

    assert got is verdict
    assert any(says in reason for reason in reasons), reasons


def test_every_failure_is_named() -> None:
    bad = replace(GOOD, restored=OTHER, rto=TARGETS.rto * 2, pitr_enabled=False)

    verdict, reasons = judge(bad, TARGETS)

    assert verdict is Verdict.FAILED
    assert len(reasons) == 3
