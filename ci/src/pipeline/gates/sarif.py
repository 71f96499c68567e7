"""Reading the SARIF 2.1 files bandit and zizmor write: findings and tool-side errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pipeline.gates.outcome import ToolFailed


@dataclass(frozen=True)
class SarifFinding:
    rule_id: str
    level: str
    message: str
    path: str
    line: int
    properties: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


def load(path: Path, tool: str) -> dict[str, Any]:
    """The SARIF document at `path`; ToolFailed when the tool did not write a valid one."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ToolFailed(f"{tool} did not write its SARIF report {path}") from None
    except (OSError, ValueError) as exc:
        raise ToolFailed(f"{tool} wrote an unreadable SARIF report {path}: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
        raise ToolFailed(f"{tool} wrote {path} without SARIF `runs`")
    return doc


def parse(text: str, tool: str) -> dict[str, Any]:
    """A SARIF document from a tool's stdout."""
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ToolFailed(f"{tool} did not print SARIF: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("runs"), list):
        raise ToolFailed(f"{tool} printed JSON without SARIF `runs`")
    return doc


def findings(doc: Mapping[str, Any]) -> tuple[SarifFinding, ...]:
    """Every result of every run, in file order."""
    found: list[SarifFinding] = []
    for run in _dicts(doc.get("runs")):
        for result in _dicts(run.get("results")):
            path, line = _first_location(result)
            props = result.get("properties")
            found.append(
                SarifFinding(
                    rule_id=str(result.get("ruleId", "?")),
                    level=str(result.get("level", "warning")),
                    message=str(_dict(result.get("message")).get("text", "")).strip(),
                    path=path,
                    line=line,
                    properties=MappingProxyType(
                        {str(k): str(v) for k, v in props.items()}
                        if isinstance(props, dict)
                        else {}
                    ),
                )
            )
    return tuple(found)


def tool_errors(doc: Mapping[str, Any]) -> tuple[str, ...]:
    """Error notifications of the runs' invocations (e.g. a file the tool could not parse)."""
    errors: list[str] = []
    for run in _dicts(doc.get("runs")):
        for invocation in _dicts(run.get("invocations")):
            for key in ("toolConfigurationNotifications", "toolExecutionNotifications"):
                for note in _dicts(invocation.get(key)):
                    if note.get("level", "warning") != "error":
                        continue
                    text = str(_dict(note.get("message")).get("text", "")).strip()
                    locations = note.get("locations")
                    where = (
                        _location_of(locations[0])
                        if isinstance(locations, list) and locations
                        else None
                    )
                    errors.append(f"{where[0]}: {text}" if where and where[0] else text)
    return tuple(errors)


def _first_location(result: Mapping[str, Any]) -> tuple[str, int]:
    locations = result.get("locations")
    if isinstance(locations, list) and locations:
        where = _location_of(locations[0])
        if where is not None:
            return where
    return ("?", 0)


def _location_of(location: object) -> tuple[str, int] | None:
    physical = _dict(_dict(location).get("physicalLocation"))
    uri = _dict(physical.get("artifactLocation")).get("uri")
    if uri is None:
        return None
    line = _dict(physical.get("region")).get("startLine", 0)
    return (str(uri), line if isinstance(line, int) else 0)


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: object) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
