"""`config show|export|diff` output: stable, parseable, and the diff names what differs."""

from __future__ import annotations

import json
import shlex

import pytest
import yaml

from infra.config import load_environment
from infra.config.render import (
    ENV_PREFIX,
    Difference,
    OutputFormat,
    diff,
    flatten,
    render,
    render_diff,
    to_plain,
)


def test_json_and_yaml_carry_the_same_data_plus_names() -> None:
    config = load_environment("staging")
    as_json = json.loads(render(config, OutputFormat.JSON))
    as_yaml = yaml.safe_load(render(config, OutputFormat.YAML))
    assert as_json == as_yaml == to_plain(config)
    assert as_json["names"]["data_table"] == "energy-insights-staging-data"
    assert as_json["rollout"]["steps"][0] == {"kind": "set_weight", "weight": 100}


def test_env_format_is_shell_assignments() -> None:
    lines = render(load_environment("dev"), OutputFormat.ENV).splitlines()
    pairs = dict(line.split("=", 1) for line in lines)
    assert all(key.startswith(ENV_PREFIX) and key.isupper() for key in pairs)
    assert pairs[f"{ENV_PREFIX}FUNCTION_MEMORY_MB"] == "512"
    assert pairs[f"{ENV_PREFIX}ACCOUNT_ID"] == "''"
    steps = shlex.split(pairs[f"{ENV_PREFIX}ROLLOUT_STEPS"])[0]
    assert json.loads(steps) == [{"kind": "set_weight", "weight": 100}]


def test_rendering_is_deterministic() -> None:
    config = load_environment("prod")
    assert render(config, OutputFormat.JSON) == render(load_environment("prod"), OutputFormat.JSON)


def test_flatten_keeps_lists_and_empty_mappings_whole() -> None:
    assert flatten({"a": {"b": 1, "c": [1, 2]}, "d": {}}) == {"a.b": 1, "a.c": [1, 2], "d": {}}


def test_diff_dev_against_prod_shows_the_safety_differences() -> None:
    differences = {d.key: d for d in diff(load_environment("dev"), load_environment("prod"))}
    assert differences["fault_injection_allowed"] == Difference(
        "fault_injection_allowed", True, False
    )
    assert differences["function.reserved_concurrency"].right == 100
    assert "region" not in differences


def test_diff_of_an_environment_with_itself_is_empty() -> None:
    dev = load_environment("dev")
    assert diff(dev, dev) == ()
    assert render_diff(dev, dev, (), OutputFormat.TEXT) == "dev and dev: no differences\n"


@pytest.mark.parametrize("output", [OutputFormat.JSON, OutputFormat.YAML])
def test_diff_as_data_lists_key_and_both_values(output: OutputFormat) -> None:
    dev, prod = load_environment("dev"), load_environment("prod")
    text = render_diff(dev, prod, diff(dev, prod), output)
    rows = json.loads(text) if output is OutputFormat.JSON else yaml.safe_load(text)
    row = next(r for r in rows if r["key"] == "log_retention_days")
    assert row == {"key": "log_retention_days", "dev": 14, "prod": 365}


def test_diff_as_env_names_keys_like_export() -> None:
    dev, prod = load_environment("dev"), load_environment("prod")
    lines = render_diff(dev, prod, diff(dev, prod), OutputFormat.ENV).splitlines()
    assert [f"{ENV_PREFIX}FUNCTION_MEMORY_MB", "512", "->", "1024"] in [x.split() for x in lines]


def test_diff_as_text_is_an_aligned_table() -> None:
    dev, prod = load_environment("dev"), load_environment("prod")
    lines = render_diff(dev, prod, diff(dev, prod), OutputFormat.TEXT).splitlines()
    assert lines[0].split() == ["key", "dev", "->", "prod"]
    assert ["fault_injection_allowed", "true", "->", "false"] in [line.split() for line in lines]
