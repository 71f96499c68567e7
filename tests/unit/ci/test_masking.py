"""The one masker: longest values first, empty values ignored, files scrubbed in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.masking import MASK, Masker


@pytest.mark.parametrize(
    ("values", "text", "expected"),
    [
        (("abc",), "token=abc and abc", f"token={MASK} and {MASK}"),
        ((), "nothing here", "nothing here"),
        (("",), "an empty value masks nothing", "an empty value masks nothing"),
        # the longer secret contains the shorter one: it is masked whole, no fragment survives
        (("tok", "tok-extended"), "tok-extended tok", f"{MASK} {MASK}"),
        (("tok-extended", "tok"), "tok-extended tok", f"{MASK} {MASK}"),
    ],
    ids=["repeated", "none", "empty", "longest-first", "order-independent"],
)
def test_masking(values: tuple[str, ...], text: str, expected: str) -> None:
    assert Masker(values)(text) == expected


def test_an_empty_masker_is_falsy_and_scrubs_nothing(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("value")
    assert not Masker(("",))
    assert Masker(()).scrub_tree(tmp_path) == []


def test_scrub_tree_rewrites_only_files_holding_a_secret(tmp_path: Path) -> None:
    leaky = tmp_path / "junit.xml"
    leaky.write_text("<failure>token s3cr3t-v</failure>")
    binary = tmp_path / "sub" / "blob.bin"
    binary.parent.mkdir()
    binary.write_bytes(b"\x00\xffs3cr3t-v\x00")
    clean = tmp_path / "clean.txt"
    clean.write_text("nothing")
    rewritten = Masker(("s3cr3t-v",)).scrub_tree(tmp_path)
    assert rewritten == [leaky, binary]
    assert leaky.read_text() == f"<failure>token {MASK}</failure>"
    assert binary.read_bytes() == b"\x00\xff***\x00"
    assert clean.read_text() == "nothing"
