"""Golden files: tests/golden/<env>/template.json must equal a fresh synth.

After an intended template change, regenerate them and review the diff:
    UPDATE_GOLDEN=1 uv run --frozen pytest tests/unit/infra/templates/test_golden.py
or  uv run --frozen python -m infra synth --all --out tests/golden
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from infra.config import ENVIRONMENT_NAMES, load_environment
from infra.templates import render_template, template_path

GOLDEN_DIR = Path(__file__).resolve().parents[3] / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN", "") == "1"


@pytest.mark.parametrize("env", ENVIRONMENT_NAMES)
def test_template_matches_the_golden_file(env: str) -> None:
    fresh = render_template(load_environment(env))
    golden = template_path(GOLDEN_DIR, env)
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(fresh, encoding="utf-8")
    assert golden.is_file(), (
        f"{golden} is missing: regenerate with UPDATE_GOLDEN=1 (see module doc)"
    )
    expected = golden.read_text(encoding="utf-8")
    if fresh != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                fresh.splitlines(keepends=True),
                str(golden),
                "fresh synth",
                n=2,
            )
        )
        pytest.fail(
            f"{golden} differs from a fresh synth; if the change is intended, run "
            f"UPDATE_GOLDEN=1 uv run --frozen pytest {Path(__file__).name} and review the diff:"
            f"\n{diff[:4000]}"
        )
