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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType

from pipeline.catalog.model import (
    DEGRADED_EXIT,
    Catalog,
    CatalogError,
    Network,
    Stage,
    Step,
    python_cmd,
)
from pipeline.catalog.toolchains import PROJECT_FILES
from pipeline.errors import UsageError

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
# Data safety's run parameters (docs/operations/backup-and-restore.md).
PARAM_TO_TIME = "PIPELINE_TO_TIME"  # drill: restore the table as it was then (PITR)
PARAM_OBJECT_KEY = "PIPELINE_OBJECT_KEY"  # restore-object: the report object's key
PARAM_OBJECT_VERSION = "PIPELINE_OBJECT_VERSION"  # restore-object: that version (default newest)
# The release manager's options (promote, hotfix, undo, retire).
PARAM_DIGEST = "PIPELINE_DIGEST"
PARAM_APPROVED_BY = "PIPELINE_APPROVED_BY"
PARAM_REASON = "PIPELINE_REASON"
PARAM_UNDO_TO = "PIPELINE_UNDO_TO"
PARAM_OLDER_THAN = "PIPELINE_OLDER_THAN"
# Local target only, a rehearsal drill: the promoted digest's app answers 5xx at this rate.
PARAM_CANARY_FAULT = "PIPELINE_CANARY_FAULT_ERROR_RATE"
# Local target only, set by `pipeline rehearse`: where the local prod's router listens and its
# runtime API answers ("LISTEN,RUNTIME" loopback ports, so the host's client and weight reader
# find it), and "1": run the config's rehearsal plan and serve on `rehearsal.hold_s` after.
PARAM_ROUTER_PORTS = "PIPELINE_LOCAL_PROD_PORTS"
PARAM_REHEARSAL = "PIPELINE_REHEARSAL"
# Local target only: the public key of the host's local keypair, which the local prod's app
# versions trust (the host's tokens: the rehearsal's client, a person's curl), set by the host.
PARAM_LOCAL_PUBLIC_KEY = "PIPELINE_LOCAL_PUBLIC_KEY"
# The build's label (infra.artifact's --label): the same tree as another release, its own digest.
PARAM_BUILD_LABEL = "PIPELINE_BUILD_LABEL"
HOST_WIRED_PARAMS = (  # set by the host side, never a Dagger argument
    PARAM_ROUTER_PORTS,
    PARAM_REHEARSAL,
    PARAM_BUILD_LABEL,
    PARAM_LOCAL_PUBLIC_KEY,
)
# PARAM_TARGET's values: infra.targets.base.TargetKind's (a test holds them equal).
TARGET_LOCAL = "local"
TARGET_AWS = "aws"
AWS_SECRETS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# pragma: allowlist nextline secret
SMOKE_TOKEN_SECRET = "SMOKE_TOKEN"  # noqa: S105  # nosec B105 - a name, not a value
# The perf and E2E suites' bearer tokens (names, not values): minted host-side from the local
# keypair for the suites' own sites on the local target; given as secrets on AWS.
# pragma: allowlist nextline secret
PERF_TOKEN_SECRET = "PERF_TOKEN"  # noqa: S105  # nosec B105
# pragma: allowlist nextline secret
E2E_TOKEN_SECRET = "E2E_TOKEN"  # noqa: S105  # nosec B105
# Correctly signed tokens the API must refuse (expired; for another audience): let the E2E
# suite's refusal tests run without the signing key (skipped when absent).
# pragma: allowlist nextline secret
E2E_EXPIRED_TOKEN_SECRET = "E2E_EXPIRED_TOKEN"  # noqa: S105  # nosec B105
# pragma: allowlist nextline secret
E2E_FOREIGN_TOKEN_SECRET = "E2E_FOREIGN_TOKEN"  # noqa: S105  # nosec B105
E2E_SECRETS = (E2E_TOKEN_SECRET, E2E_EXPIRED_TOKEN_SECRET, E2E_FOREIGN_TOKEN_SECRET)
SUITE_SECRETS = (SMOKE_TOKEN_SECRET, PERF_TOKEN_SECRET, *E2E_SECRETS)
# The synthetic probe's bearer token (read and write on the probe's own site).
# pragma: allowlist nextline secret
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
    Dagger, the run parameter `param` in the stage. `check` returns what is wrong with a value
    ('' when fine), so both front ends refuse it (exit 2) before anything runs."""

    name: str
    param: str
    help: str
    metavar: str
    required: bool = False
    check: Callable[[str], str] = field(default=lambda _value: "", compare=False)


class OptionRefused(UsageError):
    """A valued option's value is wrong (exit 2, nothing run); the message names it."""


def option_values(given: Mapping[Option, str | None]) -> dict[str, str]:
    """The options given (a value, not None or empty) as their run parameters; a value its
    check refuses raises OptionRefused naming the option and the value. The CLI, the Dagger
    functions and the stage entries all judge options here."""
    values = {}
    for option, value in given.items():
        if not value or not value.strip():
            if option.required and value is not None:
                raise OptionRefused(f"--{option.name} is empty: give a value")
            continue
        problem = option.check(value)
        if problem:
            raise OptionRefused(f"--{option.name} {value!r} {problem}")
        values[option.param] = value
    return values


def aware_time(value: str) -> str:
    """What is wrong with `value` as an ISO 8601 time with a timezone ('' when fine)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return "is not an ISO 8601 time, e.g. 2026-12-04T13:55:00Z"
    return "" if moment.tzinfo is not None else "has no timezone: add Z or +00:00"


def not_blank(value: str) -> str:
    return "" if value.strip() else "is empty"


def sha256_hex(value: str) -> str:
    """What is wrong with `value` as an artifact digest ('' when fine)."""
    if len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return ""
    return "is not a sha256 digest (64 lowercase hex characters, as `release` printed)"


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
    # Changes the world on demand, in any environment, outside the release chain (backups,
    # drills); on a target that lives only for the call it deploys the environment first.
    on_demand: bool = False
    options: tuple[Option, ...] = ()
    subcommand: str = ""  # the CLI's second word: `pipeline drill restore`
    outputs: tuple[str, ...] = ()  # folders it writes besides its report dir (`{env}` filled)
    degraded_exit: int | None = None  # its entry's "ran, but could not judge everything"
    step_summary: bool = False  # its entry writes a Markdown block for the run's summary

    stage_prefix: str = ""  # the stage is `<prefix>-<env>` (default: the kind's name)
    # Why Dagger's local target cannot run it ('' when it can): said, never silently skipped.
    not_on_dagger_local: str = ""

    @property
    def any_env(self) -> bool:
        """It runs in any environment (the config loader judges the name)."""
        return self.read_only or self.on_demand

    def stage_name(self, env: str) -> str:
        return f"{self.stage_prefix or self.name}-{env}"

    def stage(self, env: str, needs: tuple[str, ...] = ()) -> Stage:
        params = (
            *self.params,
            *(s.param for s in self.switches),
            *(o.param for o in self.options),
        )
        argv = python_cmd(ENTRY_MODULE, self.name, "--env", env)
        return Stage(
            name=self.stage_name(env),
            description=self.summary.format(env=env),
            toolchain="python",
            steps=(Step(self.name, argv, self.degraded_exit),),
            inputs=self.inputs,
            outputs=tuple(path.format(env=env) for path in self.outputs),
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
    options=(
        Option(
            "digest",
            PARAM_DIGEST,
            "staging: deploy this digest, green in dev (deployed and smoke-tested), fetched "
            "from dev's artifact store by digest instead of the build's (build once)",
            "DIGEST",
            check=sha256_hex,
        ),
    ),
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
# Data safety (infra.backup): on-demand kinds; `restore` itself is host-side (pipeline.cli).
FRESH_BACKUP = Switch(
    "fresh-backup",
    "PIPELINE_FRESH_BACKUP",
    "take a fingerprinted backup first, then drill it (the content check is then exact)",
)
KEEP = Switch("keep", "PIPELINE_KEEP", "keep the drill table afterwards (default: deleted)")
ALLOW_PROD = Switch(
    "allow-prod", "PIPELINE_ALLOW_PROD", "drill prod deliberately (it reads the whole table)"
)
OBJECT_DRY_RUN = Switch(  # its own parameter: a deploy in the same call stays real
    "dry-run", "PIPELINE_OBJECT_DRY_RUN", "print what would be done and stop: nothing is changed"
)
TO_TIME = Option(
    "to-time",
    PARAM_TO_TIME,
    "restore the table as it was at T (PITR; ISO 8601 with a timezone) instead of the latest "
    "backup",
    "T",
    check=aware_time,
)
OBJECT_KEY = Option(
    "key",
    PARAM_OBJECT_KEY,
    "the report object's key, e.g. reports/<site>/<report>/summary.csv",
    "KEY",
    required=True,
    check=not_blank,
)
OBJECT_VERSION = Option(
    "version", PARAM_OBJECT_VERSION, "serve this version id (default: the newest)", "V"
)
BACKUP = StageKind(
    name="backup",
    summary="back up {env}'s data table (DynamoDB backup, bucket checks, snapshot, record, prune)",
    params=(PARAM_TARGET, PARAM_ACTOR, PARAM_EMULATOR),
    on_demand=True,
)
DRILL = StageKind(
    name="drill",
    summary="restore drill of {env}: restore into a new table, verify count and checksum, "
    "measure RTO/RPO, record, drop the table",
    params=(PARAM_TARGET, PARAM_ACTOR, PARAM_EMULATOR),
    switches=(FRESH_BACKUP, KEEP, ALLOW_PROD),
    options=(TO_TIME,),
    on_demand=True,
    subcommand="restore",
)
RESTORE_OBJECT = StageKind(
    name="restore-object",
    summary="serve a deleted or overwritten report object of {env} again from its versions",
    params=(PARAM_TARGET, PARAM_EMULATOR),
    switches=(OBJECT_DRY_RUN,),
    options=(OBJECT_KEY, OBJECT_VERSION),
    on_demand=True,
)
E2E = StageKind(
    name="e2e",
    summary="end-to-end user flows (tests/e2e) against {env}; a failure marks its deployment "
    "record failed",
    params=(PARAM_TARGET, PARAM_EMULATOR),
    secrets=(*AWS_SECRETS, *E2E_SECRETS),
    inputs=(*RELEASE_INPUTS, "tests/e2e/**/*"),
    reaches_app=True,
)
PERF = StageKind(
    name="perf",
    summary="load test {env}'s API (locust) and gate it on the SLO and the last green run; "
    "records the verdict for promotion",
    params=(PARAM_TARGET, PARAM_COMMIT, PARAM_EMULATOR),
    secrets=(*AWS_SECRETS, PERF_TOKEN_SECRET),
    inputs=(*RELEASE_INPUTS, "tests/perf/**/*"),
    reaches_app=True,
    outputs=("build/reports/perf/{env}",),
    degraded_exit=DEGRADED_EXIT,  # Inconclusive: ran, but could not judge (never a pass)
    step_summary=True,
)
# The release manager's prod stages: the controller runs in the stage against the target
# (infra.rollout). On the local target the stage also runs the local prod for the promotion's
# length (HAProxy in front of the app versions, stopped when it ends; the records in the
# emulator keep what went live). Not in `RELEASE`: each needs a digest and a person.
PROMOTION_PARAMS = (
    PARAM_TARGET, PARAM_COMMIT, PARAM_ACTOR, PARAM_EMULATOR, PARAM_CANARY_FAULT, *HOST_WIRED_PARAMS
)  # fmt: skip
PROMOTION_SECRETS = (*AWS_SECRETS, PROBE_TOKEN_SECRET, *NOTIFY_SECRETS)
NEEDS_A_HOST = (
    "on the local target it reads the release records of the local emulator the host keeps "
    "between runs; a Dagger call's emulator lives for that call only. Use `./pipeline` "
    "locally, or --target aws"
)
DIGEST = Option(
    "digest",
    PARAM_DIGEST,
    "the sha256 digest to release (as `release` printed)",
    "DIGEST",
    required=True,
    check=sha256_hex,
)
PROMOTE = StageKind(
    name="promote",
    stage_prefix="deploy",
    summary="promote a digest green in staging to {env}: canary with analysis, rollback",
    params=PROMOTION_PARAMS,
    secrets=PROMOTION_SECRETS,
    options=(
        DIGEST,
        Option(
            "approved-by",
            PARAM_APPROVED_BY,
            "who approved this release (recorded)",
            "NAME",
            required=True,
            check=not_blank,
        ),
    ),
    not_on_dagger_local=NEEDS_A_HOST,
)
HOTFIX = StageKind(
    name="hotfix",
    summary="an audited emergency release to {env}: skips staging, never the canary",
    params=PROMOTION_PARAMS,
    secrets=PROMOTION_SECRETS,
    options=(
        DIGEST,
        Option(
            "reason",
            PARAM_REASON,
            "why staging is skipped (recorded)",
            "TEXT",
            required=True,
            check=not_blank,
        ),
    ),
    not_on_dagger_local=NEEDS_A_HOST,
)
UNDO = StageKind(
    name="undo",
    summary="revert {env} fast to a previous green digest (recorded)",
    params=PROMOTION_PARAMS,
    secrets=PROMOTION_SECRETS,
    options=(
        Option(
            "to",
            PARAM_UNDO_TO,
            "the digest to return to (default: the previous one)",
            "DIGEST",
            check=sha256_hex,
        ),
    ),
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
            "AGE",
            required=True,
            check=not_blank,
        ),
    ),
    switches=(DRY_RUN,),
    not_on_dagger_local=NEEDS_A_HOST,
)
PROMOTION_KINDS = (PROMOTE, HOTFIX, UNDO, RESUME, RETIRE)
KINDS = {
    kind.name: kind
    for kind in (
        DEPLOY, SMOKE, STATUS, HISTORY, E2E, PERF, BACKUP, DRILL, RESTORE_OBJECT,
        *PROMOTION_KINDS,
    )
}  # fmt: skip

BUILD = Stage(
    name=BUILD_STAGE,
    description="the reproducible Lambda zip in build/artifacts (prints its sha256 digest)",
    toolchain="python",
    steps=(Step("artifact", python_cmd("infra.artifact", "build", "--out", ARTIFACTS_DIR)),),
    inputs=("app/**/*", "infra/artifact/**/*", "infra/config/**/*", *PROJECT_FILES),
    outputs=(ARTIFACTS_DIR,),
    params=(PARAM_BUILD_LABEL,),  # set by `pipeline rehearse` only; part of the cache key
    network=Network.DEFAULT,  # downloads the Lambda-platform wheels from PyPI
)

# Build once, deploy that digest dev -> staging, smoke-test each (a deploy also needs `build`:
# its artifact is copied in). In dev the E2E suite runs next to smoke (both need only the
# deploy, so they run at once): dev is where integration is proven, and staging is deployed only
# when both passed. In staging: smoke, then E2E, then perf, one after the other: the load test
# must not share the app (or this machine's cores) with the E2E suite, and it is the slowest.
RELEASE: tuple[Stage, ...] = (
    BUILD,
    DEPLOY.stage("dev", needs=(BUILD_STAGE,)),
    SMOKE.stage("dev", needs=("deploy-dev",)),
    E2E.stage("dev", needs=("deploy-dev",)),
    DEPLOY.stage("staging", needs=(BUILD_STAGE, "smoke-dev", "e2e-dev")),
    SMOKE.stage("staging", needs=("deploy-staging",)),
    E2E.stage("staging", needs=("smoke-staging",)),
    PERF.stage("staging", needs=("e2e-staging",)),
)
RELEASE_STAGES = tuple(stage.name for stage in RELEASE)
# Declared outside the release chain, run on demand (`pipeline perf --env dev|prod`): perf on
# prod is refused by its config unless `perf.allow_prod: true` (a deliberate choice there).
ON_DEMAND: tuple[Stage, ...] = (
    PERF.stage("dev", needs=("smoke-dev",)),
    PERF.stage("prod"),
)

PROMOTION: tuple[Stage, ...] = tuple(kind.stage("prod") for kind in PROMOTION_KINDS)
PROMOTION_ENV = "prod"


def kind_of(stage: Stage) -> tuple[StageKind, str] | None:
    """(kind, environment) of a per-environment stage (`deploy-dev`, `restore-object-prod`;
    `deploy-prod` runs the `promote` entry, so its one step names its kind; environment names
    have no hyphen); None for the others."""
    if len(stage.steps) == 1:
        kind = KINDS.get(stage.steps[0].name)
        prefix = f"{kind.stage_prefix or kind.name}-" if kind is not None else ""
        if kind is not None and stage.name.startswith(prefix) and stage.name != prefix:
            return kind, stage.name[len(prefix) :]
    name, _, env = stage.name.rpartition("-")
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
    kind only where the catalog declares its stage (deploy: dev and staging). An on-demand kind
    runs anywhere too, after its environment's deploy where the catalog has one (a run drops
    that need unless its target lives only for the call: see `alone`)."""
    if kind.read_only:
        return kind.stage(env)
    if kind.on_demand:
        deploy = catalog.stages.get(DEPLOY.stage_name(env))  # prod's deploy-prod is promotion's
        deployed = deploy is not None and kind_of(deploy) == (DEPLOY, env)
        return kind.stage(env, needs=(deploy.name,) if deploy is not None and deployed else ())
    stage = catalog.stages.get(kind.stage_name(env))
    if stage is None or kind_of(stage) != (kind, env):
        found = filter(None, (kind_of(s) for s in catalog.stages.values()))
        envs = [declared for of, declared in found if of == kind]
        raise CatalogError(
            f"--env {env!r}: {kind.name} runs in {', '.join(envs) or 'no environment'} (the "
            f"catalog declares no {kind.name} stage for {env}; prod is reached by promotion)"
        )
    return stage


def with_stage(catalog: Catalog, stage: Stage) -> Catalog:
    """The catalog plus one stage made on demand (a read-only or on-demand kind's)."""
    return replace(catalog, stages=MappingProxyType({**catalog.stages, stage.name: stage}))
