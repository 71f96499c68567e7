"""The host engine: stages run as processes in the toolchain's venv, in the repository itself.

Nothing is containerized here, and every result says so. Used when neither a Dagger engine nor a
Docker Engine is reachable, or when asked for with `--engine host`. A stage's process gets a
minimal base environment (engines/environment.py) plus what the stage declares, never the
caller's whole environment; its services run as processes on free loopback ports.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess  # nosec B404 - runs uv and the stage runner with fixed argv
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from pipeline.catalog import Stage, Toolchain
from pipeline.engines.base import EngineError, StageContext, runner_argv
from pipeline.engines.environment import base_environment
from pipeline.engines.host_services import running_services
from pipeline.engines.outcome import not_run, read_result
from pipeline.engines.services import ServiceFailed, Waiting
from pipeline.masking import Masker
from pipeline.results import StageResult, Status, tail


def venv_dir(toolchain: Toolchain, repo: Path) -> Path:
    return repo / toolchain.project / ".venv"


class HostEngine:
    name = "host"
    containerized = False

    def toolchain_digest(self, toolchain: Toolchain, repo: Path) -> str:
        digest = hashlib.sha256(
            json.dumps(
                [toolchain.name, toolchain.project, list(toolchain.groups), sys.version],
            ).encode()
        )
        for lock in toolchain.lock_files:
            path = repo / lock
            if not path.is_file():
                raise EngineError(
                    f"lock file {lock} of toolchain {toolchain.name!r} is missing: "
                    f"run `uv lock` in {toolchain.project} and commit it"
                )
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def prepare(self, toolchain: Toolchain, repo: Path) -> str:
        """Sync the toolchain's venv from its lock (a no-op when it is already in sync)."""
        uv = shutil.which("uv")
        if uv is None:
            raise EngineError(
                "uv is not on PATH: run ./pipeline, which installs it, or pip install uv"
            )
        argv = [uv, "sync", "--frozen", "--quiet", "--project", str(repo / toolchain.project)]
        if toolchain.project != ".":
            argv.append("--no-install-project")
        try:
            subprocess.run(argv, cwd=repo, check=True, capture_output=True, text=True)  # nosec B603
        except subprocess.CalledProcessError as exc:
            raise EngineError(
                f"cannot sync the {toolchain.name!r} toolchain venv from "
                f"{toolchain.project}/uv.lock: {tail(exc.stderr, 5)}"
            ) from exc
        return str(venv_dir(toolchain, repo))

    def __init__(
        self, environ: Mapping[str, str] | None = None, waiting: Waiting | None = None
    ) -> None:
        self._environ = os.environ if environ is None else environ
        self._waiting = waiting or Waiting()

    def stage_environment(self, stage: Stage, ctx: StageContext) -> dict[str, str]:
        """The base variables, the stage's env, params and declared secrets, the venv, caches."""
        venv = Path(ctx.toolchain_ref)
        base = base_environment(self._environ)
        env = {
            **base,
            **stage.env,
            **{k: v for k, v in ctx.params.items() if k in stage.params},
            **{k: v for k, v in ctx.secrets.items() if k in stage.secrets},
            "PATH": f"{venv / 'bin'}{os.pathsep}{base.get('PATH', os.defpath)}",
            "VIRTUAL_ENV": str(venv),
            "PYTHONPATH": f"{ctx.repo / 'ci' / 'src'}{os.pathsep}{ctx.repo}",
        }
        for cache in ctx.catalog.caches_of(stage):
            folder = ctx.repo / ".pipeline" / "cache" / "tools" / cache.name
            folder.mkdir(parents=True, exist_ok=True)
            env[cache.env_var] = str(folder)
        # Host paths differ from the container's /tmp scratch; keep coverage data in the repo.
        if "COVERAGE_FILE" in stage.env:
            env["COVERAGE_FILE"] = str(ctx.repo / ".pipeline" / f"coverage.{stage.name}")
        return env

    def run_stage(self, stage: Stage, ctx: StageContext) -> StageResult:
        venv = Path(ctx.toolchain_ref)
        image = f"venv:{venv.relative_to(ctx.repo) if venv.is_relative_to(ctx.repo) else venv}"
        masker = Masker(v for k, v in ctx.secrets.items() if k in stage.secrets)
        env = self.stage_environment(stage, ctx)
        started = time.monotonic()
        try:
            with running_services(
                stage, ctx, base_environment(self._environ), self._waiting
            ) as located:
                env.update(located)
                exit_code = self._run(stage, ctx, env, masker)
        except ServiceFailed as exc:
            return not_run(
                stage,
                Status.ERROR,
                masker(str(exc)),
                engine=self.name,
                image=image,
                containerized=False,
                duration_s=time.monotonic() - started,
            )
        masker.scrub_tree(ctx.repo / stage.report_dir)  # the runner masks; this guards a crash
        return read_result(
            stage,
            ctx.repo,
            exit_code,
            round(time.monotonic() - started, 3),
            engine=self.name,
            image=image,
            containerized=False,
        )

    def _run(self, stage: Stage, ctx: StageContext, env: dict[str, str], masker: Masker) -> int:
        argv = [str(Path(ctx.toolchain_ref) / "bin" / "python"), *runner_argv(stage)[1:]]
        proc = subprocess.Popen(  # nosec B603 - fixed argv
            argv,
            cwd=ctx.repo,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            if ctx.on_output is not None:
                ctx.on_output(stage.name, masker(line.rstrip("\n")))
        return proc.wait()
