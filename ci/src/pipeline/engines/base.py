"""The engine interface shared by the docker and host engines (the Dagger module compiles the
same catalog itself, inside the Dagger runtime)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pipeline.catalog import CATALOG, Catalog, Stage, Toolchain, stage_to_dict
from pipeline.errors import EXIT_FAILED, EXIT_USAGE
from pipeline.results import StageResult

# Inside every container the repository is at this path and is the working directory.
SOURCE_DIR = "/src"
# Where a toolchain's locked environment lives inside its image.
VENV_DIR = "/opt/venv"
# The in-container entry point: `python -m pipeline.stage_runner <stage>` with PYTHONPATH set.
RUNNER_MODULE = "pipeline.stage_runner"
RUNNER_PYTHONPATH = f"{SOURCE_DIR}/ci/src:{SOURCE_DIR}"
# How an engine tells the runner its secrets come as one JSON object on stdin (docker: so they
# are in no container config); without it the runner reads them from its environment.
# pragma: allowlist nextline secret
SECRETS_FROM_ENV = "PIPELINE_SECRETS_FROM"
# pragma: allowlist nextline secret
SECRETS_FROM_STDIN = "stdin"

OutputSink = Callable[[str, str], None]
"""Receives (stage name, one line of its output) for live progress."""


class EngineError(Exception):
    """The engine cannot work at all (daemon unreachable, image cannot be built)."""

    exit_code = EXIT_FAILED


class EngineUnavailable(EngineError):
    """The requested engine is not usable on this machine; the message says what to install."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class StageContext:
    """Everything an engine needs to run one stage besides the stage itself."""

    repo: Path
    catalog: Catalog
    toolchain_ref: str  # the engine's handle for the prepared toolchain (image tag, venv path)
    secrets: Mapping[str, str] = field(default_factory=dict)  # values never logged
    params: Mapping[str, str] = field(default_factory=dict)  # the stage's run parameters
    on_output: OutputSink | None = None
    # The prepared toolchain of each service the stage declares (service name -> reference).
    service_refs: Mapping[str, str] = field(default_factory=dict)


def runner_argv(stage: Stage) -> tuple[str, ...]:
    """The runner command: by name for catalog stages, as JSON for any other (tests, callers)."""
    if CATALOG.stages.get(stage.name) == stage:
        return ("python", "-m", RUNNER_MODULE, stage.name)
    return ("python", "-m", RUNNER_MODULE, "--stage-json", json.dumps(stage_to_dict(stage)))


class Engine(Protocol):
    name: str
    containerized: bool

    def prepare(self, toolchain: Toolchain, repo: Path) -> str:
        """Make the toolchain ready (build the image, sync the venv) and return its reference.

        Called once per toolchain per run, from a worker thread; idempotent and cached by the
        toolchain's lock digest.
        """
        ...

    def toolchain_digest(self, toolchain: Toolchain, repo: Path) -> str:
        """A digest that changes whenever what `prepare` would build changes."""
        ...

    def run_stage(self, stage: Stage, ctx: StageContext) -> StageResult:
        """Run the stage (blocking, called from a worker thread) and return its result.

        The engine copies the repository (minus catalog.EXCLUDES) plus the exports of the stages
        it needs into an isolated place, starts the stage's services, runs `runner_argv(stage)`
        there with the stage's env, secrets and caches, copies `stage.exports` back into
        `ctx.repo`, and cleans up (services included).
        """
        ...
