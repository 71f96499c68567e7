"""Re-applying what a restore drops: the plan (pure) and the read-back comparison."""

from __future__ import annotations

from dataclasses import replace

import pytest

from infra.aws.backups import ScalingTarget, TableSettings
from infra.backup.record_items import CheckStatus
from infra.backup.table_settings import Setting, compare_settings, plan_settings

READ = ScalingTarget("dynamodb:table:ReadCapacityUnits", 5, 50, (("rd", '{"TargetValue":70.0}'),))
FULL = TableSettings(
    ttl_attribute="expires_at",
    stream_view_type="NEW_AND_OLD_IMAGES",
    pitr_enabled=True,
    deletion_protection=True,
    tags=(("cost-centre", "energy"), ("team", "insights")),
    scaling=(READ,),
)
RESTORED = TableSettings()  # what a restore leaves: none of them


def test_a_fresh_restore_needs_every_setting_in_order() -> None:
    steps = plan_settings(FULL, RESTORED)

    assert [s.setting for s in steps] == [
        Setting.TTL,
        Setting.STREAM,
        Setting.PITR,
        Setting.DELETION_PROTECTION,
        Setting.TAGS,
        Setting.AUTOSCALING,
    ]
    assert steps[-1].scaling == READ
    assert "cost-centre=energy" in steps[4].description


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (FULL, []),
        (replace(FULL, ttl_attribute=None), [Setting.TTL]),
        (replace(FULL, tags=(("team", "insights"),)), [Setting.TAGS]),
        (replace(FULL, tags=(*FULL.tags, ("extra", "x"))), []),  # extra tags are left alone
        (replace(FULL, scaling=()), [Setting.AUTOSCALING]),
        (replace(FULL, deletion_protection=False), [Setting.DELETION_PROTECTION]),
    ],
)
def test_only_missing_settings_are_planned(current: TableSettings, expected: list[Setting]) -> None:
    assert [s.setting for s in plan_settings(FULL, current)] == expected


def test_a_source_without_settings_needs_nothing() -> None:
    assert plan_settings(RESTORED, RESTORED) == ()


def test_turning_deletion_protection_off_is_planned_for_drill_tables() -> None:
    wanted = replace(RESTORED, deletion_protection=False)
    [step] = plan_settings(wanted, replace(RESTORED, deletion_protection=True))
    assert step.description == "deletion protection off"


def test_the_comparison_names_each_setting_that_did_not_stick() -> None:
    checks = {c.name: c for c in compare_settings(FULL, replace(FULL, stream_view_type=None))}

    assert checks["re-applied stream"].status is CheckStatus.FAILED
    assert "want NEW_AND_OLD_IMAGES" in checks["re-applied stream"].detail
    others = [c for name, c in checks.items() if name != "re-applied stream"]
    assert all(c.status is CheckStatus.OK for c in others)
    assert len(checks) == 6
