"""What goes into the bundle: the app modules and runtime deps, minus what Lambda never uses."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

# botocore ships every AWS service model (~90 MB unpacked). The app talks to these only;
# a client for any other service fails with UnknownServiceError, caught by the bundle test.
BOTOCORE_SERVICES = frozenset({"dynamodb", "s3", "sts"})
# Development-only parts of the app package.
APP_EXCLUDED = ("app/local/",)
DEPS_EXCLUDED_TOP = frozenset({"bin"})  # console scripts pip writes under --target


def prune_dependencies(target: Path) -> None:
    """Delete unused botocore service models, console scripts and bytecode caches in place."""
    data = target / "botocore" / "data"
    if data.is_dir():
        for child in data.iterdir():
            if child.is_dir() and child.name not in BOTOCORE_SERVICES:
                shutil.rmtree(child)
    for name in DEPS_EXCLUDED_TOP:
        if (target / name).is_dir():
            shutil.rmtree(target / name)
    for cache in list(target.rglob("__pycache__")):
        shutil.rmtree(cache)


def _source_files(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path


def stage_app(repo: Path, app_root: Path) -> list[str]:
    """Copy the app package's modules (not the dev-only parts) under app_root; returns names."""
    names: list[str] = []
    for path in _source_files(repo / "app"):
        name = path.relative_to(repo).as_posix()
        if path.suffix in (".py", ".typed") and not name.startswith(APP_EXCLUDED):
            destination = app_root / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            names.append(name)
    return sorted(names)


def tree_entries(root: Path) -> list[tuple[str, Path]]:
    """Every file under root as (archive name, path)."""
    return [(p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file()]
