from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pipeline.gates.outcome import ToolFailed, ToolNotInstalled
from pipeline.gates.tool_runner import SubprocessRunner, ToolRun, output_tail, require


def test_path_prefix_is_searched_first_and_passed_to_the_tool(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "fake-scanner"
    tool.write_text(
        f"#!{sys.executable}\nimport os\nprint(os.environ['PATH'].split(os.pathsep)[0])\n"
    )
    tool.chmod(0o755)
    runner = SubprocessRunner([bin_dir])

    found = require(runner, "fake-scanner")
    run = runner.run([found, "x"], tmp_path)

    assert found == str(tool)
    assert (run.exit_code, run.stdout.strip()) == (0, str(bin_dir))
    assert run.argv == (str(tool), "x")


def test_missing_tool_is_not_installed_with_install_hint() -> None:
    with pytest.raises(ToolNotInstalled, match=r"no-such-scanner is not installed.*uv sync"):
        require(SubprocessRunner(), "no-such-scanner")


def test_unstartable_tool_is_a_tool_failure(tmp_path: Path) -> None:
    with pytest.raises(ToolFailed, match="cannot start"):
        SubprocessRunner().run([str(tmp_path / "absent")], tmp_path)


@pytest.mark.parametrize(
    ("stdout", "stderr", "tail"),
    [("", "", "(no output)"), ("out", "", "out"), ("out", "e1\ne2", "e1\ne2")],
)
def test_output_tail_prefers_stderr(stdout: str, stderr: str, tail: str) -> None:
    assert output_tail(ToolRun(("t",), 1, stdout, stderr, 0.0)) == tail
