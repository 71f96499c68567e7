"""The host side of a run whose stages reach an environment (deploy, smoke, ...): open its
target, give the stages their run parameters and secrets, and run the target's lifecycle around
each stage. The local target starts (or reuses) the emulator here, decides where each app will
answer, and serves an app after its deploy; stage containers cannot start containers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from app.local.dev_keys import mint_token
from app.settings import Var
from infra.aws.lambda_ import LambdaFunctions
from infra.aws.s3 import Buckets
from infra.config.model import EnvironmentConfig
from infra.deploy.promotion_source import PROMOTED_DIR, fetch_by_digest
from infra.errors import InfraError
from infra.rollout.providers.probe import PROBE_SITE
from infra.targets.base import Lifecycle, NoLifecycle, TargetChoice, TargetKind
from infra.targets.local import LocalTarget
from infra.targets.local_apps import AppRunner, LocalApps
from infra.targets.local_lifecycle import LocalLifecycle
from infra.targets.local_state import LOCAL_DIR, local_keys, local_token, read_app
from pipeline.catalog import (
    AWS_SECRETS,
    DEPLOY,
    PARAM_ACTOR,
    PARAM_COMMIT,
    PARAM_EMULATOR,
    PARAM_LOCAL_PUBLIC_KEY,
    PARAM_TARGET,
    PROBE_TOKEN_SECRET,
    PROMOTION_KINDS,
    SMOKE_TOKEN_SECRET,
    Stage,
    app_url_param,
    kind_of,
)
from pipeline.release.errors import ReleaseError, ReleaseUsageError
from pipeline.release.suite_tokens import LocalMinter, given_suite_tokens, suite_sites
from pipeline.results import StageResult, Status

Say = Callable[[str], None]


def release_params(
    kind: TargetKind,
    commit: str,
    actor: str,
    emulator_url: str | None = None,
    app_urls: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Run parameters of the per-environment stages; the emulator and app URLs only locally
    (never point boto3 at an emulator on AWS). Each stage gets the ones it declares."""
    params = {PARAM_TARGET: kind.value, PARAM_COMMIT: commit, PARAM_ACTOR: actor}
    if kind is TargetKind.LOCAL:
        if emulator_url:
            params[PARAM_EMULATOR] = emulator_url
        params.update({app_url_param(env): url for env, url in (app_urls or {}).items()})
    return params


def release_secrets(
    kind: TargetKind, environ: Mapping[str, str], local_token: str | None
) -> dict[str, str]:
    """AWS credentials only towards AWS (least privilege); the smoke token for either target
    (locally one the local apps accept)."""
    secrets: dict[str, str] = {}
    if kind is TargetKind.AWS:
        secrets.update({k: environ[k] for k in AWS_SECRETS if environ.get(k)})
    token = local_token if kind is TargetKind.LOCAL else environ.get(SMOKE_TOKEN_SECRET)
    if token:
        secrets[SMOKE_TOKEN_SECRET] = token
    return secrets


@dataclass(frozen=True)
class OnTarget:
    """A run's target, opened: what its stages get, and its lifecycle around them."""

    choice: TargetChoice
    params: Mapping[str, str]
    secrets: Mapping[str, str] = field(repr=False)
    lifecycle: Lifecycle
    app_urls: Mapping[str, str] = field(default_factory=dict)


def open_on_target(
    choice: TargetChoice,
    repo: Path,
    stages: Sequence[Stage],
    runner: Callable[[], AppRunner],
    *,
    commit: str,
    actor: str,
    environ: Mapping[str, str],
    dry_run: bool = False,
    say: Say = print,
) -> OnTarget:
    """Open the target for these stages. Locally: the emulator (started unless one runs),
    where each environment's app answers (a port kept per environment; an app this run does
    not deploy must already be served), the local token, and serving after each deploy (none
    on a dry run, which also stops the emulator again if it started it)."""
    sites = suite_sites(stages, choice.kind.value)  # refuses a bad perf config: exit 2
    if choice.kind is TargetKind.AWS:
        params = release_params(choice.kind, commit, actor)
        secrets = {**release_secrets(choice.kind, environ, None), **given_suite_tokens(environ)}
        return OnTarget(choice, params, secrets, NoLifecycle())
    found = [kind for kind, _ in filter(None, map(kind_of, stages))]
    if found and all(kind.on_demand for kind in found):
        # Backups and drills act on what is deployed: an emulator started now would hold nothing.
        target = LocalTarget.running(repo / LOCAL_DIR)
        say(f"local emulator running at {target.endpoint}")
    else:
        target = LocalTarget.start(repo / LOCAL_DIR)
        say(f"{target.describe_start()} (a host process)")
    apps = LocalApps(
        repo, runner(), target, bundle_for=lambda c, b, d: deployed_bundle(repo, target, c, b, d)
    )
    urls = _app_urls(repo, stages, apps)
    lifecycle = LocalLifecycle(target, None if dry_run else apps, keep_emulator=not dry_run)
    token = local_token(repo) if urls else None
    params = release_params(choice.kind, commit, actor, target.endpoint, urls)
    secrets = release_secrets(choice.kind, environ, token)
    if not sites.empty:
        secrets.update(LocalMinter(local_keys(repo).private_pem).tokens(sites))
    if any(kind in PROMOTION_KINDS for kind in found):
        # The local prod runs in the stage: its versions trust this host's keypair (the host's
        # tokens, e.g. `pipeline rehearse`'s client), and its probe gets a token of it.
        keys = local_keys(repo)
        params[PARAM_LOCAL_PUBLIC_KEY] = keys.public_pem
        secrets[PROBE_TOKEN_SECRET] = mint_token(keys, sites=(PROBE_SITE,))
    return OnTarget(choice, params, secrets, lifecycle, urls)


def deployed_bundle(
    repo: Path, target: LocalTarget, config: EnvironmentConfig, built: Path, digest: str
) -> tuple[Path, str]:
    """The bundle `config`'s function runs: the build's, or a digest promoted to it (`deploy
    --digest`) fetched from its artifact bucket by digest (sha256 checked). When neither can
    be read the build's is returned, and serving refuses the mismatch naming both digests."""
    conn = target.connect(config.region)
    try:
        running = LambdaFunctions(conn.clients).environment(config.names.function)
    except InfraError:
        return built, digest
    deployed = running.get(Var.DIGEST.value, digest)
    if deployed == digest:
        return built, digest
    bucket = config.names.artifact_bucket(conn.account_id, config.region)
    try:
        return fetch_by_digest(
            Buckets(conn.clients), bucket, deployed, repo / PROMOTED_DIR
        ), deployed
    except InfraError:
        return built, digest


def _app_urls(repo: Path, stages: Sequence[Stage], apps: LocalApps) -> dict[str, str]:
    """Where each environment whose API a stage reaches will answer: the app this run serves
    after its deploy, or the one already served."""
    kinds = [found for found in map(kind_of, stages) if found is not None]
    deployed = {env for kind, env in kinds if kind == DEPLOY}
    urls: dict[str, str] = {}
    for kind, env in kinds:
        if not kind.reaches_app:
            continue
        if env in deployed:
            urls[env] = apps.url(env)
            continue
        served = read_app(repo, env)
        if served is None:
            raise ReleaseUsageError(
                f"{env} is not served locally: run `pipeline deploy --env {env}` or "
                "`pipeline release` first"
            )
        urls[env] = served.url
    return urls


class LifecycleHooks:
    """The scheduler's stage hooks, from a target's lifecycle: keyed by stage kind and env."""

    def __init__(self, lifecycle: Lifecycle, say: Say, target: str) -> None:
        self._lifecycle = lifecycle
        self._say = say
        self._target = target

    def before(self, stage: Stage) -> str | None:
        found = kind_of(stage)
        if found is None:
            return None
        kind, env = found
        try:
            self._show(self._lifecycle.before_stage(kind.name, env))
        except (InfraError, ReleaseError) as exc:
            return f"the {self._target} target could not prepare it: {exc}"
        return None

    def after(self, stage: Stage, result: StageResult) -> StageResult:
        found = kind_of(stage)
        if found is None:
            return result
        kind, env = found
        try:
            self._show(self._lifecycle.after_stage(kind.name, env, result.status.ok))
        except (InfraError, ReleaseError) as exc:
            message = f"{stage.name} passed, but the {self._target} target could not follow up"
            self._say(f"{message}: {exc}")
            return replace(result, status=Status.ERROR, message=f"{message}: {exc}")
        return result

    def _show(self, line: str | None) -> None:
        if line:
            self._say(line)
