"""Benchmark: a restore drill of the staging data table on the local target, at several sizes.

    uv run --frozen python bench/restore_drill.py [--sizes 10000 100000] [--writers 8] [--json OUT]

For each size, in a fresh child process (so its peak RSS is the drill's side alone) against a
fresh moto server process: create the staging tables and buckets as the template does, seed N
readings with parallel BatchWriteItem (N/25 requests over --writers threads), take a backup
(fingerprinted: two full scans), run `drill_restore` (restore, re-apply settings, verify by a
streaming scan, drop), then fingerprint the source once more under tracemalloc to measure the
verification's Python allocations. Reports seeding rate, RTO and its phases, peak
RSS, tracemalloc peak, the emulator's RSS and the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import time
import tracemalloc
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REGION = "eu-west-1"
BATCH = 25


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(  # nosec B603 - this interpreter running moto on loopback
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a loaded machine imports moto slowly
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2):  # noqa: S310  # nosec B310
                return server, endpoint
        except urllib.error.HTTPError:
            return server, endpoint  # it answers
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"moto server did not start (exit code {server.poll()})")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def provision(clients: Any, config: Any) -> None:
    """Tables and buckets as the template makes them (and the emulator's CFN skips)."""
    from infra.templates import build_template

    resources = build_template(config).to_dict()["Resources"]
    for logical_id in ("DataTable", "DeploymentsTable"):
        props = resources[logical_id]["Properties"]
        clients.dynamodb.create_table(
            TableName=props["TableName"],
            BillingMode=props["BillingMode"],
            AttributeDefinitions=props["AttributeDefinitions"],
            KeySchema=props["KeySchema"],
            SSESpecification={"Enabled": True},
        )
        clients.dynamodb.update_continuous_backups(
            TableName=props["TableName"],
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    where = {"LocationConstraint": REGION}
    reports = config.names.reports_bucket("123456789012", REGION)
    clients.s3.create_bucket(Bucket=reports, CreateBucketConfiguration=where)
    clients.s3.put_bucket_versioning(Bucket=reports, VersioningConfiguration={"Status": "Enabled"})
    artifacts = config.names.artifact_bucket("123456789012", REGION)
    clients.s3.create_bucket(Bucket=artifacts, CreateBucketConfiguration=where)


def seed(clients: Any, table: str, count: int, writers: int) -> float:
    """N readings (100 sites x N/100 minutes) by parallel BatchWriteItem; returns seconds."""
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def batch(first: int) -> None:
        items = []
        for i in range(first, min(first + BATCH, count)):
            moment = start + timedelta(minutes=i // 100)
            item = {
                "PK": {"S": f"SITE#site-{i % 100}#METRIC#power_kw"},
                "SK": {"S": moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")},
                "value": {"N": repr(float(i % 997) / 10)},
            }
            items.append({"PutRequest": {"Item": item}})
        pending: Any = {table: items}
        while pending:
            answer = clients.dynamodb.batch_write_item(RequestItems=pending)
            pending = answer.get("UnprocessedItems")

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=writers) as pool:
        list(pool.map(batch, range(0, count, BATCH)))
    return time.perf_counter() - began


def child(size: int, writers: int) -> dict[str, Any]:
    """One size, one fresh emulator: seed, backup, drill, memory. Printed as one JSON line."""
    server, endpoint = start_server()
    from infra.aws.sessions import EMULATOR_KEY  # moto's fake key, not a secret

    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ["AWS_ACCESS_KEY_ID"] = os.environ["AWS_SECRET_ACCESS_KEY"] = EMULATOR_KEY
    os.environ["AWS_DEFAULT_REGION"] = REGION
    try:
        from infra.backup import backup, bind, drill_restore
        from infra.config import load_environment
        from infra.targets.local import LocalTarget

        config = load_environment("staging")
        connection = LocalTarget.running().connect(REGION)
        provision(connection.clients, config)
        ctx = bind(connection, config, emit=lambda _line: None)
        seed_s = seed(connection.clients, ctx.protected_table, size, writers)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        began = time.perf_counter()
        made = backup(ctx, "bench", "bench")
        backup_s = time.perf_counter() - began
        result = drill_restore(ctx)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        r = result.record
        tracemalloc.start()
        began = time.perf_counter()
        ctx.fingerprint(ctx.protected_table)
        traced_s = time.perf_counter() - began
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return {
            "size": size,
            "writers": writers,
            "scan_segments": ctx.scan_segments or config.backup.scan_segments,
            "scan_page_size": ctx.scan_page_size,
            "seed_s": round(seed_s, 2),
            "seed_items_per_s": round(size / seed_s),
            "backup_s": round(backup_s, 2),
            "backup_ok": made.ok,
            "verdict": r.verdict.value,
            "items": r.restored.count if r.restored else None,
            "checksum_equal": r.restored == r.expected,
            "table_deleted": r.table_deleted,
            "rto_s": round(r.rto_s or 0, 2),
            "restore_s": round(r.restore_s or 0, 2),
            "settings_s": round(r.settings_s or 0, 2),
            "verify_s": round(r.verify_s or 0, 2),
            "peak_rss_before_drill_mib": round(rss_before, 1),
            "peak_rss_after_drill_mib": round(rss_after, 1),
            "verify_tracemalloc_peak_mib": round(peak / 2**20, 2),
            "verify_under_tracemalloc_s": round(traced_s, 2),
            "emulator_rss_mib": round(rss_mib(server.pid), 1),
            "loadavg": [round(x, 2) for x in os.getloadavg()],
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.writers)))
        return
    results = []
    for size in args.sizes:
        print(f"size {size}: load average {os.getloadavg()}", file=sys.stderr)
        done = subprocess.run(  # nosec B603 - this script, as a child process
            [sys.executable, __file__, "--child", str(size), "--writers", str(args.writers)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"size {size} failed:\n{done.stderr[-3000:]}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1], indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
