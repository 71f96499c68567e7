"""Tar archives of the repository going into a stage container, and of its exports coming back.

The file list going in is decided elsewhere (`pipeline.sourcefiles`), so the container sees
exactly the files the result cache keys on. Archives coming back are checked member by member.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import tarfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath


class UnsafeArchive(ValueError):
    """An archive from a container holds a path that would land outside its destination."""


def iter_files(root: Path) -> list[str]:
    """Every file and symlink under `root`, as sorted POSIX paths relative to it."""
    found: list[str] = []
    root_str = str(root)
    for dirpath, dirnames, filenames in os.walk(root_str):
        rel_dir = os.path.relpath(dirpath, root_str)
        prefix = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
        kept = []
        for dirname in dirnames:
            if os.path.islink(os.path.join(dirpath, dirname)):
                found.append(prefix + dirname)  # a symlink to a folder travels as a link
            else:
                kept.append(dirname)
        dirnames[:] = kept
        found.extend(prefix + name for name in filenames)
    found.sort()
    return found


def _add(tar: tarfile.TarFile, path: Path, arcname: str) -> None:
    info = tar.gettarinfo(str(path), arcname)
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    if info.isreg():
        with path.open("rb") as handle:
            tar.addfile(info, handle)
    elif info.isdir() or info.issym():
        tar.addfile(info)
    # sockets, fifos and devices are never part of a source tree: leave them out


def source_tar(
    repo: Path,
    dest: str,
    files: Iterable[str],
    extra_paths: Iterable[str] = (),
) -> bytes:
    """An uncompressed tar of `files` (relative to `repo`), rooted at `dest` (e.g. "src").

    `files` is what a stage may see (`pipeline.sourcefiles.source_files`: git's view minus the
    catalog's EXCLUDES). `extra_paths` (typically the exports of the stages this one needs, under
    the excluded `build/`) are added in full; missing ones are skipped. Extract at "/".
    """
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        root_info = tarfile.TarInfo(dest)
        root_info.type = tarfile.DIRTYPE
        root_info.mode = 0o755
        root_info.uname = root_info.gname = "root"
        tar.addfile(root_info)
        made: set[str] = set()
        for rel in files:
            _add_parents(tar, repo, rel, dest, made)
            _add(tar, repo / rel, f"{dest}/{rel}")
        for extra in extra_paths:
            _add_tree(tar, repo, extra, dest)
    return buffer.getvalue()


def _add_tree(tar: tarfile.TarFile, repo: Path, rel: str, dest: str) -> None:
    top = repo / rel
    if not top.exists():
        return
    made: set[str] = set()
    _add_parents(tar, repo, rel, dest, made)
    _add(tar, top, f"{dest}/{rel}")
    made.add(rel)
    if top.is_dir() and not top.is_symlink():
        for inner in iter_files(top):
            _add_parents(tar, repo, f"{rel}/{inner}", dest, made)
            _add(tar, top / inner, f"{dest}/{rel}/{inner}")


def _add_parents(tar: tarfile.TarFile, repo: Path, rel: str, dest: str, made: set[str]) -> None:
    """Folder entries above `rel` (once each), so extraction gives them the host's modes."""
    parts = PurePosixPath(rel).parts
    for depth in range(1, len(parts)):
        parent = "/".join(parts[:depth])
        if parent not in made:
            made.add(parent)
            _add(tar, repo / parent, f"{dest}/{parent}")


def _check_member(member: tarfile.TarInfo, top: str) -> None:
    path = PurePosixPath(member.name)
    if path.is_absolute() or ".." in path.parts or path.parts[:1] != (top,):
        raise UnsafeArchive(f"archive member {member.name!r} is outside {top!r}")
    if not (member.isreg() or member.isdir() or member.issym()):
        raise UnsafeArchive(f"archive member {member.name!r} is not a file, folder or symlink")
    if member.issym() and (
        PurePosixPath(member.linkname).is_absolute() or ".." in PurePosixPath(member.linkname).parts
    ):
        raise UnsafeArchive(f"archive member {member.name!r} links outside the export")


def replace_from_tar(data: bytes, destination: Path) -> None:
    """Replace `destination` with the single top-level entry of a `docker cp`-style archive."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        members = tar.getmembers()
        for member in members:
            _check_member(member, destination.name)
        remove_path(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        if hasattr(tarfile, "data_filter"):
            tar.extractall(destination.parent, members=members, filter="data")
        else:
            # Python < 3.11.4 (Debian bookworm's 3.11.2) has no filters: _check_member vetted all.
            tar.extractall(destination.parent, members=members)  # noqa: S202  # nosec B202


def remove_path(path: Path) -> None:
    """Delete a file, symlink or folder tree if it exists."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        shutil.rmtree(path)
    else:
        path.unlink()
