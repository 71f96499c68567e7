"""Source archives into stage containers and export archives back out of them."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from pipeline.engines.docker.source_archive import (
    UnsafeArchive,
    iter_files,
    remove_path,
    replace_from_tar,
    source_tar,
)
from tests.unit.ci.engines.fake_docker import tar_of


def members(data: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: m for m in tar.getmembers()}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("x = 1\n")
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    (tmp_path / "build" / "synth" / "dev").mkdir(parents=True)
    (tmp_path / "build" / "synth" / "dev" / "template.json").write_text("{}")
    (tmp_path / "build" / "other.txt").write_text("not exported")
    return tmp_path


def test_source_tar_holds_exactly_the_listed_files_under_dest_owned_by_root(repo: Path) -> None:
    data = source_tar(repo, "src", ["app/main.py", "pyproject.toml"])
    got = members(data)
    assert set(got) == {"src", "src/app", "src/app/main.py", "src/pyproject.toml"}
    assert got["src"].isdir() and got["src/app"].isdir()
    assert all(m.uid == 0 and m.uname == "root" for m in got.values())
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        handle = tar.extractfile("src/app/main.py")
        assert handle is not None and handle.read() == b"x = 1\n"


def test_source_tar_adds_needed_exports_in_full_and_skips_missing_ones(repo: Path) -> None:
    data = source_tar(repo, "src", ["pyproject.toml"], extra_paths=["build/synth", "build/gone"])
    names = set(members(data))
    assert "src/build/synth/dev/template.json" in names
    assert {"src/build", "src/build/synth", "src/build/synth/dev"} <= names
    assert "src/build/other.txt" not in names
    assert not any(n.startswith("src/build/gone") for n in names)


def test_source_tar_keeps_mtimes_so_tool_caches_stay_valid(repo: Path) -> None:
    os.utime(repo / "pyproject.toml", (1_000_000, 1_000_000))
    assert (
        members(source_tar(repo, "src", ["pyproject.toml"]))["src/pyproject.toml"].mtime
        == 1_000_000
    )


def test_source_tar_sends_symlinks_as_links(repo: Path) -> None:
    (repo / "link.py").symlink_to("app/main.py")
    got = members(source_tar(repo, "src", ["link.py"]))["src/link.py"]
    assert got.issym() and got.linkname == "app/main.py"


def test_iter_files_is_sorted_and_keeps_folder_symlinks_as_entries(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("z")
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "c").symlink_to("b")
    assert iter_files(tmp_path) == ["a.txt", "b/z.txt", "c"]


def test_replace_from_tar_replaces_the_previous_copy_entirely(tmp_path: Path) -> None:
    target = tmp_path / "build" / "reports" / "lint"
    target.mkdir(parents=True)
    (target / "stale.txt").write_text("old run")
    replace_from_tar(tar_of({"lint/result.json": b"{}", "lint/sub/x.txt": b"x"}), target)
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == [
        "result.json",
        "sub",
        "sub/x.txt",
    ]


def test_replace_from_tar_creates_missing_parents_and_handles_a_single_file(tmp_path: Path) -> None:
    target = tmp_path / "build" / "out.txt"
    replace_from_tar(tar_of({"out.txt": b"hello"}), target)
    assert target.read_text() == "hello"


def unsafe(member: tarfile.TarInfo) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.addfile(member, io.BytesIO(b"") if member.isreg() else None)
    return buffer.getvalue()


def entry(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


@pytest.mark.parametrize(
    "member",
    [
        entry("../escape.txt"),
        entry("/etc/passwd"),
        entry("lint/../../escape.txt"),
        entry("other/file.txt"),
        entry("lint/dev", tarfile.CHRTYPE),
        entry("lint/link", tarfile.SYMTYPE, "/etc/shadow"),
        entry("lint/link", tarfile.SYMTYPE, "../../outside"),
    ],
    ids=["parent", "absolute", "nested-parent", "other-top", "device", "abs-link", "up-link"],
)
def test_replace_from_tar_refuses_members_outside_the_export(
    tmp_path: Path, member: tarfile.TarInfo
) -> None:
    target = tmp_path / "lint"
    target.mkdir()
    (target / "keep.txt").write_text("kept")
    with pytest.raises(UnsafeArchive):
        replace_from_tar(unsafe(member), target)
    assert (target / "keep.txt").read_text() == "kept", "nothing is deleted before the check"


def test_remove_path_handles_files_folders_links_and_absence(tmp_path: Path) -> None:
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "f").write_text("f")
    (tmp_path / "l").symlink_to(tmp_path / "d")
    for name in ("d", "f", "l", "missing"):
        remove_path(tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_without_tarfile_filters_the_member_checks_still_guard_extraction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    target = tmp_path / "lint"
    replace_from_tar(tar_of({"lint/result.json": b"{}"}), target)
    assert (target / "result.json").read_text() == "{}"
    with pytest.raises(UnsafeArchive):
        replace_from_tar(unsafe(entry("../escape.txt")), target)
