from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from infra.artifact.deterministic_zip import FIXED_DATE_TIME, write_zip


def tree(root: Path, files: dict[str, bytes]) -> list[tuple[str, Path]]:
    entries = []
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        entries.append((name, path))
    return entries


def test_same_content_same_digest_regardless_of_order_mtime_and_mode(tmp_path: Path) -> None:
    files = {"b/x.py": b"x = 1\n", "a.py": b"print()\n", "b/y.so": b"\x7fELF"}
    first = tree(tmp_path / "one", files)
    second = tree(tmp_path / "two", files)
    second[0][1].chmod(0o755)
    import os

    os.utime(second[1][1], (0, 0))
    digest_one = write_zip(first, tmp_path / "one.zip")
    digest_two = write_zip(list(reversed(second)), tmp_path / "two.zip")
    assert digest_one == digest_two
    with zipfile.ZipFile(tmp_path / "one.zip") as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["a.py", "b/x.py", "b/y.so"]
    assert {i.date_time for i in infos} == {FIXED_DATE_TIME}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def test_different_content_different_digest(tmp_path: Path) -> None:
    one = write_zip(tree(tmp_path / "1", {"a.py": b"1"}), tmp_path / "1.zip")
    two = write_zip(tree(tmp_path / "2", {"a.py": b"2"}), tmp_path / "2.zip")
    assert one != two


def test_duplicate_names_are_refused(tmp_path: Path) -> None:
    entries = tree(tmp_path, {"a.py": b"1"})
    with pytest.raises(ValueError, match="duplicate"):
        write_zip(entries + entries, tmp_path / "dup.zip")
