"""Rollout records of one environment in its deployments table. Every save is conditional on
the revision it read, so a request written meanwhile (abort, promote) or a second controller
is noticed instead of overwritten."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from infra.aws.items import Condition, ConditionFailed, Item, absent
from infra.deploy.table_items import PARTITION_KEY, SORT_KEY
from infra.rollout.errors import NoActiveRollout, RolloutInProgress, StaleRecord
from infra.rollout.record import (
    RECORD_PREFIX,
    Request,
    RolloutRecord,
    Status,
    from_item,
    request_json,
    to_item,
)

_ACTIVE = (Status.RUNNING.value, Status.PAUSED.value, Status.ROLLING_BACK.value)


class RolloutStorePort(Protocol):
    def create(self, record: RolloutRecord) -> RolloutRecord: ...

    def save(self, record: RolloutRecord) -> RolloutRecord:
        """Write `record` if the stored revision is still `record.revision`; returns it with
        the next revision. StaleRecord otherwise."""
        ...

    def load(self, record: RolloutRecord) -> RolloutRecord | None: ...

    def latest(self) -> RolloutRecord | None: ...

    def history(self, limit: int = 20) -> list[RolloutRecord]: ...

    def add_request(self, record: RolloutRecord, request: Request) -> None:
        """Append a request to an active rollout; NoActiveRollout once it has ended."""
        ...


class ItemTablePort(Protocol):
    """The part of infra.aws.items.ItemTable the store uses."""

    def put(self, item: Item, what: str, condition: Condition | None = None) -> None: ...

    def get(self, key: Item, what: str, consistent: bool = True) -> Item | None: ...

    def update(
        self,
        key: Item,
        expression: str,
        what: str,
        names: Any = None,
        values: Any = None,
        condition: Condition | None = None,
    ) -> None: ...

    def query_prefix(
        self,
        key_names: tuple[str, str],
        partition: str,
        prefix: str,
        what: str,
        *,
        newest_first: bool = True,
        limit: int | None = None,
    ) -> list[Item]: ...


class RolloutStore:
    def __init__(self, table: ItemTablePort, env: str) -> None:
        self._table = table
        self._env = env

    def create(self, record: RolloutRecord) -> RolloutRecord:
        latest = self.latest()
        if latest is not None and not latest.status.terminal:
            raise RolloutInProgress(busy_message(latest))
        self._table.put(to_item(record), "rollout record", absent(PARTITION_KEY))
        return record

    def save(self, record: RolloutRecord) -> RolloutRecord:
        saved = replace(record, revision=record.revision + 1)
        condition = Condition(
            "#rev = :rev", {"#rev": "revision"}, {":rev": {"N": str(record.revision)}}
        )
        try:
            self._table.put(to_item(saved), "rollout record", condition)
        except ConditionFailed:
            raise StaleRecord(
                f"rollout {record.rollout_id} changed since revision {record.revision}"
            ) from None
        return saved

    def load(self, record: RolloutRecord) -> RolloutRecord | None:
        item = self._table.get(self._key(record.sort_key), "rollout record")
        return from_item(item) if item else None

    def latest(self) -> RolloutRecord | None:
        found = self.history(1)
        return found[0] if found else None

    def history(self, limit: int = 20) -> list[RolloutRecord]:
        items = self._table.query_prefix(
            (PARTITION_KEY, SORT_KEY), self._env, RECORD_PREFIX, "rollout history", limit=limit
        )
        return [from_item(item) for item in items]

    def add_request(self, record: RolloutRecord, request: Request) -> None:
        try:
            self._table.update(
                self._key(record.sort_key),
                "SET #req = list_append(if_not_exists(#req, :none), :new), #rev = #rev + :one",
                "rollout request",
                names={"#req": "requests", "#rev": "revision", "#status": "status"},
                values={
                    ":none": {"L": []},
                    ":new": {"L": [{"S": request_json(request)}]},
                    ":one": {"N": "1"},
                    ":running": {"S": _ACTIVE[0]},
                    ":paused": {"S": _ACTIVE[1]},
                    ":rolling": {"S": _ACTIVE[2]},
                },
                condition=Condition("#status IN (:running, :paused, :rolling)"),
            )
        except ConditionFailed:
            raise NoActiveRollout(
                f"rollout {record.rollout_id} has ended; nothing to {request.kind.value}"
            ) from None

    def _key(self, sort_key: str) -> Item:
        return {PARTITION_KEY: {"S": self._env}, SORT_KEY: {"S": sort_key}}


def busy_message(record: RolloutRecord) -> str:
    return (
        f"environment {record.env} has a {record.status.value} rollout {record.rollout_id} of "
        f"{record.digest[:12]} (by {record.requested_by}, step {record.step_index + 1}); see "
        "`rollout status`, then `rollout promote` or `rollout abort` it before another promotion"
    )
