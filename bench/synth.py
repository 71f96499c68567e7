"""Benchmark: synth of dev, staging and prod (target <= 2 s), cold process and warm repeats.

    uv run --frozen python bench/synth.py [--repeat 20]

Cold = a fresh `python -m infra synth --all` process (imports included), what the pipeline's
synth step pays. Warm = config load + render + write of all three in an already-running process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from infra.config import load_all
from infra.templates import synth

TARGET_S = 2.0


def cold_run(out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(  # fixed argv: this interpreter running the infra CLI
        [sys.executable, "-m", "infra", "synth", "--all", "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def warm_run(out: Path) -> float:
    started = time.perf_counter()
    synth(load_all().values(), out)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        cold = [cold_run(out) for _ in range(5)]
        warm_run(out)  # first in-process run imports troposphere and pydantic
        warm = [warm_run(out) for _ in range(args.repeat)]
    worst = max(cold)
    print(f"cold process, 3 envs: median {statistics.median(cold):.3f} s, max {worst:.3f} s (n=5)")
    print(
        f"warm in-process, 3 envs: median {statistics.median(warm) * 1000:.1f} ms, "
        f"max {max(warm) * 1000:.1f} ms (n={args.repeat})"
    )
    verdict = "PASS" if worst <= TARGET_S else "FAIL"
    print(f"target <= {TARGET_S:.1f} s for all three: {verdict}")
    return 0 if worst <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
