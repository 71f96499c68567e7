"""The release stages: `build` once, then per-environment stages made from stage kinds.

A kind (deploy, smoke, status, history, promote...) says what one kind of per-environment stage
is: the entry it runs (`python -m pipeline.release.entries KIND --env E`), the run parameters and
secrets it takes, its switches and options, and whether it reaches the environment's app.
`RELEASE` places kinds in the release chain, `PROMOTION` the release manager's prod stages; a
read-only kind runs on demand for any environment.

Adding a release stage: an entry function in `pipeline.release.entries`, a kind here, and (if it
belongs to the release chain) its place in `RELEASE`. The CLI and the Dagger module read both.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.catalog.model import Catalog, CatalogError, Network, Stage, Step, python_cmd
from pipeline.catalog.toolchains import PROJECT_FILES

ARTIFACTS_DIR = "build/artifacts"
BUILD_STAGE = "build"
# The environments the release chain deploys; prod is reached by promotion (`PROMOTION`).
RELEASE_ENVS = ("dev", "staging")
# The in-container side of every per-environment stage.
ENTRY_MODULE = "pipeline.release.entries"

# Run parameters (the scheduler passes each stage the ones it declares, as env vars).
PARAM_TARGET = "PIPELINE_TARGET"  # TARGET_LOCAL | TARGET_AWS
PARAM_COMMIT = "PIPELINE_COMMIT"  # the commit the artifact was built from
PARAM_ACTOR = "PIPELINE_ACTOR"  # who releases (recorded in the deployment record)
PARAM_EMULATOR = "AWS_ENDPOINT_URL"  # local target only: where the emulator answers
PARAM_DRY_RUN = "PIPELINE_DRY_RUN"  # "1": plan only, change nothing
# The release manager's options (promote, hotfix, undo, retire).
PARAM_DIGEST = "PIPELINE_DIGEST"
PARAM_APPROVED_BY = "PIPELINE_APPROVED_BY"
PARAM_REASON = "PIPELINE_REASON"
PARAM_UNDO_TO = "PIPELINE_UNDO_TO"
PARAM_OLDER_THAN = "PIPELINE_OLDER_THAN"
# Local target only, a rehearsal drill: the promoted digest's app answers 5xx at this rate.
PARAM_CANARY_FAULT = "PIPELINE_CANARY_FAULT_ERROR_RATE"
# PARAM_TARGET's values: infra.targets.base.TargetKind's (a test holds them equal).
TARGET_LOCAL = "local"
TARGET_AWS = "aws"
AWS_SECRETS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# pragma: allowlist nextline secret
SMOKE_TOKEN_SECRET = "SMOKE_TOKEN"  # noqa: S105  # nosec B105 - a name, not a value
# The synthetic probe's bearer token (read and write on the probe's own site).
PROBE_TOKEN_SECRET = "PROBE_TOKEN"  # noqa: S105  # nosec B105 - a name, not a value
# Notification endpoints (apprise URLs) of the promotion's notifier: infra.monitoring.notify.
NOTIFY_SECRETS = tuple(
    f"EI_NOTIFY_{channel}_URL" for channel in ("PAGERDUTY", "SLACK", "EMAIL", "WEBHOOK")
)
RELEASE_INPUTS = ("app/**/*.py", "infra/**/*", "ci/src/pipeline/release/**/*.py", *PROJECT_FILES)


def app_url_param(env: str) -> str:
    """The run parameter naming where an environment's API answers (local target: the app the
    release serves; unset on AWS, where the stack's ApiUrl output is used)."""
    return f"PIPELINE_APP_URL_{env.upper()}"


@dataclass(frozen=True)
class Switch:
    """A yes/no option of a stage kind: `--NAME` on the CLI, `NAME` (snake case) in Dagger,
    and the run parameter `param`="1" in the stage."""

    name: str
    param: str
    help: str


DRY_RUN = Switch("dry-run", PARAM_DRY_RUN, "print the plan and stop: nothing is changed")


@dataclass(frozen=True)
class Option:
    """A valued option of a stage kind: `--NAME VALUE` on the CLI, `NAME` (snake case) in
    Dagger, and the run parameter `param` in the stage."""

    name: str
    param: str
    help: str
    required: bool = False


@dataclass(frozen=True)
class StageKind:
    """One kind of per-environment stage; `{env}` in `summary` is the environment's name."""

    name: str
    summary: str
    params: tuple[str, ...]
    secrets: tuple[str, ...] = AWS_SECRETS
    inputs: tuple[str, ...] = RELEASE_INPUTS
    switches: tuple[Switch, ...] = ()
    reaches_app: bool = False  # it talks to the env's API (the local target serves it)
    read_only: bool = False  # changes nothing: runs on demand in any environment
    options: tuple[Option, ...] = ()
    stage_prefix: str = ""  # the stage is `<prefix>-<env>` (default: the kind's name)
    # Why Dagger's local target cannot run it ('' when it can): said, never silently skipped.
    not_on_dagger_local: str = ""

    def stage_name(self, env: str) -> str:
        return f"{self.stage_prefix or self.name}-{env}"

    def stage(self, env: str, needs: tuple[str, ...] = ()) -> Stage:
        params = (
            *self.params,
            *(s.param for s in self.switches),
            *(o.param for o in self.options),
        )
        return Stage(
            name=self.stage_name(env),
            description=self.summary.format(env=env),
            toolchain="python",
            steps=(Step(self.name, python_cmd(ENTRY_MODULE, self.name, "--env", env)),),
            inputs=self.inputs,
            needs=needs,
            network=Network.HOST,  # the local target's emulator and apps are on the loopback
            params=(*params, app_url_param(env)) if self.reaches_app else params,
            secrets=self.secrets,
            cacheable=False,  # effects outside the repository, or a view of them
        )


DEPLOY = StageKind(
    name="deploy",
    summary="deploy the built artifact to {env} (change set, lock, record, verify)",
    params=(PARAM_TARGET, PARAM_COMMIT, PARAM_ACTOR, PARAM_EMULATOR),
    switches=(DRY_RUN,),
)
SMOKE = StageKind(
    name="smoke",
    summary="smoke tests against {env}; a failure marks its deployment record failed",
    params=(PARAM_TARGET, PARAM_EMULATOR),
    secrets=(*AWS_SECRETS, SMOKE_TOKEN_SECRET),
    inputs=(*RELEASE_INPUTS, "tests/smoke/**/*"),
    reaches_app=True,
)
STATUS = StageKind(
    name="status",
    summary="what is live in {env}: stack, digest, alias, latest deploy, lock",
    params=(PARAM_TARGET, PARAM_EMULATOR),
    read_only=True,
)
HISTORY = StageKind(
    name="history",
    summary="the deployment records of {env}, newest first",
    params=(PARAM_TARGET, PARAM_EMULATOR),
    read_only=True,
)
# The release manager's prod stages: the controller runs in the stage against the target
# (infra.rollout). On the local target the stage also runs the local prod for the promotion's
# length (HAProxy in front of the app versions, stopped when it ends; the records in the
# emulator keep what went live). Not in `RELEASE`: each needs a digest and a person.
PROMOTION_PARAMS = (PARAM_TARGET, PARAM_COMMIT, PARAM_ACTOR, PARAM_EMULATOR, PARAM_CANARY_FAULT)
PROMOTION_SECRETS = (*AWS_SECRETS, PROBE_TOKEN_SECRET, *NOTIFY_SECRETS)
NEEDS_A_HOST = (
    "on the local target it reads the release records of the local emulator the host keeps "
    "between runs; a Dagger call's emulator lives for that call only. Use `./pipeline` "
    "locally, or --target aws"
)
DIGEST = Option("digest", PARAM_DIGEST, "the sha256 digest to release (as `release` printed)", True)
PROMOTE = StageKind(
    name="promote",
    stage_prefix="deploy",
    summary="promote a digest green in staging to {env}: canary with analysis, rollback",
    params=PROMOTION_PARAMS,
    secrets=PROMOTION_SECRETS,
    options=(
        DIGEST,
        Option("approved-by", PARAM_APPROVED_BY, "who approved this release (recorded)", True),
    ),
    not_on_dagger_local=NEEDS_A_HOST,
)
HOTFIX = StageKind(
    name="hotfix",
    summary="an audited emergency release to {env}: skips staging, never the canary",
    params=PROMOTION_PARAMS,
    secrets=PROMOTION_SECRETS,
    options=(DIGEST, Option("reason", PARAM_REASON, "why staging is skipped (recorded)", True)),
    not_on_dagger_local=NEEDS_A_HOST,
)
UNDO = StageKind(
    name="undo",
    summary="revert {env} fast to a previous green digest (recorded)",
    params=PROMOTION_PARAMS,
    secrets=PROMOTION_SECRETS,
    options=(Option("to", PARAM_UNDO_TO, "the digest to return to (default: the previous one)"),),
    not_on_dagger_local=NEEDS_A_HOST,
)
RESUME = StageKind(
    name="resume",
    summary="continue {env}'s running rollout where a stopped controller left it",
    params=PROMOTION_PARAMS,
    secrets=PROMOTION_SECRETS,
    not_on_dagger_local=NEEDS_A_HOST,
)
RETIRE = StageKind(
    name="retire",
    summary="delete the Lambda versions of {env} nothing needs any more (keeps undo's)",
    params=(PARAM_TARGET, PARAM_ACTOR, PARAM_EMULATOR),
    secrets=AWS_SECRETS,
    options=(
        Option(
            "older-than",
            PARAM_OLDER_THAN,
            "records younger than this keep their versions, e.g. 24h",
            True,
        ),
    ),
    switches=(DRY_RUN,),
    not_on_dagger_local=NEEDS_A_HOST,
)
PROMOTION_KINDS = (PROMOTE, HOTFIX, UNDO, RESUME, RETIRE)
KINDS = {kind.name: kind for kind in (DEPLOY, SMOKE, STATUS, HISTORY, *PROMOTION_KINDS)}

BUILD = Stage(
    name=BUILD_STAGE,
    description="the reproducible Lambda zip in build/artifacts (prints its sha256 digest)",
    toolchain="python",
    steps=(Step("artifact", python_cmd("infra.artifact", "build", "--out", ARTIFACTS_DIR)),),
    inputs=("app/**/*", "infra/artifact/**/*", "infra/config/**/*", *PROJECT_FILES),
    outputs=(ARTIFACTS_DIR,),
    network=Network.DEFAULT,  # downloads the Lambda-platform wheels from PyPI
)

# Build once, deploy that digest dev -> staging, smoke-test each (a deploy also needs `build`:
# its artifact is copied in).
RELEASE: tuple[Stage, ...] = (
    BUILD,
    DEPLOY.stage("dev", needs=(BUILD_STAGE,)),
    SMOKE.stage("dev", needs=("deploy-dev",)),
    DEPLOY.stage("staging", needs=(BUILD_STAGE, "smoke-dev")),
    SMOKE.stage("staging", needs=("deploy-staging",)),
)
RELEASE_STAGES = tuple(stage.name for stage in RELEASE)
PROMOTION: tuple[Stage, ...] = tuple(kind.stage("prod") for kind in PROMOTION_KINDS)
PROMOTION_ENV = "prod"


def kind_of(stage: Stage) -> tuple[StageKind, str] | None:
    """(kind, environment) of a per-environment stage (`deploy-dev`; `deploy-prod` runs the
    `promote` entry, so its one step names its kind); None for the others."""
    if len(stage.steps) == 1:
        kind = KINDS.get(stage.steps[0].name)
        prefix = f"{kind.stage_prefix or kind.name}-" if kind is not None else ""
        if kind is not None and stage.name.startswith(prefix) and stage.name != prefix:
            return kind, stage.name[len(prefix) :]
    name, _, env = stage.name.partition("-")
    by_name = KINDS.get(name)
    return (by_name, env) if by_name is not None and env else None


def alone(catalog: Catalog, name: str) -> Catalog:
    """`name` run on its own: with the cacheable stages it needs (made again, or answered from
    the cache: `deploy-staging` gets `build`'s artifact) but not the stages with effects it
    needs (what they did is already there: `smoke-dev` does not deploy dev again)."""
    keep, todo = [name], list(catalog.stage(name).needs)
    while todo:
        need = catalog.stage(todo.pop())
        if need.cacheable and need.name not in keep:
            keep.append(need.name)
            todo.extend(need.needs)
    return catalog.only(keep)


def kind_stage(catalog: Catalog, kind: StageKind, env: str) -> Stage:
    """The stage of `kind` for `env`. The one rule for which environments a kind accepts: a
    read-only kind runs in any environment (the config loader validates the name); any other
    kind only where the catalog declares its stage (deploy: dev and staging)."""
    if kind.read_only:
        return kind.stage(env)
    stage = catalog.stages.get(kind.stage_name(env))
    if stage is None or kind_of(stage) != (kind, env):
        found = filter(None, (kind_of(s) for s in catalog.stages.values()))
        envs = [declared for of, declared in found if of == kind]
        raise CatalogError(
            f"--env {env!r}: {kind.name} runs in {', '.join(envs) or 'no environment'} (the "
            f"catalog declares no {kind.name} stage for {env}; prod is reached by promotion)"
        )
    return stage
