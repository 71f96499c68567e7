"""What the deploy-<env> and smoke-<env> stages run: `python -m pipeline.release.stage_entry
deploy|smoke --env E`. Run parameters arrive as environment variables (PIPELINE_TARGET,
PIPELINE_COMMIT, AWS_ENDPOINT_URL, PIPELINE_APP_URL_<ENV>), secrets likewise (AWS_*, SMOKE_TOKEN).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from infra.errors import InfraError, UsageError
from pipeline.catalog import PARAM_COMMIT, PARAM_EMULATOR, PARAM_TARGET
from pipeline.release.endpoints import SmokeEndpoint, smoke_endpoint
from pipeline.release.errors import EXIT_FAILED, EXIT_USAGE, ReleaseError, ReleaseUsageError
from pipeline.release.local_app import single_artifact
from pipeline.release.local_state import LOCAL_DIR
from pipeline.release.smoke import SmokeRun, run_pytest, smoke_environment
from pipeline.release.targets import Target, check_env, choose_target, credential_source


def exit_code_for(exc: InfraError) -> int:
    """infra's mapping: deploy errors carry their code; config/usage errors are 2; else 1."""
    from infra.config import ConfigError

    code = getattr(exc, "exit_code", None)
    if isinstance(code, int):
        return code
    return EXIT_USAGE if isinstance(exc, UsageError | ConfigError) else EXIT_FAILED


def stage_target(environ: Mapping[str, str]) -> Target:
    requested = environ.get(PARAM_TARGET, "").strip() or None
    choice = choose_target(
        requested, None if requested else credential_source(), f"run parameter {PARAM_TARGET}"
    )
    print(choice.describe(), flush=True)
    return choice.target


def check_emulator_reachable_from_here(repo: Path, environ: Mapping[str, str]) -> None:
    """A stage container must not start a private emulator that dies with it."""
    if not environ.get(PARAM_EMULATOR) and not (repo / LOCAL_DIR / "emulator.json").is_file():
        raise ReleaseUsageError(
            f"local target but no emulator to use: set the run parameter {PARAM_EMULATOR} "
            "(`pipeline release` does) or start one with `python -m infra emulator start`"
        )


def deploy(env: str, repo: Path, environ: Mapping[str, str]) -> int:
    from infra.cli import main as infra_main

    target = stage_target(environ)
    if target is Target.LOCAL:
        check_emulator_reachable_from_here(repo, environ)
    artifact = single_artifact(repo)
    commit = environ.get(PARAM_COMMIT, "").strip() or "unknown"
    argv = ["deploy", "--env", env, "--target", target.value, "--artifact", str(artifact)]
    return infra_main([*argv, "--commit", commit])


def smoke(env: str, repo: Path, environ: Mapping[str, str]) -> int:
    from infra.aws import aws_call
    from infra.config import load_environment
    from infra.deploy.connect import connect
    from infra.deploy.records import RecordStore
    from infra.targets.model import TargetKind

    target = stage_target(environ)
    config = load_environment(env)
    conn = connect(TargetKind(target.value), config.region, start_emulator=False)
    api_url = None
    if target is Target.AWS:
        with aws_call("cloudformation DescribeStacks", conn.clients.endpoint):
            stacks = conn.clients.cloudformation.describe_stacks(StackName=config.names.stack)
        described = stacks["Stacks"][0].get("Outputs", [])
        outputs = {o.get("OutputKey", ""): o.get("OutputValue", "") for o in described}
        api_url = outputs.get("ApiUrl")
    endpoint = smoke_endpoint(env, target, environ, api_url)
    store = RecordStore(conn.clients, config.names.deployments_table, env)
    report_dir = repo / "build" / "reports" / f"smoke-{env}"

    def run(ep: SmokeEndpoint, digest: str) -> SmokeRun:
        return run_pytest(repo, ep, digest, report_dir, environ)

    smoke_environment(env, endpoint, store, run)
    return 0


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.release.stage_entry")
    parser.add_argument("action", choices=("deploy", "smoke"))
    parser.add_argument("--env", required=True)
    args = parser.parse_args(argv)
    env_vars = os.environ if environ is None else environ
    repo = Path.cwd()
    try:
        env = check_env(args.env)
        if args.action == "deploy":
            return deploy(env, repo, env_vars)
        return smoke(env, repo, env_vars)
    except ReleaseError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
    except InfraError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return exit_code_for(exc)


if __name__ == "__main__":
    sys.exit(main())
