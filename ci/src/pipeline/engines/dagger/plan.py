"""What the Dagger module builds and decides, as plain data and pure functions.

`pipeline.main` turns these into `dag.container()...` chains; everything here imports without
dagger (standard library and anyio only), so it is table-tested directly.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipeline.catalog import (
    RESULT_EPOCH_ENV,
    UV_VERSION,
    Cache,
    Catalog,
    Stage,
    Toolchain,
    result_epoch,
)
from pipeline.engines import outcome
from pipeline.engines.base import RUNNER_PYTHONPATH, SOURCE_DIR, VENV_DIR
from pipeline.results import LOG_FILE, RESULT_FILE, StageResult, Status, run_status

ENGINE = "dagger"
# uv itself is pinned: the toolchain layer must be reproducible from the lock files alone.
# Where a toolchain's lock files are copied before `uv sync` (mirrors their repo-relative paths).
TOOLCHAIN_DIR = "/toolchain"
CACHE_VOLUME_PREFIX = "pipeline-"
UV_CACHE = Cache("uv", "/cache/uv", "UV_CACHE_DIR")


@dataclass(frozen=True)
class EnvVar:
    """One environment variable; `expand` lets the engine substitute `$PATH`-style references."""

    name: str
    value: str
    expand: bool = False


def cache_volume_name(cache: Cache) -> str:
    return f"{CACHE_VOLUME_PREFIX}{cache.name}"


def toolchain_env() -> tuple[EnvVar, ...]:
    """Settings for installing a toolchain: uv syncs into VENV_DIR with the image's Python."""
    return (
        EnvVar("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
        EnvVar("PIP_ROOT_USER_ACTION", "ignore"),
        EnvVar("UV_PROJECT_ENVIRONMENT", VENV_DIR),
        EnvVar("UV_PYTHON_DOWNLOADS", "never"),
        # The uv cache is a cache volume on another filesystem: hardlinks would fail.
        EnvVar("UV_LINK_MODE", "copy"),
        EnvVar("UV_COMPILE_BYTECODE", "1"),
    )


def apt_install_argv(toolchain: Toolchain) -> tuple[str, ...] | None:
    """The Debian packages of the toolchain, installed in one layer; None when there are none."""
    if not toolchain.apt_packages:
        return None
    packages = " ".join(shlex.quote(p) for p in sorted(toolchain.apt_packages))
    script = (
        "apt-get update -qq && DEBIAN_FRONTEND=noninteractive"
        f" apt-get install -y -qq --no-install-recommends {packages}"
        " && rm -rf /var/lib/apt/lists/*"
    )
    return ("sh", "-euc", script)


def uv_install_argv() -> tuple[str, ...]:
    return ("python", "-m", "pip", "install", "--no-cache-dir", f"uv=={UV_VERSION}")


def lock_file_targets(toolchain: Toolchain) -> tuple[tuple[str, str], ...]:
    """(path in the repository, path in the container) for each lock file of the toolchain."""
    return tuple((path, f"{TOOLCHAIN_DIR}/{path}") for path in toolchain.lock_files)


def toolchain_workdir(toolchain: Toolchain) -> str:
    project = toolchain.project.strip("/")
    return TOOLCHAIN_DIR if project in ("", ".") else f"{TOOLCHAIN_DIR}/{project}"


def uv_sync_argv(toolchain: Toolchain) -> tuple[str, ...]:
    """Install exactly the locked dependencies (never the project itself) into VENV_DIR."""
    groups = [arg for group in toolchain.groups for arg in ("--group", group)]
    return ("uv", "sync", "--frozen", "--no-install-project", "--no-default-groups", *groups)


def stage_env(
    stage: Stage, params: Mapping[str, str] | None = None, now_s: float | None = None
) -> tuple[EnvVar, ...]:
    """The stage's environment: the toolchain venv first on PATH, the stage's own env, then the
    run parameters it declares (e.g. the deploy target); for a stage with a result TTL, the
    TTL window of `now_s`, so Dagger's cache of it expires with the TTL."""
    base = (
        EnvVar("VIRTUAL_ENV", VENV_DIR),
        EnvVar("PATH", f"{VENV_DIR}/bin:${{PATH}}", expand=True),
        EnvVar("PYTHONPATH", RUNNER_PYTHONPATH),
        EnvVar("PYTHONUNBUFFERED", "1"),
        EnvVar("PYTHONDONTWRITEBYTECODE", "1"),
    )
    declared = {k: v for k, v in (params or {}).items() if k in stage.params}
    epoch = result_epoch(stage.result_ttl_s, now_s) if now_s is not None else None
    if epoch is not None:
        declared[RESULT_EPOCH_ENV] = epoch
    return base + tuple(EnvVar(k, v) for k, v in sorted({**stage.env, **declared}.items()))


def needed_outputs(
    catalog: Catalog, stage: Stage, upstream: Sequence[str] | None = None
) -> tuple[tuple[str, str], ...]:
    """(needed stage, output path) for every output the stage receives: from its `needs`, or
    from every stage `upstream` of it (so deploy staging, which needs smoke dev, still gets the
    artifact build made)."""
    names = stage.needs if upstream is None else upstream
    return tuple((need, output) for need in names for output in catalog.stage(need).outputs)


def upstream_of(stages: Sequence[Stage]) -> dict[str, tuple[str, ...]]:
    """Every stage's direct and indirect needs within `stages`, in the order of `stages`."""
    needs = {stage.name: stage.needs for stage in stages}
    result: dict[str, tuple[str, ...]] = {}
    for stage in stages:
        seen: set[str] = set()
        todo = list(stage.needs)
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(needs.get(name, ()))
        result[stage.name] = tuple(s.name for s in stages if s.name in seen)
    return result


def report_path(stage: Stage, file_name: str) -> str:
    return f"{SOURCE_DIR}/{stage.report_dir}/{file_name}"


def parse_result(
    stage: Stage,
    exit_code: int,
    result_text: str | None,
    log_text: str,
    duration_s: float,
    image: str,
) -> StageResult:
    """What the stage runner left in the Dagger container, as the engines' common StageResult."""
    return outcome.parse_result(
        stage,
        exit_code,
        result_text,
        log_text,
        duration_s,
        engine=ENGINE,
        image=image,
        containerized=True,
        reports=(f"{stage.report_dir}/{RESULT_FILE}", f"{stage.report_dir}/{LOG_FILE}")
        if result_text is not None
        else (),
    )


def engine_error(
    stage: Stage, image: str, duration_s: float, what: str, output: str
) -> StageResult:
    """The engine could not run the stage (image, toolchain install, API error)."""
    return outcome.not_run(
        stage,
        Status.ERROR,
        f"dagger could not run stage {stage.name!r}: {what}",
        engine=ENGINE,
        image=image,
        containerized=True,
        duration_s=duration_s,
        output=output,
    )


def skipped(stage: Stage, image: str, blocked_by: Sequence[str]) -> StageResult:
    return outcome.not_run(
        stage,
        Status.SKIPPED,
        f"not run: needs {', '.join(blocked_by)}, which did not pass",
        engine=ENGINE,
        image=image,
        containerized=True,
    )


def run_fails(results: Sequence[StageResult], *, strict: bool) -> bool:
    """A run fails when a stage did not pass; degraded counts as failed only when strict."""
    return not run_status(results, strict=strict).ok


def summary(results: Sequence[StageResult], *, strict: bool) -> str:
    """A Markdown report: one row per stage, the verdict, and the log tail of each failure."""
    rows = [
        "| stage | status | duration | image | note |",
        "|---|---|---|---|---|",
        *(
            f"| {r.name} | {r.status.value} | {r.duration_s:.1f} s | {r.image} "
            f"| {r.message.replace('|', '/')} |"
            for r in results
        ),
    ]
    verdict = run_status(results, strict=strict).value
    lines = [*rows, "", f"pipeline: {verdict} (engine: {ENGINE}, strict: {str(strict).lower()})"]
    for r in results:
        if r.status in (Status.FAILED, Status.ERROR) and r.log_tail:
            lines += ["", f"### {r.name}: last lines of the log", "```", r.log_tail, "```"]
    return "\n".join(lines) + "\n"
