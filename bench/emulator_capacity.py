"""Benchmark: the local emulator's (moto server's) capacity per operation family the app uses.

    uv run --frozen python bench/emulator_capacity.py [--seconds 2] [--variant-seconds 1.5]
        [--concurrency 1,2,4,8,16,32] [--scan-items 10000] [--alt-python PATH] [--json OUT]

1. Sweep: GetItem, Query (288 items: the summary's), BatchWriteItem (25 items), PutObject
   (4 KiB), each closed-loop at increasing concurrency until two steps in a row add < 5 %:
   calls/s, latency, the emulator's CPU per call (its ceiling on one whole core) and the load
   average. Clients: raw HTTP over urllib3 (`infra.targets.emulator_probe`), cheap next to moto.
2. Query's cost model (moto scans the whole table on every Query): an empty Query (fixed cost),
   and both Queries again after `--scan-items` more items are written to the table.
3. Settings that could raise it, side by side in this run (A/B/A/B, ratio B/A; Query arms get
   twice --variant-seconds): keep-alive off,
   a client pool smaller than the clients (botocore's default 10 vs the app's 64), werkzeug's
   request log off, two emulators (one per environment), and with --alt-python another moto
   (e.g. a venv with `moto[server]==5.1.22`).
The figures go to infra/targets/local_capacity.py (MEASURED) and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import proc_stats
from load_summary import Status, exit_cleanly_on_sigterm, load_average, summarize

from app.local.ports import free_port
from infra.targets.emulator_probe import (
    TRANSPORT_ERROR,
    EmulatorCalls,
    Scratch,
    drive,
    operations,
    scratch,
)
from infra.targets.local_capacity import BATCH_ITEMS, QUERY_ITEMS
from infra.targets.local_emulator import reachable

REGION = "eu-west-1"
FAMILIES = ("GetItem", "Query", "BatchWriteItem", "PutObject")
QUIET = (
    "import logging, sys; logging.getLogger('werkzeug').setLevel(logging.WARNING); "
    "from moto.server import main; main(sys.argv[1:])"
)


@dataclass
class Emulator:
    label: str
    pid: int
    endpoint: str
    where: Scratch
    calls: EmulatorCalls

    def op(self, name: str, calls: EmulatorCalls | None = None) -> Callable[[], int]:
        return operations(calls or self.calls, self.where)[name]


@contextmanager
def emulator(label: str, python: str, quiet: bool, logs: Path) -> Iterator[Emulator]:
    """A moto server process as the local target starts it (log to a file), with scratch data."""
    port = free_port()
    argv = [python, "-c", QUIET] if quiet else [python, "-m", "moto.server"]
    with (logs / f"{label}.log").open("wb") as log:
        process = subprocess.Popen(
            [*argv, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not reachable(endpoint, timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"emulator {label} did not start: see {logs / label}.log")
            time.sleep(0.1)
        calls = EmulatorCalls(endpoint, REGION, pool_size=64)
        with scratch(calls) as where:
            yield Emulator(label, process.pid, endpoint, where, calls)
    finally:
        process.terminate()
        process.wait(timeout=10)


def measure(
    em: Emulator, op: str, concurrency: int, seconds: float, calls: EmulatorCalls | None = None
) -> dict[str, Any]:
    """Drive one call: calls/s, latency, errors, and the emulator's CPU per call."""
    cpu_before, load = proc_stats.cpu_seconds(em.pid), load_average()
    result = drive(em.op(op, calls), concurrency, seconds)
    cpu_s = proc_stats.cpu_seconds(em.pid) - cpu_before
    cpu_ms = 1000 * cpu_s / result.calls if result.calls else 0.0
    outcomes: list[tuple[Status, float]] = [
        (status if status != TRANSPORT_ERROR else "no_answer", ms) for status, ms in result.outcomes
    ]
    summary = summarize(f"{op} x{concurrency} on {em.label}", outcomes, result.seconds)
    return {
        "emulator": em.label,
        "operation": op,
        "concurrency": concurrency,
        "calls": result.calls,
        "calls_per_s": round(result.rate, 1),
        "errors": summary["failures_by_status"],
        "error_rate_pct": summary["error_rate_pct"],
        "latency_ms": summary["latency_all_requests_ms"],  # all calls, failed or not
        "summary": summary,
        "cpu_ms": round(cpu_ms, 3),
        "one_core_ceiling_per_s": round(1000 / cpu_ms, 1) if cpu_ms else None,
        "emulator_cores_used": round(cpu_s / result.seconds, 2) if result.seconds else 0.0,
        "load_average": load,
    }


def sweep(em: Emulator, op: str, levels: list[int], seconds: float) -> dict[str, Any]:
    """Increasing concurrency until two steps in a row add less than 5 %."""
    rows: list[dict[str, Any]] = []
    flat = 0
    for level in levels:
        rows.append(measure(em, op, level, seconds))
        best_before = max((r["calls_per_s"] for r in rows[:-1]), default=0.0)
        flat = flat + 1 if rows[-1]["calls_per_s"] < 1.05 * best_before else 0
        if flat == 2:
            break
    peak = max(rows, key=lambda r: r["calls_per_s"])
    knee = next(r for r in rows if r["calls_per_s"] >= 0.95 * peak["calls_per_s"])
    return {
        "rows": rows,
        "ceiling_per_s": peak["calls_per_s"],
        "saturates_at_concurrency": knee["concurrency"],
        "saturated": flat == 2,
    }


def side_by_side(
    name: str,
    arms: dict[str, Callable[[], dict[str, Any]]],
    rounds: int = 2,
) -> dict[str, Any]:
    """A/B/A/B: each arm measured `rounds` times, interleaved; ratio of each arm to the first."""
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label in arms}
    for _ in range(rounds):
        for label, run in arms.items():
            runs[label].append(run())
    mean = {k: sum(r["calls_per_s"] for r in v) / len(v) for k, v in runs.items()}
    cpu = {
        k: sum(r["cpu_ms"] * r["calls"] for r in v) / max(1, sum(r["calls"] for r in v))
        for k, v in runs.items()
    }
    base, base_cpu = next(iter(mean.values())), next(iter(cpu.values()))
    return {
        "variant": name,
        "calls_per_s": {k: round(v, 1) for k, v in mean.items()},
        "ratio_to_first": {k: round(v / base, 2) if base else None for k, v in mean.items()},
        "cpu_ms": {k: round(v, 3) for k, v in cpu.items()},
        "cpu_ratio": {k: round(v / base_cpu, 2) if base_cpu else None for k, v in cpu.items()},
        "p95_ms": {k: [r["latency_ms"].get("p95") for r in v] for k, v in runs.items()},
        "load_average": [r["load_average"] for v in runs.values() for r in v],
        "runs": runs,
    }


def together(
    first: Callable[[], dict[str, Any]], second: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Two drives at the same time (two emulators, one environment each): summed calls/s."""
    found: list[dict[str, Any]] = []
    thread = threading.Thread(target=lambda: found.append(second()))
    thread.start()
    mine = first()
    thread.join()
    other = found[0]
    calls = mine["calls"] + other["calls"]
    cpu_ms = sum(r["cpu_ms"] * r["calls"] for r in (mine, other)) / max(1, calls)
    return {
        "calls": calls,
        "cpu_ms": cpu_ms,
        "calls_per_s": mine["calls_per_s"] + other["calls_per_s"],
        "latency_ms": {
            "p95": max(mine["latency_ms"].get("p95", 0), other["latency_ms"].get("p95", 0))
        },
        "load_average": mine["load_average"],
        "parts": [mine, other],
    }


def seed_items(em: Emulator, count: int) -> None:
    """`count` more items in another partition of the scratch table (Query scans them all)."""
    for start in range(0, count, BATCH_ITEMS):
        chunk = [
            {
                "PutRequest": {
                    "Item": {"PK": {"S": "filler"}, "SK": {"S": f"{i:09d}"}, "value": {"N": "1"}}
                }
            }
            for i in range(start, min(count, start + BATCH_ITEMS))
        ]
        em.calls.checked(
            em.calls.dynamodb("BatchWriteItem", {"RequestItems": {em.where.table: chunk}}), "seed"
        )


def query_model(em: Emulator, scan_items: int, seconds: float, concurrency: int) -> dict[str, Any]:
    """Query's fixed cost, per returned item and per table item scanned (moto scans them all)."""
    small = {op: measure(em, op, concurrency, seconds) for op in ("EmptyQuery", "Query")}
    seed_items(em, scan_items)
    big = {op: measure(em, op, concurrency, seconds) for op in ("EmptyQuery", "Query")}
    fixed_s = 1 / small["EmptyQuery"]["calls_per_s"]
    per_item_s = (1 / small["Query"]["calls_per_s"] - fixed_s) / QUERY_ITEMS
    extra_s = 1 / big["EmptyQuery"]["calls_per_s"] - fixed_s
    return {
        "table_items": {"small": QUERY_ITEMS, "big": QUERY_ITEMS + scan_items},
        "small_table": small,
        "big_table": big,
        "empty_query_per_s": small["EmptyQuery"]["calls_per_s"],
        "per_returned_item_ms": round(per_item_s * 1000, 3),
        "scanned_items_per_s": round(scan_items / extra_s) if extra_s > 0 else None,
    }


def variants(
    a: Emulator, b: Emulator, quiet: Emulator, alt: Emulator | None, seconds: float
) -> list[dict[str, Any]]:
    def m(
        em: Emulator, op: str, c: int, calls: EmulatorCalls | None = None
    ) -> Callable[[], dict[str, Any]]:
        window = 2 * seconds if op == "Query" else seconds  # a few calls/s: longer windows
        return lambda: measure(em, op, c, window, calls)

    closing = EmulatorCalls(a.endpoint, REGION, pool_size=64, keep_alive=False)
    small_pool = EmulatorCalls(a.endpoint, REGION, pool_size=10)
    found = [
        side_by_side(
            "GetItem x8: keep-alive on / off",
            {"on": m(a, "GetItem", 8), "off": m(a, "GetItem", 8, closing)},
        ),
        side_by_side(
            "GetItem x32: client pool 64 (the app's) / 10 (botocore's default)",
            {"pool 64": m(a, "GetItem", 32), "pool 10": m(a, "GetItem", 32, small_pool)},
        ),
    ]
    for op, c in (("GetItem", 8), ("Query", 4)):
        found.append(
            side_by_side(
                f"{op} x{c}: request log on / off",
                {"log on": m(a, op, c), "log off": m(quiet, op, c)},
            )
        )
        found.append(
            side_by_side(
                f"{op} x{c}: one emulator / two (one per environment, x{c // 2} each)",
                {
                    "one": m(a, op, c),
                    "two": functools.partial(together, m(a, op, c // 2), m(b, op, c // 2)),
                },
            )
        )
    if alt is not None:
        for op in FAMILIES:
            c = 4 if op == "Query" else 8
            found.append(
                side_by_side(
                    f"{op} x{c}: this moto / --alt-python's",
                    {"this": m(a, op, c), "alt": m(alt, op, c)},
                )
            )
    closing.close()
    small_pool.close()
    return found


def moto_version(python: str) -> str:
    code = "import moto; print(moto.__version__)"
    return subprocess.run(
        [python, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def print_report(report: dict[str, Any]) -> None:
    def md(*cells: object) -> None:
        print("| " + " | ".join(str(c) for c in cells) + " |")

    print(f"\n## Emulator capacity (moto {report['moto']})\n")
    md("operation", "ceiling calls/s", "saturates at (clients)", "emulator CPU ms/call")
    print("|---|---|---|---|")
    for op, found in report["sweep"].items():
        knee = next(r for r in found["rows"] if r["calls_per_s"] == found["ceiling_per_s"])
        md(op, found["ceiling_per_s"], found["saturates_at_concurrency"], knee["cpu_ms"])
    print()
    md("operation", "clients", "calls/s", "all calls p50 / p95 / p99 ms", "failed", "CPU ms/call")
    print("|---|---|---|---|---|---|")
    for op, found in report["sweep"].items():
        for r in found["rows"]:
            p = " / ".join(str(r["latency_ms"][k]) for k in ("p50", "p95", "p99"))
            failed = f"{r['error_rate_pct']} % {r['errors']}" if r["errors"] else "0"
            md(op, r["concurrency"], r["calls_per_s"], p, failed, r["cpu_ms"])
    q = report["query_model"]
    print(
        f"\nQuery: fixed {1000 / q['empty_query_per_s']:.1f} ms, {q['per_returned_item_ms']} ms "
        f"per returned item, {q['scanned_items_per_s']} table items scanned/s; the 288-item Query "
        f"{q['small_table']['Query']['calls_per_s']}/s at {q['table_items']['small']} items, "
        f"{q['big_table']['Query']['calls_per_s']}/s at {q['table_items']['big']}"
    )
    print()
    md("variant", "calls/s per arm", "ratio", "emulator CPU ms/call", "CPU ratio", "load avg")
    print("|---|---|---|---|---|---|")
    for v in report["variants"]:
        loads = f"{v['load_average'][0]} .. {v['load_average'][-1]}"
        md(v["variant"], v["calls_per_s"], v["ratio_to_first"], v["cpu_ms"], v["cpu_ratio"], loads)
    failing = [r for found in report["sweep"].values() for r in found["rows"] if r["errors"]]
    for r in failing:  # the emulator answered errors: those calls/s are not a clean ceiling
        print(r["summary"]["headline"])
    print("\nMEASURED for infra/targets/local_capacity.py:", json.dumps(report["measured"]))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=2.0, help="per sweep step")
    parser.add_argument("--variant-seconds", type=float, default=1.5, help="per arm and round")
    parser.add_argument("--concurrency", default="1,2,4,8,16", help="sweep steps")
    parser.add_argument(
        "--scan-items", type=int, default=10_000, help="items added for the scan cost"
    )
    parser.add_argument(
        "--alt-python", help="interpreter of another moto install, compared side by side"
    )
    parser.add_argument("--json", type=Path, help="write the full report here")
    args = parser.parse_args()
    exit_cleanly_on_sigterm()
    try:
        levels = sorted({int(x) for x in args.concurrency.split(",")})
    except ValueError:
        parser.error(f"--concurrency {args.concurrency!r}: expected numbers like 1,2,4,8")
    if args.seconds <= 0 or args.variant_seconds <= 0 or args.scan_items < 1 or levels[0] < 1:
        parser.error(
            "--seconds, --variant-seconds, --scan-items and --concurrency must be positive"
        )
    started = time.monotonic()
    report: dict[str, Any] = {
        "command": "python bench/emulator_capacity.py " + " ".join(sys.argv[1:]),
        "moto": moto_version(sys.executable),
        "load_average_start": load_average(),
    }
    with tempfile.TemporaryDirectory() as logs, ExitStack() as stack:
        a = stack.enter_context(emulator("a", sys.executable, False, Path(logs)))
        b = stack.enter_context(emulator("b", sys.executable, False, Path(logs)))
        quiet = stack.enter_context(emulator("quiet", sys.executable, True, Path(logs)))
        alt = (
            stack.enter_context(emulator("alt", args.alt_python, False, Path(logs)))
            if args.alt_python
            else None
        )
        if args.alt_python:
            report["alt_moto"] = moto_version(args.alt_python)
        report["sweep"] = {op: sweep(a, op, levels, args.seconds) for op in FAMILIES}
        report["variants"] = variants(a, b, quiet, alt, args.variant_seconds)
        report["query_model"] = query_model(b, args.scan_items, args.seconds, 4)
    q, s = report["query_model"], report["sweep"]
    report["measured"] = {
        "get_item_per_s": s["GetItem"]["ceiling_per_s"],
        "query_per_s": s["Query"]["ceiling_per_s"],
        "empty_query_per_s": q["empty_query_per_s"],
        "scanned_items_per_s": q["scanned_items_per_s"],
        "batch_write_per_s": s["BatchWriteItem"]["ceiling_per_s"],
        "put_object_per_s": s["PutObject"]["ceiling_per_s"],
    }
    report["load_average_end"] = load_average()
    report["wall_s"] = round(time.monotonic() - started, 1)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    print_report(report)
    print(f"\n{report['wall_s']} s; load average at the end {report['load_average_end']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
