"""A table's content as (item count, order-independent digest), computed while streaming.

Each item's canonical JSON is hashed (sha256) and the hashes are added modulo 2**256: the sum
does not depend on scan order or segment, so parallel segments combine by addition, and memory
holds one page per segment however large the table grows.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

MODULUS = 1 << 256
# Scan Limit. AWS (and moto) cap a page at 1 MB anyway, which bounds memory per segment; a high
# Limit matters on the emulator, whose scan walks the table from its start on every page.
PAGE_SIZE = 10_000
Item = dict[str, Any]
ScanSegment = Callable[[str, int, int, int], Iterable[list[Item]]]


@dataclass(frozen=True)
class Fingerprint:
    count: int
    digest: str  # 64 hex characters

    def __str__(self) -> str:
        return f"{self.count} items, digest {self.digest[:16]}"


EMPTY = Fingerprint(0, f"{0:064x}")


def _canonical(value: Any) -> Any:
    """Attribute values as JSON-able data with a single spelling: bytes as base64, sets
    sorted (DynamoDB returns set members in no fixed order)."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {key: _canonical_attribute(key, inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_canonical(inner) for inner in value]
    return value


def _canonical_attribute(kind: str, value: Any) -> Any:
    if kind in ("SS", "NS", "BS") and isinstance(value, list):
        return sorted(_canonical(member) for member in value)
    return _canonical(value)


def item_hash(item: Item) -> int:
    text = json.dumps(_canonical(item), sort_keys=True, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")


def fold(pages: Iterable[list[Item]]) -> tuple[int, int]:
    """(count, sum of item hashes mod 2**256) over pages, one page in memory at a time."""
    count, total = 0, 0
    for page in pages:
        for item in page:
            total = (total + item_hash(item)) % MODULUS
        count += len(page)
        del page  # else the loop variable keeps this page alive while the next is fetched
    return count, total


def combine(parts: Iterator[tuple[int, int]]) -> Fingerprint:
    count, total = 0, 0
    for part_count, part_total in parts:
        count += part_count
        total = (total + part_total) % MODULUS
    return Fingerprint(count, f"{total:064x}")


def fingerprint_table(
    scan: ScanSegment, table: str, segments: int, page_size: int = PAGE_SIZE
) -> Fingerprint:
    """Scan `table` in `segments` parallel segments (threads) and fingerprint it."""
    if segments == 1:
        return combine(iter([fold(scan(table, 0, 1, page_size))]))
    with ThreadPoolExecutor(max_workers=segments, thread_name_prefix="fingerprint") as pool:
        parts = pool.map(lambda s: fold(scan(table, s, segments, page_size)), range(segments))
        return combine(iter(list(parts)))
