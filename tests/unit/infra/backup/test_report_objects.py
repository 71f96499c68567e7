"""restore_report_object(): a deleted report comes back with its own version; an older
version can be served again; an unversioned bucket is refused."""

from __future__ import annotations

import pytest

from app.storage.reports_bucket import ReportsBucket
from infra.backup import DataSafety, restore_report_object
from infra.backup.errors import DataSafetyError, ObjectNotRestorable
from infra.backup.objects import ObjectAction

KEY = "reports/plant-1/r-1/summary.csv"


def body(ctx: DataSafety, key: str = KEY) -> bytes:
    return ctx.objects.get(ctx.reports_bucket, key)


def write(ctx: DataSafety, content: bytes) -> None:
    """Through the app's own adapter: what the API does when it renders a report."""
    ReportsBucket(ctx.objects._s3, ctx.reports_bucket).put(KEY, content, "text/csv")


def test_a_deleted_report_is_served_again_with_its_original_version(ctx: DataSafety) -> None:
    write(ctx, b"day,kwh\n2026-01-01,42\n")
    [original] = ctx.objects.versions(ctx.reports_bucket, KEY)
    ctx.objects._s3.delete_object(Bucket=ctx.reports_bucket, Key=KEY)
    assert ctx.objects.current_version(ctx.reports_bucket, KEY) is None

    result = restore_report_object(ctx, KEY)

    assert result.applied and result.plan.action is ObjectAction.REMOVE_DELETE_MARKERS
    assert result.served_version == original.version_id
    assert body(ctx) == b"day,kwh\n2026-01-01,42\n"


def test_a_dry_run_changes_nothing(ctx: DataSafety) -> None:
    write(ctx, b"v1")
    ctx.objects._s3.delete_object(Bucket=ctx.reports_bucket, Key=KEY)

    result = restore_report_object(ctx, KEY, dry_run=True)

    assert not result.applied and result.lines()[-1] == "dry run: nothing was changed"
    assert ctx.objects.current_version(ctx.reports_bucket, KEY) is None


def test_an_overwritten_report_can_be_rolled_back_to_an_older_version(ctx: DataSafety) -> None:
    write(ctx, b"good")
    good = ctx.objects.versions(ctx.reports_bucket, KEY)[0].version_id
    write(ctx, b"bad")

    result = restore_report_object(ctx, KEY, version_id=good)

    assert result.plan.action is ObjectAction.COPY_VERSION
    assert body(ctx) == b"good"
    assert len(ctx.objects.versions(ctx.reports_bucket, KEY)) == 3  # history is kept


def test_a_key_that_never_existed_is_a_usage_error(ctx: DataSafety) -> None:
    with pytest.raises(ObjectNotRestorable) as caught:
        restore_report_object(ctx, "reports/nope/summary.csv")
    assert caught.value.exit_code == 2


def test_an_unversioned_bucket_is_refused(ctx: DataSafety) -> None:
    ctx.objects._s3.put_bucket_versioning(
        Bucket=ctx.reports_bucket, VersioningConfiguration={"Status": "Suspended"}
    )

    with pytest.raises(DataSafetyError, match="not versioned"):
        restore_report_object(ctx, KEY)


def test_a_report_already_served_is_left_alone_and_not_called_a_dry_run(
    ctx: DataSafety,
) -> None:
    write(ctx, b"v1")

    result = restore_report_object(ctx, KEY)

    assert (result.applied, result.plan.action) == (False, ObjectAction.NOTHING)
    assert result.lines() == [f"s3://{ctx.reports_bucket}/{KEY}: nothing to do (already served)"]
    assert len(ctx.objects.versions(ctx.reports_bucket, KEY)) == 1
