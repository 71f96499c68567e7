"""Pinned `name==version` requirements from uv lock files, for pip-audit (pure, tomllib only).

Every package a lock resolves from a package index is audited (all groups, all platform forks:
each may be installed somewhere). The project itself and packages from local paths (editable,
virtual, directory, path) are not on any index and are left out; git/URL sources are counted as
not auditable so they can never pass silently.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

LOCAL_SOURCES = frozenset({"editable", "virtual", "directory", "path"})


class LockFileError(ValueError):
    """A lock file cannot be read as a uv lock."""


@dataclass(frozen=True, order=True)
class LockedPackage:
    name: str
    version: str

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"


@dataclass(frozen=True)
class LockedSet:
    """What one lock file asks pip-audit to check, and what it cannot."""

    lock: str
    packages: tuple[LockedPackage, ...]
    unauditable: tuple[tuple[str, str], ...] = ()  # (name, why)


def canonical(name: str) -> str:
    """PEP 503 normalized name, as pip-audit reports it."""
    out = []
    for ch in name.lower():
        out.append("-" if ch in "._-" else ch)
    collapsed = "".join(out)
    while "--" in collapsed:
        collapsed = collapsed.replace("--", "-")
    return collapsed


def read_lock(label: str, text: str) -> LockedSet:
    """Parse one uv.lock; `label` names it in errors and reports."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LockFileError(f"{label} is not valid TOML: {exc}") from None
    entries = doc.get("package")
    if not isinstance(entries, list):
        raise LockFileError(f"{label} has no [[package]] entries: is it a uv lock file?")
    packages: set[LockedPackage] = set()
    unauditable: list[tuple[str, str]] = []
    for entry in entries:
        name, version, source = _fields(label, entry)
        kind = next(iter(source), "registry")
        if kind in LOCAL_SOURCES:
            continue
        if kind != "registry" or not version:
            unauditable.append((name, f"{kind} source in {label} is not on a package index"))
            continue
        packages.add(LockedPackage(canonical(name), version))
    return LockedSet(label, tuple(sorted(packages)), tuple(unauditable))


def _fields(label: str, entry: object) -> tuple[str, str, Mapping[str, Any]]:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise LockFileError(f"{label} has a [[package]] entry without a name")
    version = entry.get("version", "")
    source = entry.get("source", {})
    return entry["name"], str(version), source if isinstance(source, dict) else {}


def layers(packages: Iterable[LockedPackage]) -> list[tuple[LockedPackage, ...]]:
    """Split pins into requirement sets with each name at most once.

    pip-audit refuses one requirements set holding two versions of a name, yet a lock with
    platform forks (numpy 2.4 for py3.11, 2.5 for py3.12) or two locks can pin both.
    """
    result: list[list[LockedPackage]] = []
    for package in sorted(set(packages)):
        for layer in result:
            if all(p.name != package.name for p in layer):
                layer.append(package)
                break
        else:
            result.append([package])
    return [tuple(layer) for layer in result]


def requirements_text(packages: Iterable[LockedPackage]) -> str:
    return "".join(f"{p.requirement}\n" for p in packages)
