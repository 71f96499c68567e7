"""What the Dagger module's per-environment functions decide, as plain data and pure functions:
which stages a call runs, with which parameters and secrets, and how the local target's
emulator and app services are wired. Standard library only (like `plan`): table-tested without
dagger. The stage kinds themselves come from the catalog."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
    SMOKE_TOKEN_SECRET,
    SUITE_SECRETS,
    TARGET_AWS,
    TARGET_LOCAL,
    Catalog,
    CatalogError,
    Stage,
    StageKind,
    alone,
    app_url_param,
    kind_of,
    kind_stage,
    with_stage,
)
from pipeline.engines.base import VENV_DIR

# Set on every non-cacheable stage: a new value per call, so Dagger never answers a deploy or a
# smoke test from its cache.
RUN_ID_ENV = "PIPELINE_RUN_ID"
# AWS credentials reach containers only as Dagger secrets, under the standard variable names.
AWS_REQUIRED_SECRETS = AWS_SECRETS[:2]  # the key pair; the session token is optional
AWS_SESSION_TOKEN = AWS_SECRETS[2]
TARGETS = (TARGET_LOCAL, TARGET_AWS)

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


class ReleaseUsageError(ValueError):
    """A function argument is wrong; the message names it and what to pass instead."""


def parse_target(value: str) -> str:
    if value not in TARGETS:
        raise ReleaseUsageError(
            f"--target {value!r} is not a target: use one of {', '.join(TARGETS)}"
        )
    return value


def check_commit(commit: str) -> str:
    if not _COMMIT.fullmatch(commit):
        raise ReleaseUsageError(
            f"--commit {commit!r} must be a 7-40 character lowercase hex id (or 'unknown')"
        )
    return commit


def run_params(
    target: str, commit: str, actor: str, switches: Mapping[str, bool] | None = None
) -> dict[str, str]:
    """The run parameters of per-environment stages (each stage gets those it declares): the
    switches that are on; on the local target also where the emulator and the apps answer."""
    params = {PARAM_TARGET: target, PARAM_COMMIT: check_commit(commit), PARAM_ACTOR: actor}
    params.update({param: "1" for param, on in (switches or {}).items() if on})
    return {**params, **local_params()} if target == TARGET_LOCAL else params


T = TypeVar("T")


def credentials_for(target: str, provided: Mapping[str, T | None]) -> dict[str, T]:
    """The AWS secrets the stages get: none on the local target (the emulator takes fixed fake
    keys, and real ones must never reach it); on AWS the key pair is required, the session
    token optional."""
    if target == TARGET_LOCAL:
        return {}
    missing = [name for name in AWS_REQUIRED_SECRETS if provided.get(name) is None]
    if missing:
        flags = " ".join(f"--{n.lower().replace('_', '-')}=env:{n}" for n in missing)
        raise ReleaseUsageError(
            f"--target aws needs AWS credentials: pass {flags} (and --aws-session-token="
            f"env:{AWS_SESSION_TOKEN} for temporary credentials), or use --target local"
        )
    return {name: value for name, value in provided.items() if value is not None}


def selection(catalog: Catalog, kind: StageKind, env: str, target: str) -> Catalog:
    """What one `KIND --env E` call runs. On AWS: the stage with the cacheable stages it needs
    (`deploy` builds the artifact first; `smoke` tests what is deployed). Locally the emulator
    lives only for this call, so also what the stage needs in its own environment (`smoke`
    builds and deploys first). Raises CatalogError for a stage the catalog does not declare."""
    stage = kind_stage(catalog, kind, env)
    catalog = with_stage(catalog, stage)
    if target == TARGET_AWS:
        return alone(catalog, stage.name)
    keep = [
        name
        for name in catalog.closure([stage.name])
        if (found := kind_of(catalog.stages[name])) is None or found[1] == env
    ]
    return catalog.only(keep)


def release_selection(catalog: Catalog) -> tuple[str, ...]:
    """build -> deploy dev -> smoke dev + e2e dev -> deploy staging -> smoke, e2e, perf."""
    missing = [name for name in RELEASE_STAGES if name not in catalog.stages]
    if missing:
        raise CatalogError(
            f"the catalog does not declare the release stage(s) {', '.join(missing)}"
        )
    return RELEASE_STAGES


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


def auth_argv(suite_stages: Sequence[str] = ()) -> tuple[str, ...]:
    """Make the throwaway local key pair and a smoke-test token in AUTH_DIR, and the tokens
    the suites of `suite_stages` (perf, e2e) need, one file per secret name."""
    suites = tuple(arg for name in suite_stages for arg in ("--suite-stage", name))
    return (VENV_PYTHON, "-m", LAUNCHER, "auth", "--out", AUTH_DIR, *suites)


def token_file(secret: str) -> str:
    """The file in AUTH_DIR holding a suite secret's token (the smoke token's is `token`)."""
    return "token" if secret == SMOKE_TOKEN_SECRET else secret


def suite_stages(catalog: Catalog, names: Sequence[str]) -> tuple[str, ...]:
    """The stages among `names` whose tokens the auth step mints besides smoke's."""
    return tuple(
        name
        for name in names
        if any(s in SUITE_SECRETS and s != SMOKE_TOKEN_SECRET for s in catalog.stage(name).secrets)
    )


def app_argv(env: str, commit: str) -> tuple[str, ...]:
    """Serve the unpacked bundle with uvicorn, configured like the deployed function."""
    return (
        VENV_PYTHON,
        "-m",
        LAUNCHER,
        "serve",
        "--env",
        env,
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
    stage that reaches an app binds its own environment's app as `app`)."""
    return {PARAM_EMULATOR: EMULATOR_URL, **{app_url_param(env): APP_URL for env in RELEASE_ENVS}}


@dataclass(frozen=True)
class LocalWiring:
    """Which services a stage gets bound on the local target."""

    bind_emulator: bool
    bind_app: bool


def local_wiring(stage: Stage) -> LocalWiring:
    """Every per-environment stage talks to AWS (the emulator); those that reach the app get
    it too. Other stages (build, lint...) get nothing."""
    found = kind_of(stage)
    if found is None:
        return LocalWiring(False, False)
    return LocalWiring(True, found[0].reaches_app)


def env_of(stage: Stage) -> str:
    """`smoke-staging` -> `staging`."""
    found = kind_of(stage)
    if found is None:
        raise ReleaseUsageError(f"stage {stage.name!r} is not a per-environment stage")
    return found[1]
