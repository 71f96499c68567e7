from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.gates import sarif
from pipeline.gates.outcome import ToolFailed
from tests.unit.ci.gates.conftest import FIXTURES, fixture_text


def test_zizmor_results_have_repo_relative_locations_and_properties() -> None:
    doc = sarif.parse(fixture_text("zizmor.sarif"), "zizmor")

    found = sarif.findings(doc)

    assert len(found) == 5
    assert {f.path for f in found} == {".github/workflows/ci.yml"}
    first = found[0]
    assert first.rule_id == "zizmor/artipacked"
    assert first.location == ".github/workflows/ci.yml:6"
    assert first.properties["zizmor/severity"] == "Medium"
    assert sarif.tool_errors(doc) == ()


def test_result_without_location_is_kept_with_unknown_place() -> None:
    doc = {"runs": [{"results": [{"ruleId": "X1", "message": {"text": "m"}}]}]}

    (finding,) = sarif.findings(doc)

    assert (finding.path, finding.line, finding.location) == ("?", 0, "?")


def test_error_notifications_become_tool_errors_and_warnings_do_not() -> None:
    doc = {
        "runs": [
            {
                "invocations": [
                    {
                        "toolExecutionNotifications": [
                            {"level": "warning", "message": {"text": "slow"}},
                            {"level": "error", "message": {"text": "crashed"}},
                        ]
                    }
                ]
            }
        ]
    }

    assert sarif.tool_errors(doc) == ("crashed",)


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"version": "2.1.0"}'])
def test_unreadable_sarif_is_a_tool_failure(tmp_path: Path, text: str) -> None:
    path = tmp_path / "x.sarif"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ToolFailed, match="bandit"):
        sarif.load(path, "bandit")
    with pytest.raises(ToolFailed, match="zizmor"):
        sarif.parse(text, "zizmor")


def test_missing_sarif_file_is_a_tool_failure() -> None:
    with pytest.raises(ToolFailed, match="did not write"):
        sarif.load(FIXTURES / "absent.sarif", "bandit")
