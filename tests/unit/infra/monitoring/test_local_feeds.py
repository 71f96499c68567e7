"""The served app's log as the local evaluator's metric source: read incrementally from the
whole log, half lines wait, a replaced app's log is read from its start, and each environment is
bound to the app the local target serves for it."""

from __future__ import annotations

import json
from pathlib import Path

from infra.monitoring.local_feeds import AppLogSource, ServedAppFeeds
from infra.targets.local_state import ServedApp, write_app
from tests.unit.infra.monitoring.conftest import FakeClock, app_emf_lines

LINES = app_emf_lines(4, 0.0, FakeClock().now())


class GrowingLog:
    """A log read whole on each call, as `AppRunner.logs(handle)` returns it."""

    def __init__(self, text: str = "") -> None:
        self.text = text
        self.reads = 0

    def read(self) -> str:
        self.reads += 1
        return self.text


def test_each_call_yields_only_the_complete_lines_added_since_the_last() -> None:
    log = GrowingLog("INFO:     Started server process [1]\n" + LINES[0] + "\n")
    source = AppLogSource(log.read)
    assert [d["_aws"]["Timestamp"] for d in source.documents()] == [
        json.loads(LINES[0])["_aws"]["Timestamp"]
    ]
    assert source.documents() == []  # nothing new
    log.text += LINES[1] + "\n" + LINES[2][:30]  # the app is writing its third line
    assert len(source.documents()) == 1
    log.text += LINES[2][30:] + "\n"
    (third,) = source.documents()
    assert third == json.loads(LINES[2])
    assert log.reads == 4


def test_a_replaced_app_is_read_from_the_start_of_its_own_log() -> None:
    log = GrowingLog(LINES[0] + "\n" + LINES[1] + "\n")
    source = AppLogSource(log.read)
    assert len(source.documents()) == 2
    log.text = LINES[2] + "\n" + LINES[3] + "\n" + LINES[0] + "\n"  # longer, not a continuation
    assert len(source.documents()) == 3
    log.text = ""  # the container is gone
    assert source.documents() == []
    log.text = LINES[3] + "\n"
    assert len(source.documents()) == 1


class Runner:
    def __init__(self, logs: dict[str, str]) -> None:
        self.by_handle = logs

    def logs(self, handle: str) -> str:
        return self.by_handle.get(handle, "")


def test_feeds_read_the_served_app_of_the_environment_through_its_runner(tmp_path: Path) -> None:
    write_app(tmp_path, ServedApp("staging", "http://127.0.0.1:9", 9, "ab" * 32, "docker", "c1"))
    asked: list[str] = []
    runner = Runner({"c1": LINES[0] + "\n", "c2": LINES[1] + "\n"})

    def runner_for(name: str) -> Runner:
        asked.append(name)
        return runner

    feeds = ServedAppFeeds(tmp_path, runner_for)("staging")
    assert feeds.about == "the log of the staging app (docker c1, digest abababababab)"
    assert list(feeds.metrics.documents()) == [json.loads(LINES[0])]
    assert asked == ["docker"]


def test_an_environment_served_nowhere_has_no_documents_and_says_so(tmp_path: Path) -> None:
    feeds = ServedAppFeeds(tmp_path, lambda name: Runner({}))("dev")
    assert list(feeds.metrics.documents()) == []
    assert (
        feeds.about
        == "no app is served for dev locally (deploy it first: `pipeline deploy --env dev`)"
    )
