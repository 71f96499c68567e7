"""Which files of the repository a stage can see, and which of them it reads (standard library)."""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess  # nosec B404 - asks git for its file list
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from pipeline.catalog import EXCLUDES


@lru_cache(maxsize=256)
def _pattern(glob: str) -> re.Pattern[str]:
    """Translate a repo-relative glob (`*` within a folder, `**` across folders) to a regex."""
    out = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def matches(path: str, globs: Iterable[str]) -> bool:
    return any(_pattern(g).match(path) for g in globs)


def excluded(path: str, excludes: Sequence[str] = EXCLUDES) -> bool:
    """True when the path, or any folder above it, is excluded."""
    parts = path.split("/")
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        for pattern in excludes:
            if prefix == pattern or ("*" in pattern and _pattern(pattern).match(prefix)):
                return True
    return False


def source_files(repo: Path, excludes: Sequence[str] = EXCLUDES) -> list[str]:
    """Repo-relative paths (sorted, `/`-separated) of every file a stage may see.

    In a git checkout: tracked files plus untracked ones that are not ignored (so a new file is
    seen before it is committed); elsewhere (e.g. a copied tree) a walk. Both minus `excludes`.
    """
    listed = _git_files(repo)
    if listed is None:
        listed = _walk(repo, excludes)
    return sorted(p for p in listed if not excluded(p, excludes) and (repo / p).is_file())


def _git_files(repo: Path) -> list[str] | None:
    git = shutil.which("git")
    if git is None or not (repo / ".git").exists():
        return None
    try:
        out = subprocess.run(  # nosec B603 - fixed argv
            [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=repo,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return sorted({p for p in out.decode("utf-8", "surrogateescape").split("\0") if p})


def _walk(repo: Path, excludes: Sequence[str]) -> list[str]:
    found: list[str] = []
    for root, dirs, files in os.walk(repo):
        rel_root = os.path.relpath(root, repo).replace(os.sep, "/")
        rel_root = "" if rel_root == "." else rel_root + "/"
        dirs[:] = sorted(d for d in dirs if not excluded(rel_root + d, excludes))
        found.extend(rel_root + f for f in files if not fnmatch.fnmatch(f, "*.pyc"))
    return found
