from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import pytest

from pipeline.catalog import CATALOG, Catalog, Stage, Step
from pipeline.engines.base import StageContext
from pipeline.results import StageResult, Status
from pipeline.scheduler import Event, EventKind, RunOptions, run_stages
from tests.unit.ci.fake_engine import FakeEngine


def _stage(name: str, *needs: str, inputs: tuple[str, ...] = ("src/*.py",)) -> Stage:
    return Stage(
        name=name,
        description=name,
        toolchain="python",
        steps=(Step("s", ("true",)),),
        inputs=inputs,
        needs=needs,
    )


def _catalog(*stages: Stage) -> Catalog:
    return Catalog(
        CATALOG.toolchains, CATALOG.caches, MappingProxyType({s.name: s for s in stages})
    )


DIAMOND = _catalog(
    _stage("a"),
    _stage("b"),
    _stage("c", "a"),
    _stage("d", "b", "c", inputs=("docs/*",)),
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src/m.py").write_text("x = 1\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/readme.md").write_text("hi\n")
    return tmp_path


def test_independent_stages_overlap_and_needs_wait(repo: Path) -> None:
    # a and b each wait until the other started: they pass only if they really run together
    engine = FakeEngine(together=frozenset({"a", "b"}))
    report = run_stages(DIAMOND, engine, repo, ["d"], RunOptions(use_cache=False))
    assert report.status is Status.PASSED, [r.message for r in report.stages]
    assert [r.name for r in report.stages] == ["a", "b", "c", "d"]
    at = engine.events.index
    assert at(("end", "a")) < at(("start", "c")), "c waits for a"
    assert max(at(("end", "b")), at(("end", "c"))) < at(("start", "d")), "d waits for b and c"
    assert engine.prepared == ["python"], "a toolchain is prepared once per run"


def test_jobs_one_runs_one_at_a_time(repo: Path) -> None:
    engine = FakeEngine()
    run_stages(DIAMOND, engine, repo, ["a", "b"], RunOptions(use_cache=False, jobs=1))
    first, second = engine.events[0][1], engine.events[2][1]
    assert engine.events == [("start", first), ("end", first), ("start", second), ("end", second)]
    assert {first, second} == {"a", "b"}


def test_failure_skips_dependents_but_others_run(repo: Path) -> None:
    engine = FakeEngine(outcomes={"a": Status.FAILED})
    report = run_stages(DIAMOND, engine, repo, ["d"], RunOptions(use_cache=False))
    by_name = {r.name: r for r in report.stages}
    assert by_name["a"].status is Status.FAILED
    assert by_name["b"].status is Status.PASSED
    assert by_name["c"].status is Status.SKIPPED
    assert "needs a to pass" in by_name["c"].message
    assert by_name["d"].status is Status.SKIPPED
    assert report.status is Status.FAILED


def test_fail_fast_starts_nothing_after_a_failure(repo: Path) -> None:
    engine = FakeEngine(outcomes={"a": Status.FAILED})
    catalog = _catalog(_stage("a"), _stage("b"), _stage("c"))
    report = run_stages(catalog, engine, repo, ["a", "b", "c"], RunOptions(fail_fast=True, jobs=1))
    assert engine.calls == ["a"]
    assert [r.status for r in report.stages] == [Status.FAILED, Status.SKIPPED, Status.SKIPPED]
    assert "--fail-fast" in report.stages[1].message


def test_unchanged_inputs_hit_the_cache_and_a_change_reruns_only_readers(repo: Path) -> None:
    catalog = _catalog(_stage("code"), _stage("docs", inputs=("docs/*",)))
    first = FakeEngine()
    run_stages(catalog, first, repo, ["code", "docs"], RunOptions())
    assert sorted(first.calls) == ["code", "docs"]

    again = FakeEngine()
    report = run_stages(catalog, again, repo, ["code", "docs"], RunOptions())
    assert again.calls == []
    assert again.prepared == [], "a full cache hit builds no toolchain"
    assert all(r.cached for r in report.stages)
    assert "cached: inputs unchanged" in report.stages[0].message

    (repo / "docs/readme.md").write_text("changed\n")
    third = FakeEngine()
    report = run_stages(catalog, third, repo, ["code", "docs"], RunOptions())
    assert third.calls == ["docs"]
    assert [r.cached for r in report.stages] == [True, False]


def test_toolchain_change_invalidates_the_cache(repo: Path) -> None:
    catalog = _catalog(_stage("code"))
    run_stages(catalog, FakeEngine(), repo, ["code"], RunOptions())
    changed = FakeEngine(toolchain_version="tc-2")
    run_stages(catalog, changed, repo, ["code"], RunOptions())
    assert changed.calls == ["code"]


def test_failures_are_never_served_from_cache(repo: Path) -> None:
    catalog = _catalog(_stage("code"))
    run_stages(catalog, FakeEngine(outcomes={"code": Status.FAILED}), repo, ["code"], RunOptions())
    rerun = FakeEngine(outcomes={"code": Status.FAILED})
    run_stages(catalog, rerun, repo, ["code"], RunOptions())
    assert rerun.calls == ["code"]


def test_events_report_start_output_and_finish(repo: Path) -> None:
    events: list[Event] = []
    run_stages(_catalog(_stage("a")), FakeEngine(), repo, ["a"], RunOptions(), events.append)
    kinds = [e.kind for e in events]
    assert kinds == [EventKind.STARTED, EventKind.OUTPUT, EventKind.FINISHED]
    assert events[1].line == "running a"


def test_stages_with_effects_are_never_cached_and_get_their_params(repo: Path) -> None:
    from dataclasses import replace

    deploy = replace(_stage("deploy"), cacheable=False, params=("PIPELINE_TARGET",))
    catalog = _catalog(deploy)
    seen: list[dict[str, str]] = []

    class Recording(FakeEngine):
        def run_stage(self, stage: Stage, ctx: StageContext) -> StageResult:
            seen.append(dict(ctx.params))
            return super().run_stage(stage, ctx)

    options = RunOptions(params={"PIPELINE_TARGET": "local", "UNRELATED": "x"})
    for _ in range(2):
        run_stages(catalog, Recording(), repo, ["deploy"], options)
    assert seen == [{"PIPELINE_TARGET": "local"}] * 2


def test_a_param_change_reruns_a_cacheable_stage(repo: Path) -> None:
    from dataclasses import replace

    catalog = _catalog(replace(_stage("code"), params=("MODE",)))
    run_stages(catalog, FakeEngine(), repo, ["code"], RunOptions(params={"MODE": "a"}))
    same, other = FakeEngine(), FakeEngine()
    run_stages(catalog, same, repo, ["code"], RunOptions(params={"MODE": "a"}))
    run_stages(catalog, other, repo, ["code"], RunOptions(params={"MODE": "b"}))
    assert (same.calls, other.calls) == ([], ["code"])
