"""The rehearsal's report files: the timeline PNG, the JSON, the Markdown summary (failures next
to latencies, the emulator ceiling stated) and every sample as CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from infra.rollout.rehearsal import report, timeline
from infra.rollout.rehearsal.judge import judge
from tests.unit.infra.rollout.rehearsal.test_judge import BAD, faulty_run, good_run

LOAD = report.LoadBasis(14.8, "emulator ceiling 29.5 req/s for this mix", "50% of it", 14.8, 10)


def test_the_report_files_say_what_was_seen(tmp_path: Path) -> None:
    runs = [good_run(), faulty_run()]
    judged = judge(runs, 10.0, (10, 50, 100), 0, 12)
    paths = report.write(tmp_path, runs, judged, LOAD, 123.4)
    assert paths["timeline"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    document = json.loads(paths["json"].read_text())
    assert document["ok"] is True and document["seconds"] == 123.4
    assert document["steady_client"]["emulator_ceiling"].startswith("emulator ceiling 29.5")
    bad = next(v for v in document["load"]["faulty"] if v["version"] == BAD[:12])
    assert (bad["requests"], bad["failures"], bad["error_rate"]) == (20, 20, 1.0)
    assert bad["p95_successes_ms"] is None  # no success to take a percentile of
    assert [r["status"] for r in document["runs"]] == ["succeeded", "rolled_back"]
    summary = paths["summary"].read_text()
    assert summary.startswith("# Rehearsal passed in 123 s")
    assert "| faulty | cccccccccccc | 20 | 20 | 100.0% | 500: 20 | 20 | 20 | - |" in summary
    rows = list(csv.DictReader(paths["samples"].open()))
    assert len(rows) == sum(len(r.samples) for r in runs)
    assert {row["promotion"] for row in rows} == {"good", "faulty"}


def test_a_failed_check_makes_the_headline_say_failed(tmp_path: Path) -> None:
    runs = [good_run(), faulty_run()]
    judged = judge(runs, 10.0, (10, 50, 100), 1, 12)
    assert report.render(runs, judged, LOAD, 60.0)[0] == "# Rehearsal FAILED in 60 s"


def test_timeline_buckets_keep_failures_as_error_rate() -> None:
    rows = timeline.buckets(faulty_run())[BAD[:12]]
    assert all(rate == 1.0 for _, rate, _, _ in rows)
    assert sum(n for *_, n in rows) == 20
