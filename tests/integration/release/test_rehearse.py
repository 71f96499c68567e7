"""Issue 7's "Done when", end to end: on a copy of the repository with no AWS credentials,
`pipeline rehearse` releases the tree, puts it live as prod's first release, releases it again
(labelled) and promotes that under steady client load through the local prod's router to 100 %,
then ships a faulty build as a hotfix whose canary is rolled back automatically: no answer of
the faulty version after the rollback, every acknowledged write readable. `pipeline history
--env prod` shows the rollouts with their verdicts; the report and the timeline PNG are there."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.release.test_local_release import Pipeline, local_pipeline

pytestmark = [pytest.mark.docker, pytest.mark.emulator, pytest.mark.slow]


@pytest.fixture(scope="module")
def pipeline(docker_client: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    with local_pipeline(docker_client, tmp_path_factory.mktemp("rehearse"), "rh") as runner:
        yield runner


def test_rehearse_promotes_a_good_release_and_rolls_a_faulty_one_back(pipeline: Pipeline) -> None:
    done = pipeline("rehearse", "--engine", "docker", timeout_s=1500)
    out = " ".join(done.stdout.split())
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert "# Rehearsal passed in" in out
    assert "prod has nothing live: the tree's release goes live first" in out

    reports = pipeline.copy / "build" / "reports" / "rollout"
    document = json.loads((reports / "rehearsal.json").read_text())
    assert document["ok"] is True
    assert all(check["ok"] for check in document["checks"]), document["checks"]
    roles = [(r["role"], r["kind"], r["status"]) for r in document["runs"]]
    assert roles == [
        ("first release", "promote", "succeeded"),
        ("good", "promote", "succeeded"),
        ("faulty", "hotfix", "rolled_back"),
    ]
    faulty = document["runs"][2]
    bad = [v for v in document["load"]["faulty"] if v["version"] == faulty["canary_version"]]
    assert bad and bad[0]["failures"] > 0, "the faulty canary answered 5xx under the load"
    assert "emulator ceiling" in document["steady_client"]["emulator_ceiling"]
    png = (reports / "rehearsal-timeline.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000

    history = pipeline("history", "--env", "prod", "--json")
    assert history.returncode == 0, history.stderr
    rollouts = [i for i in json.loads(history.stdout) if i["record"] == "rollout"]
    assert [(r["kind"], r["status"]) for r in rollouts[:2]] == [
        ("hotfix", "rolled_back"),
        ("promote", "succeeded"),
    ]
    assert rollouts[0]["verdict"] == "Failed" and rollouts[0]["verdict_message"]
    text = pipeline("history", "--env", "prod")
    assert "rollouts of prod (newest first):" in text.stdout
    assert "verdict: Failed:" in text.stdout
