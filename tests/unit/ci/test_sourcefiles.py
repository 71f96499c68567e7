from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipeline.sourcefiles import excluded, matches, source_files


@pytest.mark.parametrize(
    ("path", "glob", "expected"),
    [
        ("app/main.py", "app/**/*.py", True),
        ("app/x/y/main.py", "app/**/*.py", True),
        ("app/main.txt", "app/**/*.py", False),
        ("tests/app/main.py", "app/**/*.py", False),
        ("main.py", "**/*.py", True),
        ("a/b/main.py", "**/*.py", True),
        ("pyproject.toml", "pyproject.toml", True),
        ("x/pyproject.toml", "pyproject.toml", False),
        ("a.py", "?.py", True),
        ("ab.py", "?.py", False),
        ("app/main.py", "app/*", True),
        ("app/x/main.py", "app/*", False),
    ],
)
def test_glob_matching(path: str, glob: str, expected: bool) -> None:
    assert matches(path, [glob]) is expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (".venv/lib/x.py", True),
        ("ci/toolchains/security/.venv/bin/python", True),
        ("build/reports/x", True),
        ("app/__pycache__/m.pyc", True),
        ("app/main.py", False),
        ("buildings.py", False),
    ],
)
def test_excludes_apply_to_folders_at_any_depth(path: str, expected: bool) -> None:
    assert excluded(path) is expected


def _tree(root: Path) -> None:
    for rel in ("app/main.py", "build/out.txt", ".venv/bin/python", "README.md"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)


def test_walk_without_git_lists_files_minus_excludes(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert source_files(tmp_path) == ["README.md", "app/main.py"]


def test_git_checkout_adds_untracked_but_not_ignored(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / ".gitignore").write_text("secret.env\n")
    (tmp_path / "secret.env").write_text("x")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "app/main.py"], check=True)
    assert source_files(tmp_path) == [".gitignore", "README.md", "app/main.py"]
