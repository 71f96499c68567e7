"""Bring back a deleted (or overwritten) report object from the versioned reports bucket.

Deleted: remove the delete marker(s) above the newest version, which becomes current again
with its original version id and metadata; nothing is rewritten. An older version asked for by
id: copy it over the key (a new version with that content). The decision is pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from infra.aws.backup_objects import ObjectVersion
from infra.backup.context import DataSafety
from infra.backup.errors import DataSafetyError, ObjectNotRestorable


class ObjectAction(StrEnum):
    NOTHING = "nothing"  # the wanted version is already the one served
    REMOVE_DELETE_MARKERS = "remove-delete-markers"
    COPY_VERSION = "copy-version"


@dataclass(frozen=True)
class ObjectRestorePlan:
    bucket: str
    key: str
    action: ObjectAction
    version_id: str  # the version that will be served
    delete_markers: tuple[str, ...] = ()
    why: str = ""

    def lines(self) -> list[str]:
        where = f"s3://{self.bucket}/{self.key}"
        if self.action is ObjectAction.NOTHING:
            return [f"{where}: nothing to do ({self.why})"]
        if self.action is ObjectAction.REMOVE_DELETE_MARKERS:
            markers = ", ".join(self.delete_markers)
            served = f"version {self.version_id} is served again"
            return [f"{where}: remove delete marker(s) {markers}; {served}"]
        return [f"{where}: copy version {self.version_id} over the key (a new current version)"]


def plan_object_restore(
    bucket: str, key: str, versions: Sequence[ObjectVersion], version_id: str | None
) -> ObjectRestorePlan:
    """How to serve `version_id` (default: the newest real version) again, from the key's
    versions and delete markers (newest first)."""
    real = [v for v in versions if not v.is_delete_marker]
    if not real:
        raise ObjectNotRestorable(
            f"s3://{bucket}/{key} has no stored version: it never existed, or its old versions "
            "expired (backup.noncurrent_version_expiry_days); check the key"
        )
    wanted = (
        real[0]
        if version_id is None
        else next((v for v in real if v.version_id == version_id), None)
    )
    if wanted is None:
        listed = ", ".join(v.version_id for v in real[:5])
        raise ObjectNotRestorable(
            f"s3://{bucket}/{key} has no version {version_id}; its versions: {listed}"
        )
    current = next((v for v in versions if v.is_latest), None)
    if current is not None and current.version_id == wanted.version_id:
        return ObjectRestorePlan(
            bucket, key, ObjectAction.NOTHING, wanted.version_id, why="already served"
        )
    if wanted is real[0] and current is not None and current.is_delete_marker:
        # Every marker at least as new as the version hides it; an older marker in the same
        # second (whole-second timestamps) is history only, removing it changes nothing served.
        markers = tuple(
            v.version_id
            for v in versions
            if v.is_delete_marker and v.last_modified >= wanted.last_modified
        )
        return ObjectRestorePlan(
            bucket, key, ObjectAction.REMOVE_DELETE_MARKERS, wanted.version_id, markers
        )
    return ObjectRestorePlan(bucket, key, ObjectAction.COPY_VERSION, wanted.version_id)


@dataclass(frozen=True)
class ObjectRestoreResult:
    plan: ObjectRestorePlan
    applied: bool
    served_version: str | None  # what S3 serves for the key afterwards

    def lines(self) -> list[str]:
        if self.applied:
            return [*self.plan.lines(), f"now serves version {self.served_version}"]
        if self.plan.action is ObjectAction.NOTHING:  # the plan line says why
            return self.plan.lines()
        return [*self.plan.lines(), "dry run: nothing was changed"]


def restore_report_object(
    ctx: DataSafety, key: str, version_id: str | None = None, dry_run: bool = False
) -> ObjectRestoreResult:
    """Serve a deleted or overwritten report object again (plan first; dry run stops there)."""
    bucket = ctx.reports_bucket
    protection = ctx.objects.protection(bucket)
    if protection.versioning != "Enabled":
        raise DataSafetyError(
            f"{bucket} is not versioned (versioning {protection.versioning or 'off'}): deleted "
            "objects cannot be restored; deploy the stack (its template enables versioning)"
        )
    plan = plan_object_restore(bucket, key, ctx.objects.versions(bucket, key), version_id)
    for line in plan.lines():
        ctx.emit(line)
    if dry_run or plan.action is ObjectAction.NOTHING:
        return ObjectRestoreResult(plan, applied=False, served_version=None)
    if plan.action is ObjectAction.REMOVE_DELETE_MARKERS:
        for marker in plan.delete_markers:
            ctx.objects.delete_version(bucket, key, marker)
        served = ctx.objects.current_version(bucket, key)
        expected = plan.version_id
    else:
        expected = ctx.objects.copy_version(bucket, key, plan.version_id)
        served = ctx.objects.current_version(bucket, key)
    if served != expected:
        raise DataSafetyError(
            f"s3://{bucket}/{key}: after the restore S3 serves version {served}, not {expected}; "
            "list its versions (aws s3api list-object-versions) and retry"
        )
    return ObjectRestoreResult(plan, applied=True, served_version=served)
