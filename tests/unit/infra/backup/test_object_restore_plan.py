"""How a deleted or overwritten report object is brought back: the pure decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from infra.aws.backup_objects import ObjectVersion
from infra.backup.errors import ObjectNotRestorable
from infra.backup.objects import ObjectAction, plan_object_restore

KEY = "reports/plant-1/r-1/summary.csv"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def version(vid: str, seconds: int, latest: bool = False, marker: bool = False) -> ObjectVersion:
    return ObjectVersion(KEY, vid, latest, marker, T0 + timedelta(seconds=seconds))


def plan(versions: list[ObjectVersion], wanted: str | None = None):  # type: ignore[no-untyped-def]
    return plan_object_restore("bucket", KEY, versions, wanted)


def test_a_deleted_object_comes_back_by_removing_its_delete_marker() -> None:
    p = plan([version("m1", 20, latest=True, marker=True), version("v2", 10), version("v1", 0)])

    assert p.action is ObjectAction.REMOVE_DELETE_MARKERS
    assert p.delete_markers == ("m1",)
    assert p.version_id == "v2"


def test_every_stacked_delete_marker_above_the_version_is_removed() -> None:
    versions = [
        version("m2", 30, latest=True, marker=True),
        version("m1", 20, marker=True),
        version("v1", 10),
        version("m0", 5, marker=True),  # an older deletion, already undone: history
    ]

    p = plan(versions)

    assert p.delete_markers == ("m2", "m1")


def test_a_marker_in_the_same_second_as_the_version_is_removed_too() -> None:
    # LastModified has whole seconds: the marker cannot be ordered against the version, and
    # removing an older one would not change what is served.
    p = plan([version("m1", 10, latest=True, marker=True), version("v1", 10)])

    assert p.delete_markers == ("m1",)


def test_an_older_version_is_copied_over_the_key() -> None:
    p = plan([version("v2", 10, latest=True), version("v1", 0)], wanted="v1")

    assert p.action is ObjectAction.COPY_VERSION
    assert p.version_id == "v1"


def test_an_older_version_of_a_deleted_object_is_copied_too() -> None:
    versions = [version("m1", 20, latest=True, marker=True), version("v2", 10), version("v1", 0)]

    assert plan(versions, wanted="v1").action is ObjectAction.COPY_VERSION


@pytest.mark.parametrize("wanted", [None, "v2"])
def test_an_object_that_is_served_already_needs_nothing(wanted: str | None) -> None:
    p = plan([version("v2", 10, latest=True), version("v1", 0)], wanted=wanted)

    assert p.action is ObjectAction.NOTHING


def test_a_key_with_no_stored_version_cannot_be_restored() -> None:
    with pytest.raises(ObjectNotRestorable, match="expired") as caught:
        plan([version("m1", 20, latest=True, marker=True)])
    assert caught.value.exit_code == 2


def test_an_unknown_version_id_names_the_versions_there_are() -> None:
    with pytest.raises(ObjectNotRestorable, match="v2, v1"):
        plan([version("v2", 10, latest=True), version("v1", 0)], wanted="nope")
