"""The content fingerprint: order- and segment-independent, sensitive to any change, streaming."""

from __future__ import annotations

import random
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from infra.backup.fingerprint import EMPTY, Fingerprint, fingerprint_table, fold, item_hash


def item(pk: str, sk: str, value: str = "1") -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}, "value": {"N": value}}


ITEMS = [item("SITE#a#METRIC#power_kw", f"2026-01-01T00:{i:02d}", str(i)) for i in range(60)]


def scanner(items: list[dict[str, Any]], page: int = 7) -> Any:
    """A fake parallel scan: items are split across segments by position, paged."""

    def scan(table: str, segment: int, segments: int, page_size: int) -> Iterator[list[Any]]:
        mine = [i for n, i in enumerate(items) if n % segments == segment]
        for start in range(0, len(mine), min(page, page_size)):
            yield mine[start : start + min(page, page_size)]

    return scan


def test_the_same_items_in_any_order_and_segmentation_give_the_same_fingerprint() -> None:
    shuffled = ITEMS[:]
    random.Random(7).shuffle(shuffled)  # noqa: S311 - a shuffle, not a secret

    one = fingerprint_table(scanner(ITEMS), "t", 1)
    four = fingerprint_table(scanner(shuffled), "t", 4)
    three = fingerprint_table(scanner(shuffled, page=1), "t", 3, page_size=2)

    assert one == four == three
    assert one.count == 60


@pytest.mark.parametrize(
    "change",
    [
        lambda items: items[:-1],  # an item lost
        lambda items: [*items, item("SITE#a#METRIC#power_kw", "2026-01-02T00:00")],  # one more
        lambda items: [item("SITE#a#METRIC#power_kw", "2026-01-01T00:00", "999"), *items[1:]],
        lambda items: [{**items[0], "extra": {"S": "x"}}, *items[1:]],  # an attribute added
    ],
)
def test_any_change_changes_the_fingerprint(change: Any) -> None:
    assert fingerprint_table(scanner(change(ITEMS)), "t", 2) != fingerprint_table(
        scanner(ITEMS), "t", 2
    )


def test_a_duplicated_item_does_not_cancel_out() -> None:
    # XOR would make two copies vanish; the sum does not.
    doubled = fingerprint_table(scanner([*ITEMS, ITEMS[0]]), "t", 1)
    assert doubled != fingerprint_table(scanner(ITEMS[1:]), "t", 1)


def test_set_members_and_bytes_have_one_canonical_spelling() -> None:
    a = {"PK": {"S": "x"}, "SK": {"S": "y"}, "tags": {"SS": ["b", "a"]}, "raw": {"B": b"\x00"}}
    b = {
        "raw": {"B": bytearray(b"\x00")},
        "tags": {"SS": ["a", "b"]},
        "SK": {"S": "y"},
        "PK": {"S": "x"},
    }
    assert item_hash(a) == item_hash(b)
    assert item_hash(a) != item_hash({**a, "tags": {"SS": ["a", "c"]}})


def test_an_empty_table_has_the_empty_fingerprint() -> None:
    assert fingerprint_table(scanner([]), "t", 4) == EMPTY == Fingerprint(0, "0" * 64)


class Page(list[dict[str, Any]]):
    """A list that can be weakly referenced, to see which pages are still held."""


def test_fold_holds_one_page_at_a_time() -> None:
    refs: list[weakref.ref[Page]] = []
    most = 0

    def pages() -> Iterator[Page]:
        nonlocal most
        for start in range(0, 60, 5):
            page = Page(ITEMS[start : start + 5])
            refs.append(weakref.ref(page))
            most = max(most, sum(ref() is not None for ref in refs))
            yield page
            del page

    assert fold(pages())[0] == 60
    assert most == 1  # materialising the pages would hold all 12
