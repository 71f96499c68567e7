"""The pieces every data-safety record shares: sort keys (CONTRACTS §4), attribute-value
encoding, checks, and the table port the record stores write through."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from infra.aws.items import Condition
from infra.deploy.table_items import PARTITION_KEY, SORT_KEY, format_time, parse_time

Item = dict[str, Any]
KEY_NAMES = (PARTITION_KEY, SORT_KEY)


class RecordTable(Protocol):
    """What the record stores need of `infra.aws.items.ItemTable`."""

    def put(self, item: Item, what: str, condition: Condition | None = None) -> None: ...

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


class CheckStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    NOT_MODELLED = "not-modelled"  # the emulator does not do this: nothing was judged


@dataclass(frozen=True)
class Check:
    name: str
    status: CheckStatus
    detail: str = ""

    def line(self) -> str:
        return f"{self.status.value:<12} {self.name}" + (f": {self.detail}" if self.detail else "")


def sort_key(kind: str, started_at: datetime, record_id: str) -> str:
    return f"{kind}#{format_time(started_at)}#{record_id}"


def key_item(env: str, kind: str, started_at: datetime, record_id: str) -> Item:
    return {
        PARTITION_KEY: {"S": env},
        SORT_KEY: {"S": sort_key(kind, started_at, record_id)},
    }


def s(text: str) -> dict[str, str]:
    return {"S": text}


def n(number: float | int) -> dict[str, str]:
    return {"N": repr(number) if isinstance(number, float) else str(number)}


def strings(values: Sequence[str]) -> dict[str, Any]:
    return {"L": [s(v) for v in values]}


def time_or_none(item: Mapping[str, Any], name: str) -> datetime | None:
    text = item.get(name, {}).get("S", "")
    return parse_time(text) if text else None


def text(item: Mapping[str, Any], name: str) -> str:
    return str(item.get(name, {}).get("S", ""))


def number(item: Mapping[str, Any], name: str) -> float | None:
    raw = item.get(name, {}).get("N")
    return float(raw) if raw is not None else None


def string_list(item: Mapping[str, Any], name: str) -> tuple[str, ...]:
    return tuple(str(v.get("S", "")) for v in item.get(name, {}).get("L", []))


def checks_value(checks: Sequence[Check]) -> dict[str, Any]:
    return {
        "L": [
            {"M": {"name": s(c.name), "status": s(c.status.value), "detail": s(c.detail)}}
            for c in checks
        ]
    }


def checks_of(item: Mapping[str, Any], name: str) -> tuple[Check, ...]:
    return tuple(
        Check(text(m["M"], "name"), CheckStatus(text(m["M"], "status")), text(m["M"], "detail"))
        for m in item.get(name, {}).get("L", [])
    )


def put_time(item: Item, name: str, moment: datetime | None) -> None:
    if moment is not None:
        item[name] = s(format_time(moment))


def put_number(item: Item, name: str, value: float | int | None) -> None:
    if value is not None:
        item[name] = n(value)
