"""The release manager's commands on the host: the gate checked before any stage runs (bad
input exits 2, saying why), and `rollout status --env prod` (records, and the router's live
weights while a promotion runs the local prod)."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import asdict
from pathlib import Path

from infra.aws.items import ItemTable
from infra.aws.lambda_ import LambdaFunctions
from infra.config import load_environment
from infra.errors import InfraError
from infra.rollout.binding.local_ports import ROUTER_DIR
from infra.rollout.binding.local_prod import read_router_file
from infra.rollout.binding.records import perf_verdicts, release_evidence
from infra.rollout.commands import check_gate, exit_code_of
from infra.rollout.errors import RolloutError, RouterUnavailable
from infra.rollout.ports import Candidate
from infra.rollout.record import RolloutRecord
from infra.rollout.router.config import RuntimeAddress
from infra.rollout.router.runtime import HAProxyRuntime
from infra.rollout.shifters.base import TrafficShifter
from infra.rollout.shifters.haproxy import HAProxyShifter
from infra.rollout.shifters.lambda_alias import LambdaAliasShifter
from infra.rollout.status import read_status, render_status
from infra.rollout.store import RolloutStore
from infra.targets.base import Target, TargetKind
from infra.targets.local import LocalTarget
from infra.targets.local_state import LOCAL_DIR
from infra.targets.select import choose_target, open_target
from pipeline.catalog import PARAM_EMULATOR, PARAM_TARGET
from pipeline.errors import EXIT_OK, UsageError

DIGEST = re.compile(r"^[0-9a-f]{64}$")
GATED = ("promote",)  # kinds whose digest must be green in staging
WITH_DIGEST = ("promote", "hotfix")


def input_problems(kind: str, values: dict[str, str]) -> list[str]:
    """What is wrong with a promotion command's own input (pure): one line per problem."""
    problems = []
    digest = values.get("digest", "")
    if kind in WITH_DIGEST and not DIGEST.fullmatch(digest):
        problems.append(
            f"--digest {digest!r} is not a sha256 digest (64 lowercase hex characters, as "
            "`pipeline release` printed)"
        )
    if kind == "undo" and values.get("to") and not DIGEST.fullmatch(values["to"]):
        problems.append(f"--to {values['to']!r} is not a sha256 digest")
    for name in {"promote": ("approved-by",), "hotfix": ("reason",)}.get(kind, ()):
        if not values.get(name):
            problems.append(f"--{name} is empty: say who approved it" if name == "approved-by"
                            else f"--{name} is empty: say why staging is skipped")  # fmt: skip
    return problems


def preflight(args: argparse.Namespace, repo: Path) -> None:
    """Before a promotion's stage runs: its input, and (promote) the gate on the records the
    target holds. UsageError (exit 2) naming what is wrong; nothing runs then."""
    kind = str(args.kind)
    values = {
        name: str(getattr(args, name.replace("-", "_"), "") or "").strip()
        for name in ("digest", "approved-by", "reason", "to")
    }
    problems = input_problems(kind, values)
    if problems:
        raise UsageError(f"{kind} --env {args.env}: " + "; ".join(problems))
    if kind not in GATED:
        return
    config = load_environment(args.env)
    target = _open(args, repo)
    try:
        conn = target.connect(config.region)
        evidence = release_evidence(conn.clients, load_environment, config.name, conn.account_id)
        check_gate(values["digest"], values["approved-by"], evidence,
                   perf_verdicts(conn.clients, load_environment))  # fmt: skip
    except RolloutError as exc:
        raise UsageError(f"promote --env {args.env}: refused, nothing was changed: {exc}") from None


def rollout_command(args: argparse.Namespace, repo: Path) -> int:
    """`rollout status|promote|abort --env E`."""
    if args.what == "status":
        return rollout_status(args, repo)
    from pipeline.release.entries import promotion as entries
    from pipeline.release.entries.context import EntryContext

    config = load_environment(args.env)
    target = _open(args, repo)
    environ = {PARAM_TARGET: target.kind.value}
    if isinstance(target, LocalTarget):
        environ[PARAM_EMULATOR] = target.endpoint
    ctx = EntryContext(config, repo, {**os.environ, **environ})
    record = entries.rollout_request(ctx, args.what, getattr(args, "full", False))
    print(f"rollout {record.rollout_id}: {record.status.value} at {record.weight}%", flush=True)
    if args.what == "abort":
        return EXIT_OK  # rolled back, as asked
    return exit_code_of(record)  # promote: 1 when the rollout ended rolled back


def rollout_status(args: argparse.Namespace, repo: Path) -> int:
    """`rollout status --env E [--json]`: the latest rollout, each measurement against its
    limit, and the router's (or alias's) live weights when it is active."""
    config = load_environment(args.env)
    target = _open(args, repo)
    clients = target.connect(config.region).clients
    store = RolloutStore(ItemTable(clients, config.names.deployments_table), config.name)
    if target.kind is TargetKind.LOCAL:
        view = read_status(store, lambda record, cand: _local_shifter(repo, record, cand))
    else:
        functions = LambdaFunctions(clients)
        names = config.names
        view = read_status(
            store,
            lambda record, cand: LambdaAliasShifter(
                functions, names.function, names.alias, record.stable_version, cand.version
            ),
        )
    if args.json:
        print(json.dumps(asdict(view), default=str, indent=1), flush=True)
    else:
        for line in render_status(view):
            print(line, flush=True)
    return EXIT_OK


def _local_shifter(repo: Path, record: RolloutRecord, candidate: Candidate) -> TrafficShifter:
    """The router of the promotion running now (its file), to read the weights back."""
    found = read_router_file(repo / ROUTER_DIR)
    if found is None:
        raise RouterUnavailable("no promotion runs the local prod router now")
    stable = found.instances.get(record.stable_version)
    canary = found.instances.get(candidate.version)
    if stable is None or canary is None:
        raise RouterUnavailable("the running local prod does not serve this rollout's versions")
    return HAProxyShifter(HAProxyRuntime(RuntimeAddress(port=found.runtime_port)), stable, canary)


def _open(args: argparse.Namespace, repo: Path) -> Target:
    choice = choose_target(getattr(args, "target", None))
    print(choice.describe(), file=sys.stderr, flush=True)
    try:
        return open_target(choice.kind, start=False, state_dir=repo / LOCAL_DIR)
    except InfraError as exc:
        raise UsageError(f"{args.env}: {exc}") from None
