"""What the Dagger module's release functions (build, deploy, smoke, status, history, release)
decide, as plain data and pure functions: which stages run, with which parameters and secrets,
and how the local target's emulator and app services are wired.

Standard library only (like `plan`), so it is table-tested without dagger.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeVar

from pipeline.catalog import (
    ARTIFACTS_DIR,
    AWS_SECRETS,
    PARAM_ACTOR,
    PARAM_COMMIT,
    PARAM_EMULATOR,
    PARAM_TARGET,
    RELEASE_ENVS,
    RELEASE_STAGES,
    Catalog,
    CatalogError,
    Network,
    Stage,
    Step,
    app_url_param,
    python_cmd,
)
from pipeline.engines.base import VENV_DIR

BUILD_STAGE = "build"
# Set on every non-cacheable stage: a new value per call, so Dagger never answers a deploy or a
# smoke test from its cache.
RUN_ID_ENV = "PIPELINE_RUN_ID"
# AWS credentials reach containers only as Dagger secrets, under the standard variable names.
AWS_REQUIRED_SECRETS = AWS_SECRETS[:2]  # the key pair; the session token is optional
AWS_SESSION_TOKEN = AWS_SECRETS[2]

# The local target inside Dagger: the emulator and the app as services, reached by alias.
EMULATOR_ALIAS = "emulator"
EMULATOR_PORT = 5000
EMULATOR_URL = f"http://{EMULATOR_ALIAS}:{EMULATOR_PORT}"
APP_ALIAS = "app"
APP_PORT = 8000
APP_URL = f"http://{APP_ALIAS}:{APP_PORT}"

# The build stage's artifact (infra.artifact's output names).
BUNDLE_FILE = "lambda.zip"
DIGEST_FILE = "lambda.zip.sha256"
# Inside the app service: the bundle unpacked where Lambda unpacks it, and the local auth files.
TASK_DIR = "/var/task"
BUNDLE_PATH = f"/artifact/{BUNDLE_FILE}"
AUTH_DIR = "/auth"
LAUNCHER = "pipeline.engines.dagger.app_service"
VENV_PYTHON = f"{VENV_DIR}/bin/python"

_DIGEST = re.compile(r"[0-9a-f]{64}")
_COMMIT = re.compile(r"[0-9a-f]{7,40}|unknown")


class Target(StrEnum):
    """Where a Dagger deploy goes: the emulator inside this Dagger session, or real AWS."""

    LOCAL = "local"
    AWS = "aws"


class ReleaseUsageError(ValueError):
    """A function argument is wrong; the message names it and what to pass instead."""


def parse_target(value: str) -> Target:
    try:
        return Target(value)
    except ValueError:
        allowed = ", ".join(t.value for t in Target)
        raise ReleaseUsageError(
            f"--target {value!r} is not a target: use one of {allowed}"
        ) from None


def check_env(env: str) -> str:
    if env not in RELEASE_ENVS:
        raise ReleaseUsageError(
            f"--env {env!r} cannot be deployed by this module: use one of "
            f"{', '.join(RELEASE_ENVS)} (prod is promoted by the release manager)"
        )
    return env


def check_commit(commit: str) -> str:
    if not _COMMIT.fullmatch(commit):
        raise ReleaseUsageError(
            f"--commit {commit!r} must be a 7-40 character lowercase hex id (or 'unknown')"
        )
    return commit


def deploy_stage(env: str) -> str:
    return f"deploy-{check_env(env)}"


def smoke_stage(env: str) -> str:
    return f"smoke-{check_env(env)}"


def run_params(target: Target, commit: str, actor: str) -> dict[str, str]:
    """The run parameters of deploy and smoke stages (each stage gets those it declares);
    on the local target also where the emulator and the apps answer."""
    params = {PARAM_TARGET: target.value, PARAM_COMMIT: check_commit(commit), PARAM_ACTOR: actor}
    return {**params, **local_params()} if target is Target.LOCAL else params


T = TypeVar("T")


def credentials_for(target: Target, provided: Mapping[str, T | None]) -> dict[str, T]:
    """The AWS secrets the stages get: none on the local target (the emulator takes fixed fake
    keys, and real ones must never reach it); on AWS the key pair is required, the session
    token optional."""
    if target is Target.LOCAL:
        return {}
    missing = [name for name in AWS_REQUIRED_SECRETS if provided.get(name) is None]
    if missing:
        flags = " ".join(f"--{n.lower().replace('_', '-')}=env:{n}" for n in missing)
        raise ReleaseUsageError(
            f"--target aws needs AWS credentials: pass {flags} (and --aws-session-token="
            f"env:{AWS_SESSION_TOKEN} for temporary credentials), or use --target local"
        )
    return {name: value for name, value in provided.items() if value is not None}


def select_stages(catalog: Catalog, names: Sequence[str], *, with_needs: bool) -> list[Stage]:
    """The stages to run: `names` plus everything they need, or exactly `names`, each needing
    the selected stages it depends on in the catalog, directly or not (`deploy-staging` alone
    with `build` needs `build`; `smoke-dev` alone needs nothing)."""
    if with_needs:
        return [catalog.stage(name) for name in catalog.closure(names)]
    chosen = [catalog.stage(name) for name in names]

    def needs(stage: Stage) -> tuple[str, ...]:
        upstream = set(catalog.closure(stage.needs))
        return tuple(s.name for s in chosen if s.name in upstream)

    return [replace(stage, needs=needs(stage)) for stage in chosen]


def deploy_selection(env: str) -> tuple[str, ...]:
    """`deploy --env E`: build the artifact, then deploy it (the gates of a full release are
    `release`'s job)."""
    return (BUILD_STAGE, deploy_stage(env))


def smoke_selection(env: str, target: Target) -> tuple[str, ...]:
    """`smoke --env E`: on AWS, test what is deployed; locally the emulator lives only for this
    Dagger session, so build and deploy into it first."""
    if target is Target.AWS:
        return (smoke_stage(env),)
    return (BUILD_STAGE, deploy_stage(env), smoke_stage(env))


def release_selection(catalog: Catalog) -> tuple[str, ...]:
    """build -> deploy dev -> smoke dev -> deploy staging -> smoke staging."""
    missing = [name for name in RELEASE_STAGES if name not in catalog.stages]
    if missing:
        raise CatalogError(
            f"the catalog does not declare the release stage(s) {', '.join(missing)}"
        )
    return RELEASE_STAGES


def is_local_service_stage(stage: Stage) -> bool:
    """Stages that talk to AWS (deploy, smoke, status, history) get the emulator locally."""
    return stage.name.startswith(("deploy-", "smoke-", "status-", "history-"))


def is_smoke(stage: Stage) -> bool:
    return stage.name.startswith("smoke-")


def env_of(stage: Stage) -> str:
    """`smoke-staging` -> `staging`."""
    return stage.name.split("-", 1)[1]


def inspect_stage(command: str, env: str, target: Target) -> Stage:
    """`python -m infra status|history --env E --target T` as a stage (not in the catalog:
    it only reads, so it runs by --stage-json)."""
    if command not in ("status", "history"):
        raise ReleaseUsageError(f"unknown inspect command {command!r}: use status or history")
    return Stage(
        name=f"{command}-{check_env(env)}",
        description=f"{command} of {env} on the {target.value} target",
        toolchain="python",
        steps=(
            Step(command, python_cmd("infra", command, "--env", env, "--target", target.value)),
        ),
        inputs=("infra/**/*",),
        secrets=AWS_SECRETS,
        network=Network.HOST,
        params=(PARAM_EMULATOR,),
        cacheable=False,
    )


def parse_digest(text: str) -> str:
    """The sha256 in `lambda.zip.sha256` (`<digest>  lambda.zip`)."""
    digest = (text.split() or [""])[0]
    if not _DIGEST.fullmatch(digest):
        raise ReleaseUsageError(
            f"{ARTIFACTS_DIR}/{DIGEST_FILE} holds {text.strip()[:80]!r}, not a sha256 digest: "
            "the build stage must write `<sha256>  lambda.zip` there"
        )
    return digest


def emulator_argv() -> tuple[str, ...]:
    """moto server on every interface of its service container (port EMULATOR_PORT)."""
    every_interface = "0.0.0.0"  # noqa: S104 - reached only through its service alias  # nosec B104
    return (f"{VENV_DIR}/bin/moto_server", "-H", every_interface, "-p", str(EMULATOR_PORT))


def unpack_bundle_argv() -> tuple[str, ...]:
    return (VENV_PYTHON, "-m", "zipfile", "-e", BUNDLE_PATH, TASK_DIR)


def auth_argv() -> tuple[str, ...]:
    """Make the throwaway local key pair and a smoke-test token in AUTH_DIR."""
    return (VENV_PYTHON, "-m", LAUNCHER, "auth", "--out", AUTH_DIR)


def app_argv(env: str, commit: str) -> tuple[str, ...]:
    """Serve the unpacked bundle with uvicorn, configured like the deployed function."""
    return (
        VENV_PYTHON,
        "-m",
        LAUNCHER,
        "serve",
        "--env",
        check_env(env),
        "--bundle",
        BUNDLE_PATH,
        "--task-dir",
        TASK_DIR,
        "--public-key",
        f"{AUTH_DIR}/public.pem",
        "--emulator-url",
        EMULATOR_URL,
        "--commit",
        check_commit(commit),
        "--port",
        str(APP_PORT),
    )


def local_params() -> dict[str, str]:
    """Run parameters of the local target: the emulator's and each app's URL by alias (every
    smoke container binds its own environment's app as `app`)."""
    return {PARAM_EMULATOR: EMULATOR_URL, **{app_url_param(env): APP_URL for env in RELEASE_ENVS}}


@dataclass(frozen=True)
class LocalWiring:
    """Which services a stage gets bound on the local target."""

    bind_emulator: bool
    bind_app: bool


def local_wiring(stage: Stage) -> LocalWiring:
    talks_to_aws = is_local_service_stage(stage)
    return LocalWiring(talks_to_aws, talks_to_aws and is_smoke(stage))
