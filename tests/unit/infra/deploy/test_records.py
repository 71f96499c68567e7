"""Deployment records: history order, the table item round trip, rendering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from infra.deploy.records import (
    DeploymentRecord,
    Outcome,
    from_item,
    newest_first,
    render_history,
    to_item,
)
from infra.deploy.table_items import SORT_KEY

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
DIGEST = "a" * 64


def record(deployment_id: str, started: datetime, **kw: object) -> DeploymentRecord:
    return DeploymentRecord(
        deployment_id=deployment_id,
        env="dev",
        target="local",
        digest=DIGEST,
        commit="abcdef1",
        actor="ci",
        started_at=started,
        **kw,  # type: ignore[arg-type]
    )


def test_newest_first_orders_by_start_then_id() -> None:
    older = record("b", T0)
    newer = record("a", T0 + timedelta(seconds=1))
    tie_low = record("c", T0 + timedelta(seconds=2))
    tie_high = record("d", T0 + timedelta(seconds=2))
    ordered = newest_first([older, tie_low, newer, tie_high])
    assert [r.deployment_id for r in ordered] == ["d", "c", "a", "b"]


def test_newest_first_of_nothing_is_empty() -> None:
    assert newest_first([]) == []


def test_item_round_trip_keeps_every_field() -> None:
    done = record("x1", T0).finish(
        Outcome.FAILED,
        T0 + timedelta(seconds=3),
        "1 to add, 0 to modify, 0 to remove",
        error="stack s: Fn failed: boom",
        notes=("ok table",),
    )
    item = to_item(done)
    assert item[SORT_KEY]["S"].startswith("deploy#2026-01-01T12:00:00.000000+00:00#x1")
    assert from_item(item) == done


def test_in_progress_item_has_no_end() -> None:
    item = to_item(record("x2", T0))
    assert "finished_at" not in item
    assert from_item(item).finished_at is None


def test_render_history_lists_outcome_digest_and_error() -> None:
    failed = record("x3", T0).finish(Outcome.FAILED, T0, "", error="boom")
    lines = render_history([failed])
    assert "failed" in lines[0]
    assert DIGEST[:12] in lines[0]
    assert lines[0].endswith("error: boom")
    assert render_history([]) == ["no deployments recorded"]
