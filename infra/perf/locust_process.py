"""The load generator: headless locust in its own process (its gevent monkey-patching stays
out of ours), its CSV stats next to our samples, its log in a file, its CPU time measured."""

from __future__ import annotations

import os
import resource
import subprocess  # nosec B404 - runs locust with a fixed argv
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from infra.config.perf import LoadProfile
from infra.perf.errors import GeneratorFailed

LOCUSTFILE = "tests/perf/locustfile.py"
CPU_WARNING = "CPU usage above"  # locust logs this when its process is CPU-bound
STOP_TIMEOUT_S = 5  # users may finish their current task (a few requests) before the end


@dataclass(frozen=True)
class GeneratorRun:
    """One load run: where, what load, over which sites, and where its files go."""

    base_url: str
    profile: LoadProfile
    sites: tuple[str, ...]
    token: str = field(repr=False)
    out_dir: Path = Path("build/reports/perf")
    request_timeout_s: float = 65.0

    @property
    def samples_file(self) -> Path:
        return self.out_dir / "samples.csv"

    @property
    def csv_prefix(self) -> Path:
        return self.out_dir / "locust"

    @property
    def log_file(self) -> Path:
        return self.out_dir / "locust.log"


@dataclass(frozen=True)
class CpuUse:
    """CPU time a process has run, and has waited on a run queue for (None: unknown), in s."""

    run_s: float
    wait_s: float | None = None


@dataclass(frozen=True)
class GeneratorExit:
    """How the generator ended: its exit code, CPU seconds used, and its CPU warning if any."""

    code: int
    cpu_s: float
    warning: str = ""


class RunningLoad(Protocol):
    def poll(self) -> int | None:
        """The exit code once it has ended, else None."""
        ...

    def stop(self) -> None:
        """Ask it to end now (it still writes its stats)."""
        ...

    def cpu_use(self) -> CpuUse | None:
        """Its CPU use so far, while it runs (None where that cannot be read)."""
        ...

    def wait(self) -> GeneratorExit: ...


class LoadGenerator(Protocol):
    def start(self, run: GeneratorRun) -> RunningLoad: ...


def locust_argv(run: GeneratorRun, repo: Path) -> list[str]:
    """The token is not here: argv is visible in process lists (it goes in the environment)."""
    profile = run.profile
    return [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(repo / LOCUSTFILE),
        "--headless",
        "--host",
        run.base_url,
        "--users",
        str(profile.users),
        "--spawn-rate",
        f"{profile.spawn_rate_per_s:g}",
        "--run-time",
        f"{profile.duration_s}s",
        "--stop-timeout",
        str(STOP_TIMEOUT_S),
        "--csv",
        str(run.csv_prefix),
        "--csv-full-history",
        "--only-summary",
        "--exit-code-on-error",
        "0",  # failed requests are the gate's business; non-zero means locust itself broke
        "--loglevel",
        "WARNING",
    ]


def locust_environment(run: GeneratorRun, repo: Path, base: dict[str, str]) -> dict[str, str]:
    python_path = os.pathsep.join(p for p in (str(repo), base.get("PYTHONPATH", "")) if p)
    return {
        **base,
        "PYTHONPATH": python_path,
        "PERF_TOKEN": run.token,
        "PERF_SITES": ",".join(run.sites),
        "PERF_SAMPLES_FILE": str(run.samples_file),
        "PERF_WAIT_MIN_S": f"{run.profile.wait_min_s:g}",
        "PERF_WAIT_MAX_S": f"{run.profile.wait_max_s:g}",
        "PERF_TIMEOUT_S": f"{run.request_timeout_s:g}",
    }


class LocustProcess:
    """Starts `python -m locust` (LoadGenerator)."""

    def __init__(self, repo: Path, environ: dict[str, str] | None = None) -> None:
        self.repo = repo
        self.environ = dict(os.environ if environ is None else environ)

    def start(self, run: GeneratorRun) -> RunningLoad:
        if not (self.repo / LOCUSTFILE).is_file():
            raise GeneratorFailed(f"{self.repo / LOCUSTFILE} is missing: the load is defined there")
        run.out_dir.mkdir(parents=True, exist_ok=True)
        return _Running(
            run, locust_argv(run, self.repo), locust_environment(run, self.repo, self.environ)
        )


class _Running:
    def __init__(self, run: GeneratorRun, argv: list[str], env: dict[str, str]) -> None:
        self._log = run.log_file
        self._cpu_before = _children_cpu()
        with self._log.open("w", encoding="utf-8") as log:
            try:
                self._process = subprocess.Popen(  # nosec B603 - our interpreter, fixed argv
                    argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
                )
            except OSError as exc:
                raise GeneratorFailed(f"could not start locust: {exc}") from None

    def poll(self) -> int | None:
        return self._process.poll()

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()

    def cpu_use(self) -> CpuUse | None:
        return process_cpu(self._process.pid)

    def wait(self) -> GeneratorExit:
        try:
            code = self._process.wait(timeout=STOP_TIMEOUT_S + 20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            code = self._process.wait()
        log = self._log.read_text(encoding="utf-8", errors="replace")
        warning = next((line for line in log.splitlines() if CPU_WARNING in line), "")
        return GeneratorExit(code, _children_cpu() - self._cpu_before, warning.strip())


def process_cpu(pid: int) -> CpuUse | None:
    """Run and run-queue wait time of every thread of `pid` (Linux schedstat), else None.

    The wait matters on a shared machine: a generator that waits for CPU as long as it runs is
    as limited as one that runs flat out, and its timings include that wait."""
    run = wait = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            fields = (task / "schedstat").read_text().split()
            run, wait = run + int(fields[0]), wait + int(fields[1])
    except (OSError, ValueError, IndexError):  # not Linux, no schedstat, or already reaped
        return None
    return CpuUse(run / 1e9, wait / 1e9)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
