from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from pipeline.gates.__main__ import GATES, main
from tests.unit.ci.gates.conftest import FakeRunner


@pytest.mark.parametrize("argv", [[], ["nope"], ["bandit", "extra"]])
def test_usage_errors_exit_2_listing_the_gates(argv: list[str], repo: Path) -> None:
    out = io.StringIO()

    assert main(argv, runner=FakeRunner(), repo=repo, out=out) == 2
    assert (
        "usage: python -m pipeline.gates {bandit|pip-audit|secrets|workflows|iac}" in out.getvalue()
    )


def test_every_catalog_gate_is_dispatched() -> None:
    assert set(GATES) == {"bandit", "pip-audit", "secrets", "workflows", "iac"}


def test_gate_error_exits_2_with_an_actionable_message(repo: Path) -> None:
    out = io.StringIO()

    code = main(["iac"], runner=FakeRunner(installed=()), repo=repo, out=out)

    assert code == 2
    assert out.getvalue().startswith("iac: cannot run: checkov is not installed")


def test_details_then_summary_line_with_duration(repo: Path) -> None:
    folder = repo / ".github/workflows"
    folder.mkdir(parents=True)
    (folder / "ci.yml").write_text("on: push\n", encoding="utf-8")
    sarif = json.dumps({"runs": [{"results": [{"ruleId": "r", "message": {"text": "m"}}]}]})
    runner = FakeRunner(
        lambda argv, cwd: (0, sarif, "") if "sarif" in argv else (14, "d1\nd2\n", "")
    )
    out = io.StringIO()

    code = main(["workflows"], runner=runner, repo=repo, out=out)

    lines = out.getvalue().splitlines()
    assert code == 1
    assert lines[:2] == ["d1", "d2"]
    assert lines[2].startswith("workflows: 1 findings in 1 workflow files (SARIF: ")
    assert lines[2].endswith(" s]")
