"""Synthesized templates of the real environments, as plain dicts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.config import ENVIRONMENT_NAMES, load_environment
from infra.templates import render_template


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


@pytest.fixture(scope="session")
def templates() -> dict[str, dict[str, Any]]:
    return {env: json.loads(render_template(load_environment(env))) for env in ENVIRONMENT_NAMES}


@pytest.fixture(params=ENVIRONMENT_NAMES)
def template(
    request: pytest.FixtureRequest, templates: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    return templates[request.param]
