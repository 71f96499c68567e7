"""Benchmark: local deploys against an already-running emulator (moto server process).

    uv run --frozen python bench/deploy.py [--repeat 3] [--artifact build/artifacts/X.zip]

Targets (issue 4): full deploy of the stack to an empty emulator <= 20 s; a no-change redeploy
<= 5 s. Each round empties the emulator (moto's reset API), then times, as separate processes
(`python -m infra.deploy deploy --env dev --target local ...`, imports, synth and cfn-lint
included, as the pipeline pays them): the first deploy (cfn-lint cache emptied, so it lints), a
no-change redeploy (same template: lint verdict cached), and a deploy of a new artifact.
Without --artifact a 20 MB zip of incompressible bytes stands in for the bundle.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

from infra.deploy.template_check import LINT_CACHE_DIR
from infra.targets.local_emulator import ensure_emulator

TARGETS_S = {"first deploy": 20.0, "no-change redeploy": 5.0}


def stand_in_zip(path: Path, seed: str, size_mb: int = 20) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("app/lambda_handler.py", f"SEED = {seed!r}\n")
        archive.writestr("vendor/blob.bin", os.urandom(size_mb * 1024 * 1024))
    return path


def reset(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=30):  # noqa: S310  # nosec B310 - loopback
        pass


def timed_deploy(artifact: Path, endpoint: str) -> tuple[float, str]:
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint}
    argv = [sys.executable, "-m", "infra.deploy", "deploy", "--env", "dev", "--target", "local"]
    started = time.perf_counter()
    done = subprocess.run(  # nosec B603 - this interpreter running the deploy CLI
        [*argv, "--artifact", str(artifact), "--commit", "abcdef1"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"deploy failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--artifact", type=Path, help="a real bundle (default: a stand-in zip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        first = args.artifact or stand_in_zip(work / "one.zip", "one")
        second = stand_in_zip(work / "two.zip", "two")
        emulator = ensure_emulator(work / "state")  # started once: "emulator already running"
        timings: dict[str, list[float]] = {
            "first deploy": [], "no-change redeploy": [], "new-artifact deploy": []
        }  # fmt: skip
        try:
            for _ in range(args.repeat):
                reset(emulator.endpoint)
                shutil.rmtree(LINT_CACHE_DIR, ignore_errors=True)  # the first deploy lints cold
                for name, artifact in (
                    ("first deploy", first),
                    ("no-change redeploy", first),
                    ("new-artifact deploy", second),
                ):
                    elapsed, last = timed_deploy(artifact, emulator.endpoint)
                    timings[name].append(elapsed)
                    print(f"{name:<20} {elapsed:6.2f} s   {last}", flush=True)
        finally:
            if emulator.started and emulator.pid is not None:
                os.kill(emulator.pid, signal.SIGTERM)
    summary = {
        name: {
            "median_s": round(statistics.median(values), 2),
            "max_s": round(max(values), 2),
            "target_s": TARGETS_S.get(name),
        }
        for name, values in timings.items()
    }
    print(json.dumps({"artifact_bytes": first.stat().st_size, "runs": summary}, indent=2))
    missed = [n for n, s in summary.items() if s["target_s"] and s["max_s"] > s["target_s"]]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
