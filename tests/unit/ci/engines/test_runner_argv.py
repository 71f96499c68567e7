from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pipeline.catalog import CATALOG, Stage, Step, stage_from_dict, stage_to_dict
from pipeline.engines.base import runner_argv

ROOT = Path(__file__).resolve().parents[4]


def test_catalog_stages_run_by_name() -> None:
    assert runner_argv(CATALOG.stages["lint"]) == ("python", "-m", "pipeline.stage_runner", "lint")


def test_stage_json_round_trips() -> None:
    for stage in CATALOG.stages.values():
        assert stage_from_dict(json.loads(json.dumps(stage_to_dict(stage)))) == stage


def test_a_stage_the_catalog_lacks_travels_as_json_and_really_runs(tmp_path: Path) -> None:
    boom = Stage(
        "boom",
        "fails",
        "python",
        (
            Step("ok", (sys.executable, "-c", "print('fine')")),
            Step("bad", (sys.executable, "-c", "import sys; print('boom'); sys.exit(3)")),
        ),
        (),
    )
    argv = runner_argv(boom)
    assert argv[3] == "--stage-json"
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'ci' / 'src'}{os.pathsep}{ROOT}"}
    proc = subprocess.run(
        [sys.executable, *argv[1:]], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 1, proc.stderr
    result = json.loads((tmp_path / "build/reports/boom/result.json").read_text())
    assert result["status"] == "failed"
    assert [s["exit_code"] for s in result["steps"]] == [0, 3]
    assert "boom" in proc.stdout


def test_bad_stage_json_is_a_usage_error(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'ci' / 'src'}"}
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.stage_runner", "--stage-json", '{"name": 1}'],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "not a stage description" in proc.stderr
