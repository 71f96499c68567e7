"""Render an environment config as JSON, YAML or shell `KEY=value` lines, and diff two of them."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import yaml

from infra.config.model import EnvironmentConfig

ENV_PREFIX = "EI_CONFIG_"


class OutputFormat(StrEnum):
    """How `config show|export|diff` prints."""

    JSON = "json"
    YAML = "yaml"
    ENV = "env"
    TEXT = "text"


def to_plain(config: EnvironmentConfig) -> dict[str, Any]:
    """The config as plain JSON-able data, plus the derived resource names under `names`."""
    data = config.model_dump(mode="json")
    data["names"] = config.names.as_dict()
    return data


def render(config: EnvironmentConfig, output: OutputFormat) -> str:
    """The config in one format; keys sorted so the output is stable."""
    return render_data(to_plain(config), output)


def render_data(data: dict[str, Any], output: OutputFormat) -> str:
    if output is OutputFormat.JSON:
        return json.dumps(data, indent=2, sort_keys=True) + "\n"
    if output in (OutputFormat.YAML, OutputFormat.TEXT):
        return yaml.safe_dump(data, sort_keys=True, default_flow_style=False)
    return "".join(
        f"{_env_key(key)}={shlex.quote(_env_value(value))}\n"
        for key, value in sorted(flatten(data).items())
    )


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as dotted keys; lists stay whole values (a rollout plan is one value)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


@dataclass(frozen=True)
class Difference:
    """One dotted key whose value differs between two environments (None = absent)."""

    key: str
    left: Any
    right: Any


def diff(left: EnvironmentConfig, right: EnvironmentConfig) -> tuple[Difference, ...]:
    """Every key whose value differs, sorted by key."""
    a, b = flatten(to_plain(left)), flatten(to_plain(right))
    return tuple(
        Difference(key, a.get(key), b.get(key))
        for key in sorted(a.keys() | b.keys())
        if a.get(key) != b.get(key)
    )


def render_diff(
    left: EnvironmentConfig,
    right: EnvironmentConfig,
    differences: tuple[Difference, ...],
    output: OutputFormat,
) -> str:
    """An aligned `key  left -> right` table (text; env names the keys as `config export`
    does) or a JSON/YAML list of {key, <left env>, <right env>}."""
    if output in (OutputFormat.TEXT, OutputFormat.ENV):
        if not differences:
            return f"{left.name} and {right.name}: no differences\n"
        keys = [_env_key(d.key) if output is OutputFormat.ENV else d.key for d in differences]
        width = max(len(key) for key in keys)
        header = f"{'key'.ljust(width)}  {left.name} -> {right.name}\n"
        return header + "".join(
            f"{key.ljust(width)}  {_scalar(d.left)} -> {_scalar(d.right)}\n"
            for key, d in zip(keys, differences, strict=True)
        )
    rows = [{"key": d.key, left.name: d.left, right.name: d.right} for d in differences]
    if output is OutputFormat.JSON:
        return json.dumps(rows, indent=2, sort_keys=True) + "\n"
    return yaml.safe_dump(rows, sort_keys=True, default_flow_style=False)


def _env_key(dotted: str) -> str:
    return ENV_PREFIX + dotted.upper().replace(".", "_")


def _env_value(value: Any) -> str:
    """Shell-friendly: absent values are empty strings."""
    return "" if value is None else _scalar(value)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
