"""`python -m infra.perf run|capacity`: binds the real ports and calls the library.

Secrets never come from argv: the load's token is $PERF_TOKEN, or it is minted with the local
signing key from $PERF_SIGNING_KEY (a PEM) or --signing-key-file (a PEM, or the local release's
keys JSON with `private_pem`). Exit codes: 0 green, 1 failed (or a setting exceeded), 2 bad
usage/config, 3 Inconclusive.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from infra.config import EnvironmentConfig, load_environment
from infra.errors import InfraError, UsageError, exit_code_for
from infra.perf.capacity_command import REPORTS, capacity_from_results
from infra.perf.emulator import EmulatorCapacity
from infra.perf.endpoint import HttpEndpoint
from infra.perf.errors import PerfError
from infra.perf.locust_process import LocustProcess
from infra.perf.records import PerfRecords, PerfRecordsPort
from infra.perf.report import SUMMARY_FILE
from infra.perf.stage import PerfPorts, PerfRequest, run_perf
from infra.perf.tokens import DevKeyTokens, StaticToken, TokenSource

# pragma: allowlist nextline secret
TOKEN_ENV = "PERF_TOKEN"  # noqa: S105 - the variable's name  # nosec B105
SIGNING_KEY_ENV = "PERF_SIGNING_KEY"
OVERRIDES = ("users", "spawn_rate_per_s", "duration_s", "min_requests", "sites")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m infra.perf",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="load-test an environment's API and judge it")
    run.add_argument("--env", required=True)
    run.add_argument("--target", choices=("local", "aws"), required=True)
    run.add_argument("--base-url", required=True, help="the API's base URL")
    run.add_argument("--digest", default="", help="the artifact the API must serve")
    run.add_argument("--commit", default="")
    run.add_argument("--out", type=Path, help="report folder (build/reports/perf/<env>)")
    run.add_argument(
        "--records",
        choices=("target", "none"),
        default="target",
        help="read the baseline from and write the record to the target's "
        "deployments table (default), or neither",
    )
    run.add_argument("--signing-key-file", type=Path)
    run.add_argument("--dry-run", action="store_true", help="print the plan only")
    for name in OVERRIDES:
        run.add_argument(
            f"--{name.replace('_', '-')}",
            type=float if "rate" in name else int,
            help=f"override the configured load's {name}",
        )
    capacity = commands.add_parser("capacity", help="a perf run against capacity settings")
    capacity.add_argument("--env", required=True, help="whose settings to check")
    capacity.add_argument("--results-from", help="whose perf run to use (default: --env)")
    capacity.add_argument("--results", type=Path, help=f"a {SUMMARY_FILE} (default: latest)")
    return parser


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    env_vars = os.environ if environ is None else environ
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    try:
        if args.command == "run":
            return _run(args, env_vars)
        return _capacity(args)
    except InfraError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr, flush=True)
        return exit_code_for(exc)


def _run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    config = load_environment(args.env)
    overrides = {n: getattr(args, n) for n in OVERRIDES if getattr(args, n) is not None}
    out = args.out or REPORTS / args.env
    request = PerfRequest(
        args.env,
        args.target,
        args.base_url.rstrip("/"),
        out,
        args.digest,
        args.commit,
        overrides,
        args.dry_run,
    )
    with_records = args.records == "target" and not args.dry_run
    ports = real_ports(config, request, environ, args.signing_key_file, with_records)
    if not with_records and not args.dry_run:
        print("records: off (--records none): no baseline, nothing recorded", flush=True)
    return run_perf(config, request, ports).exit_code


def real_ports(
    config: EnvironmentConfig,
    request: PerfRequest,
    environ: Mapping[str, str],
    signing_key_file: Path | None = None,
    with_records: bool = True,
    emulator: EmulatorCapacity | None = None,
) -> PerfPorts:
    """The production bindings (what a stage entry calls): token from the environment, HTTP
    endpoint, locust from the working directory, records in the target's deployments table."""
    return PerfPorts(
        tokens=token_source(environ, signing_key_file),
        endpoint=HttpEndpoint(request.base_url),
        generator=LocustProcess(Path.cwd(), dict(environ)),
        records=target_records(request.target, config) if with_records else None,
        emulator=emulator,
        emit=lambda line: print(line, flush=True),
        load_average=os.getloadavg,
    )


def token_source(environ: Mapping[str, str], key_file: Path | None) -> TokenSource:
    """$PERF_TOKEN, else a signing key ($PERF_SIGNING_KEY or --signing-key-file)."""
    token = environ.get(TOKEN_ENV, "").strip()
    if token:
        return StaticToken(token)
    pem = environ.get(SIGNING_KEY_ENV, "").strip()
    if not pem and key_file is not None:
        pem = _read_key(key_file)
    if not pem:
        raise UsageError(
            f"no token for the load: set {TOKEN_ENV} (a token the API accepts for the perf "
            f"sites), or {SIGNING_KEY_ENV} / --signing-key-file with the local signing key"
        )
    return DevKeyTokens(pem)


def _read_key(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--signing-key-file {path}: cannot be read ({exc.strerror})") from None
    if text.lstrip().startswith("{"):
        try:
            return str(json.loads(text)["private_pem"])
        except (ValueError, KeyError, TypeError):
            raise UsageError(f"--signing-key-file {path}: JSON without private_pem") from None
    return text


def target_records(target: str, config: EnvironmentConfig) -> PerfRecordsPort:
    """The env's deployments table on the target (a running emulator, or AWS)."""
    from infra.aws.items import ItemTable
    from infra.targets.base import TargetKind
    from infra.targets.select import open_target

    connection = open_target(TargetKind(target), start=False).connect(config.region)
    table = ItemTable(connection.clients, config.names.deployments_table)
    if not table.exists():
        raise PerfError(
            f"the deployments table {table.name} does not exist on the {target} target: deploy "
            f"{config.name} first, or pass --records none (no baseline, nothing recorded)"
        )
    return PerfRecords(table, config.name)


def _capacity(args: argparse.Namespace) -> int:
    return capacity_from_results(
        args.env,
        args.results_from,
        args.results,
        REPORTS,
        lambda line: print(line, flush=True),
        "python -m infra.perf run --env {env} ...",
    )


if __name__ == "__main__":
    sys.exit(main())
