from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pipeline.catalog import AUDIT_TTL_S, CATALOG, Stage
from pipeline.result_cache import (
    DEGRADED_TTL_S,
    ResultCache,
    export_digest,
    input_digest,
    is_fresh,
    time_to_live,
)
from pipeline.results import StageResult, Status

LINT = CATALOG.stages["lint"]
SYNTH = CATALOG.stages["synth"]
SCAN = CATALOG.stages["scan"]


def _repo(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir(parents=True)
    (tmp_path / "app/main.py").write_text("x = 1\n")
    (tmp_path / "README.md").write_text("readme\n")
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    return tmp_path


FILES = ["README.md", "app/main.py", "pyproject.toml"]


def test_digest_changes_only_with_files_the_stage_reads(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    before = input_digest(repo, LINT, FILES, "tc1", {})
    (repo / "README.md").write_text("changed\n")  # lint does not read markdown
    assert input_digest(repo, LINT, FILES, "tc1", {}) == before
    (repo / "app/main.py").write_text("x = 2\n")
    assert input_digest(repo, LINT, FILES, "tc1", {}) != before


def test_digest_covers_toolchain_and_upstream_exports(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    base = input_digest(repo, LINT, FILES, "tc1", {})
    assert input_digest(repo, LINT, FILES, "tc2", {}) != base
    assert input_digest(repo, LINT, FILES, "tc1", {"synth": "abc"}) != base


def test_export_digest_follows_exported_files(tmp_path: Path) -> None:
    empty = export_digest(tmp_path, SYNTH)
    (tmp_path / "build/synth/dev").mkdir(parents=True)
    (tmp_path / "build/synth/dev/template.json").write_text("{}")
    assert export_digest(tmp_path, SYNTH) != empty


def _result(status: Status) -> StageResult:
    return StageResult("synth", status, 2.5, "host", "venv", False)


def test_store_and_lookup_restores_exports(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo")
    cache = ResultCache(tmp_path / "cache")
    out = repo / "build/synth/dev/template.json"
    out.parent.mkdir(parents=True)
    out.write_text('{"v": 1}')
    cache.store(repo, SYNTH, "d1", _result(Status.PASSED))
    out.write_text("clobbered")
    hit = cache.lookup(repo, SYNTH, "d1")
    assert hit is not None
    assert hit.cached
    assert hit.input_digest == "d1"
    assert out.read_text() == '{"v": 1}'
    assert cache.lookup(repo, SYNTH, "other") is None


def test_failed_results_are_never_recorded(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    for status in (Status.FAILED, Status.ERROR, Status.SKIPPED):
        cache.store(tmp_path, SYNTH, "d", _result(status))
        assert cache.lookup(tmp_path, SYNTH, "d") is None


def test_the_audit_stages_carry_a_day_long_ttl() -> None:
    assert AUDIT_TTL_S == 24 * 3600
    assert SCAN.result_ttl_s == AUDIT_TTL_S, "pip-audit and zizmor read outside data"
    assert LINT.result_ttl_s is None and SYNTH.result_ttl_s is None


@pytest.mark.parametrize(
    ("stage_ttl", "status", "expected"),
    [
        (None, Status.PASSED, None),
        (None, Status.DEGRADED, DEGRADED_TTL_S),
        (AUDIT_TTL_S, Status.PASSED, AUDIT_TTL_S),
        (AUDIT_TTL_S, Status.DEGRADED, DEGRADED_TTL_S),  # the shorter limit wins
        (60, Status.DEGRADED, 60),
    ],
)
def test_time_to_live(stage_ttl: int | None, status: Status, expected: float | None) -> None:
    assert time_to_live(replace(SYNTH, result_ttl_s=stage_ttl), status) == expected


@pytest.mark.parametrize(
    ("age_s", "ttl_s", "fresh"),
    [
        (0, 100, True),
        (99.999, 100, True),
        (100, 100, False),  # expired at exactly the TTL
        (100.001, 100, False),
        (10**9, None, True),
        (-1, 100, False),  # a clock that went back: do not trust the entry
    ],
)
def test_is_fresh_at_the_edges(age_s: float, ttl_s: float | None, fresh: bool) -> None:
    assert is_fresh(age_s, ttl_s) is fresh


@pytest.mark.parametrize(
    ("stage", "status", "age_s", "hit"),
    [
        (SYNTH, Status.DEGRADED, DEGRADED_TTL_S - 1, True),
        (SYNTH, Status.DEGRADED, DEGRADED_TTL_S, False),
        (SYNTH, Status.PASSED, DEGRADED_TTL_S * 100, True),
        (SCAN, Status.PASSED, AUDIT_TTL_S - 1, True),
        (SCAN, Status.PASSED, AUDIT_TTL_S, False),  # a rerun after a day audits again
        (SCAN, Status.PASSED, AUDIT_TTL_S + 1, False),
    ],
    ids=[
        "degraded-young",
        "degraded-expired",
        "passed-no-ttl",
        "audit-a-second-before-a-day",
        "audit-at-a-day",
        "audit-after-a-day",
    ],
)
def test_recorded_results_expire_on_the_injected_clock(
    tmp_path: Path, stage: Stage, status: Status, age_s: float, hit: bool
) -> None:
    now = [1_000_000.0]
    cache = ResultCache(tmp_path / "cache", clock=lambda: now[0])
    cache.store(tmp_path, stage, "d", _result(status))
    now[0] += age_s
    found = cache.lookup(tmp_path, stage, "d")
    assert (found is not None) is hit
    if found is not None:
        assert found.status is status, "a cached result replays its own status"


def test_the_digest_says_which_declared_secrets_were_given(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    without = input_digest(repo, SCAN, FILES, "tc", {})
    assert input_digest(repo, SCAN, FILES, "tc", {}, provided_secrets=("GH_TOKEN",)) != without


def test_corrupt_entry_is_dropped(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    entry = tmp_path / "cache/synth/d"
    entry.mkdir(parents=True)
    (entry / "result.json").write_text("{not json")
    assert cache.lookup(tmp_path, SYNTH, "d") is None
    assert not entry.exists()
