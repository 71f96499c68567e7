"""`pipeline capacity --env E`: the capacity report from the latest perf results (the perf
stage's build/reports/perf/<env>/summary.json), in-process on the host: E's capacity settings
against the load a perf run sustained within the SLO. Exit 0, 1 when a setting is exceeded."""

from __future__ import annotations

import argparse
from pathlib import Path

from infra.perf.capacity_command import REPORTS, capacity_from_results
from pipeline.cli.stage_commands import repo_of


def _out(line: str) -> None:
    print(line, flush=True)


def capacity(args: argparse.Namespace) -> int:
    repo = repo_of(args)
    results = None if args.results is None else Path(args.results).resolve()
    return capacity_from_results(args.env, args.results_from, results, repo / REPORTS, _out)
