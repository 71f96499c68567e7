"""Serve an environment's deployed artifact locally, next to the emulator (Lambda can't be
invoked on moto): the function's own environment, the local keypair, the emulator endpoint."""

from __future__ import annotations

import hashlib
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

from app.local.dev_keys import LOCAL_AUDIENCE, LOCAL_ISSUER
from infra.aws.sessions import EMULATOR_KEY
from pipeline.catalog import ARTIFACTS_DIR
from pipeline.release.app_runners import AppRunner
from pipeline.release.errors import AppServingError, ReleaseUsageError
from pipeline.release.local_state import (
    ServedApp,
    app_url,
    local_keys,
    reserve_port,
    write_app,
)

READY_TIMEOUT_S = 60.0
# Variables the function gets on AWS that make no sense for the local app.
AWS_ONLY = ("EI_JWT_JWKS_URL",)
FAULT_PREFIX = "EI_FAULT_"  # rehearsal drills: passed through from the caller's environment


def single_artifact(repo: Path, folder: str = ARTIFACTS_DIR) -> Path:
    """The one Lambda zip the build stage wrote; ReleaseUsageError when there are 0 or many."""
    found = sorted((repo / folder).glob("*.zip"))
    if len(found) != 1:
        what = "no" if not found else f"{len(found)}"
        raise ReleaseUsageError(
            f"{folder} holds {what} Lambda zip(s): run `pipeline build` to build exactly one"
        )
    return found[0]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def app_environment(
    function_env: Mapping[str, str],
    public_pem: str,
    emulator_url: str,
    region: str,
    caller_env: Mapping[str, str],
) -> dict[str, str]:
    """The Lambda function's variables, with local auth (one PEM key instead of the JWKS),
    the emulator as AWS endpoint, fake credentials, and any EI_FAULT_* drill variables."""
    env = {k: v for k, v in function_env.items() if k not in AWS_ONLY}
    env.update(
        {
            "EI_JWT_ISSUER": LOCAL_ISSUER,
            "EI_JWT_AUDIENCE": LOCAL_AUDIENCE,
            "EI_JWT_PUBLIC_KEY": public_pem,
            "AWS_ENDPOINT_URL": emulator_url,
            "AWS_ACCESS_KEY_ID": EMULATOR_KEY,  # moto's fake credentials, never real ones
            "AWS_SECRET_ACCESS_KEY": EMULATOR_KEY,
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
        }
    )
    env.update({k: v for k, v in caller_env.items() if k.startswith(FAULT_PREFIX)})
    return env


def function_environment(emulator_url: str, region: str, function: str) -> dict[str, str]:
    """The deployed function's environment variables, read back from the emulator."""
    from infra.aws.sessions import emulator_session

    client = emulator_session(region).client("lambda", endpoint_url=emulator_url)
    try:
        config = client.get_function_configuration(FunctionName=function)
    except Exception as exc:  # botocore ClientError/EndpointConnectionError
        raise AppServingError(
            f"cannot read function {function} from the emulator at {emulator_url}: {exc}; "
            "deploy the environment first"
        ) from None
    variables = config.get("Environment", {}).get("Variables", {})
    return {str(k): str(v) for k, v in variables.items()}


def wait_until_answering(
    url: str, alive: Callable[[], bool], timeout_s: float = READY_TIMEOUT_S
) -> None:
    """Poll until the server answers HTTP at all (a 500 is its own, smoke-tested problem)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not alive():
            raise AppServingError(f"the app for {url} exited during startup")
        try:
            with urllib.request.urlopen(f"{url}/version", timeout=2):  # noqa: S310  # nosec B310
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise AppServingError(f"the app did not answer {url}/version within {timeout_s:.0f} s")


def serve(
    repo: Path,
    env: str,
    runner: AppRunner,
    emulator_url: str,
    port: int | None = None,
    caller_env: Mapping[str, str] | None = None,
) -> ServedApp:
    """(Re)start `env`'s app from build/artifacts on its recorded port and record it."""
    from infra.config import load_environment

    config = load_environment(env)
    bundle = single_artifact(repo)
    digest = sha256_of(bundle)
    function_env = function_environment(emulator_url, config.region, config.names.function)
    deployed = function_env.get("EI_ARTIFACT_DIGEST", digest)
    if deployed != digest:
        raise AppServingError(
            f"{env} runs digest {deployed[:12]} but build/artifacts holds {digest[:12]}: "
            f"deploy this build (`pipeline deploy --env {env}`) before serving it"
        )
    environ = app_environment(
        function_env,
        local_keys(repo).public_pem,
        emulator_url,
        config.region,
        os.environ if caller_env is None else caller_env,
    )
    chosen = reserve_port(repo, env) if port is None else port
    handle = runner.start(env, bundle, digest, chosen, environ)
    url = app_url(chosen)
    try:
        wait_until_answering(url, lambda: runner.alive(handle))
    except AppServingError as exc:
        logs = getattr(runner, "logs", lambda _h: "")(handle)
        raise AppServingError(f"{exc}; its last output:\n{logs}" if logs else str(exc)) from None
    served = ServedApp(env, url, chosen, digest, runner.name, handle)
    write_app(repo, served)
    return served


def stop_served(repo: Path, runners: Mapping[str, AppRunner]) -> list[str]:
    """Stop every app the release serves from this repo (per its records); returns the envs."""
    from pipeline.release.local_state import APPS_DIR, read_app, remove_app

    stopped = []
    for record in sorted((repo / APPS_DIR).glob("*.json")):
        served = read_app(repo, record.stem)
        if served is None:
            continue
        runner = runners.get(served.runner)
        if runner is not None and runner.stop(served.handle):
            stopped.append(served.env)
        remove_app(repo, served.env)
    return stopped
