from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.catalog import CATALOG
from pipeline.result_cache import DEGRADED_TTL_S, ResultCache, export_digest, input_digest
from pipeline.results import StageResult, Status

LINT = CATALOG.stages["lint"]
SYNTH = CATALOG.stages["synth"]


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


@pytest.mark.parametrize(
    ("status", "age_s", "hit"),
    [
        (Status.DEGRADED, DEGRADED_TTL_S - 1, True),
        (Status.DEGRADED, DEGRADED_TTL_S + 1, False),
        (Status.PASSED, DEGRADED_TTL_S * 100, True),
    ],
)
def test_degraded_results_expire_and_replay_as_degraded(
    tmp_path: Path, status: Status, age_s: float, hit: bool
) -> None:
    now = [1_000_000.0]
    cache = ResultCache(tmp_path / "cache", clock=lambda: now[0])
    cache.store(tmp_path, SYNTH, "d", _result(status))
    now[0] += age_s
    found = cache.lookup(tmp_path, SYNTH, "d")
    assert (found is not None) is hit
    if found is not None:
        assert found.status is status


def test_corrupt_entry_is_dropped(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    entry = tmp_path / "cache/synth/d"
    entry.mkdir(parents=True)
    (entry / "result.json").write_text("{not json")
    assert cache.lookup(tmp_path, SYNTH, "d") is None
    assert not entry.exists()
