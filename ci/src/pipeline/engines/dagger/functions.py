"""The Dagger module's functions made from the catalog: one per CI stage (`lint`, `test`...) and
one per stage kind (`deploy --env E`, `smoke`, `status`, `history`...). Adding a stage or a kind
to the catalog adds its function; nothing here names a stage.

Each is a plain async function with an explicit `__signature__` whose arguments carry
`Annotated[..., Doc(...)]`, a docstring, and `@function`'s mark. `with_catalog_functions` sets
them on the module object before `@object_type` registers it; the SDK (dagger-io 0.21) finds
them with `inspect.getmembers`, reads `inspect.signature` (which honours `__signature__`),
`typing.get_type_hints` (the annotations) and the docstring, exactly as for a hand-written one.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Annotated, Any, TypeVar

import dagger
from dagger import DefaultPath, Doc, Ignore, function

from pipeline.catalog import (
    AWS_SECRETS,
    E2E_EXPIRED_TOKEN_SECRET,
    E2E_FOREIGN_TOKEN_SECRET,
    E2E_TOKEN_SECRET,
    EXCLUDES,
    GITHUB_TOKEN_SECRET,
    HOST_WIRED_PARAMS,
    KINDS,
    NOTIFY_SECRETS,
    PARAM_ACTOR,
    PARAM_CANARY_FAULT,
    PARAM_COMMIT,
    PARAM_EMULATOR,
    PARAM_TARGET,
    PERF_TOKEN_SECRET,
    PROBE_TOKEN_SECRET,
    SMOKE_TOKEN_SECRET,
    SUITE_SECRETS,
    TARGET_LOCAL,
    Catalog,
    CatalogError,
    Stage,
    StageKind,
    app_url_param,
    kind_of,
)
from pipeline.engines.dagger.checks import check, secret_inputs
from pipeline.engines.dagger.release import ReleaseRequest, run_kind
from pipeline.engines.dagger.release_plan import selection
from pipeline.engines.dagger.stages import PipelineError

Source = Annotated[
    dagger.Directory,
    DefaultPath("/"),
    Ignore(list(EXCLUDES)),
    Doc("The repository to check (default: this repository, minus build output and caches)"),
]
Strict = Annotated[
    bool,
    Doc("Fail on degraded stages too (a check that ran but could not check everything)"),
]
Env = Annotated[
    str, Doc("The environment (infra/environments/<env>.yaml); the kind says which it runs in")
]
Target = Annotated[
    str,
    Doc(
        "local: the AWS emulator as a service of this Dagger session (no account; what it holds "
        "ends with the call); aws: real AWS with the credentials below"
    ),
]
AwsKeyId = Annotated[
    dagger.Secret | None,
    Doc("AWS access key id for --target aws, e.g. env:AWS_ACCESS_KEY_ID (unused on local)"),
]
AwsSecretKey = Annotated[
    dagger.Secret | None,
    Doc("AWS secret access key for --target aws, e.g. env:AWS_SECRET_ACCESS_KEY"),
]
AwsSessionToken = Annotated[
    dagger.Secret | None,
    Doc("AWS session token of temporary credentials (OIDC, SSO), e.g. env:AWS_SESSION_TOKEN"),
]
SmokeToken = Annotated[
    dagger.Secret | None,
    Doc(
        "Bearer token the API accepts, for smoke tests on --target aws, e.g. env:SMOKE_TOKEN "
        "(the local target mints its own)"
    ),
]
PerfToken = Annotated[
    dagger.Secret | None,
    Doc(
        "Bearer token the API accepts for the perf sites (perf-<env>-001...), for the perf "
        "stage on --target aws, e.g. env:PERF_TOKEN (the local target mints its own)"
    ),
]
E2eToken = Annotated[
    dagger.Secret | None,
    Doc(
        "Bearer token the API accepts for the E2E sites (e2e-<env>-a, e2e-<env>-b and "
        "e2e-<env>-a-never-created), for the E2E suite on --target aws, e.g. env:E2E_TOKEN "
        "(the local target mints its own)"
    ),
]
E2eExpiredToken = Annotated[
    dagger.Secret | None,
    Doc(
        "An expired token of the same identity provider, e.g. env:E2E_EXPIRED_TOKEN: the E2E "
        "suite checks it is refused (skipped without it; minted locally)"
    ),
]
E2eForeignToken = Annotated[
    dagger.Secret | None,
    Doc(
        "A valid token for another audience, e.g. env:E2E_FOREIGN_TOKEN: the E2E suite checks "
        "it is refused (skipped without it; minted locally)"
    ),
]
GithubToken = Annotated[
    dagger.Secret | None,
    Doc(
        "GitHub token (read-only is enough) for the workflow audit's online checks (known-"
        "vulnerable actions, impostor commits), e.g. env:GITHUB_TOKEN; without it scan is degraded"
    ),
]
ProbeToken = Annotated[
    dagger.Secret | None,
    Doc("Bearer token of the promotion's synthetic probe on --target aws, e.g. env:PROBE_TOKEN"),
]
NotifyUrl = Annotated[
    dagger.Secret | None,
    Doc("An apprise URL the promotion notifies (never logged), e.g. env:EI_NOTIFY_SLACK_URL"),
]
CanaryFault = Annotated[
    str, Doc("Rehearsal drill, local target only: the promoted digest answers 5xx at this rate")
]
Commit = Annotated[str, Doc("Commit the artifact is built from, recorded with each deploy")]
Actor = Annotated[str, Doc("Who releases, recorded with each deploy")]

REQUIRED = inspect.Parameter.empty
Client = Callable[[], dagger.Client]
Body = Callable[..., Awaitable[str]]
F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T", bound=type)


@dataclass(frozen=True)
class Argument:
    """One argument of a generated function: its name, annotated type and default."""

    name: str
    annotation: Any
    default: Any = REQUIRED


# The argument that carries each run parameter or secret a stage declares, in signature order.
ARGUMENTS: Mapping[str, Argument] = {
    PARAM_TARGET: Argument("target", Target, TARGET_LOCAL),
    AWS_SECRETS[0]: Argument("aws_access_key_id", AwsKeyId, None),
    AWS_SECRETS[1]: Argument("aws_secret_access_key", AwsSecretKey, None),
    AWS_SECRETS[2]: Argument("aws_session_token", AwsSessionToken, None),
    SMOKE_TOKEN_SECRET: Argument("smoke_token", SmokeToken, None),
    PERF_TOKEN_SECRET: Argument("perf_token", PerfToken, None),
    E2E_TOKEN_SECRET: Argument("e2e_token", E2eToken, None),
    E2E_EXPIRED_TOKEN_SECRET: Argument("e2e_expired_token", E2eExpiredToken, None),
    E2E_FOREIGN_TOKEN_SECRET: Argument("e2e_foreign_token", E2eForeignToken, None),
    GITHUB_TOKEN_SECRET: Argument("github_token", GithubToken, None),
    PARAM_COMMIT: Argument("commit", Commit, "unknown"),
    PARAM_ACTOR: Argument("actor", Actor, "dagger"),
    PROBE_TOKEN_SECRET: Argument("probe_token", ProbeToken, None),
    **{key: Argument(key.lower().removeprefix("ei_"), NotifyUrl, None) for key in NOTIFY_SECRETS},
    PARAM_CANARY_FAULT: Argument("canary_fault_error_rate", CanaryFault, ""),
}
# Secrets a kind's function passes on (the others are run parameters).
SECRET_KEYS = (*AWS_SECRETS, *SUITE_SECRETS, PROBE_TOKEN_SECRET, *NOTIFY_SECRETS)
SOURCE = Argument("source", Source)


def never_cached(func: F) -> F:
    """`@function(cache="never")`: a deploy or smoke test must run on every call. The SDK's
    overloads omit `cache` (its runtime accepts it), hence the one ignore."""
    decorated: F = function(cache="never")(func)  # type: ignore[call-overload]
    return decorated


def make_function(
    name: str, doc: str, arguments: Sequence[Argument], body: Body, *, cache: bool = True
) -> Callable[..., Awaitable[str]]:
    """An async method `name(self, <arguments>) -> str` that calls `body(**arguments)`."""
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + [
        inspect.Parameter(
            a.name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=a.default,
            annotation=a.annotation,
        )
        for a in arguments
    ]
    signature = inspect.Signature(parameters, return_annotation=str)

    async def call(self: object, *args: Any, **kwargs: Any) -> str:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        del values["self"]
        return await body(**values)

    call.__name__ = name
    call.__qualname__ = name
    call.__doc__ = doc
    call.__annotations__ = {**{a.name: a.annotation for a in arguments}, "return": str}
    setattr(call, "__signature__", signature)  # noqa: B010 - what inspect.signature reads
    return function(call) if cache else never_cached(call)


def secret_arguments(catalog: Catalog, names: Sequence[str]) -> tuple[Argument, ...]:
    """One optional secret argument per secret the stages (and what they need) declare."""
    declared = {s for name in catalog.closure(names) for s in catalog.stages[name].secrets}
    unknown = sorted(declared - set(ARGUMENTS))
    if unknown:
        raise CatalogError(
            f"stages {', '.join(names)} take the secret(s) {', '.join(unknown)}, which no Dagger "
            "argument carries: add it to pipeline.engines.dagger.functions.ARGUMENTS"
        )
    return tuple(arg for key, arg in ARGUMENTS.items() if key in declared)


def given_secrets(arguments: Sequence[Argument], given: Mapping[str, Any]) -> dict[str, Any]:
    """The secret arguments' values, keyed by the variable the stages declare."""
    names = {arg.name: key for key, arg in ARGUMENTS.items()}
    return {names[a.name]: given[a.name] for a in arguments if a.name in given}


def stage_function(catalog: Catalog, stage: Stage, client: Client) -> Callable[..., Any]:
    """`<stage>(source, strict, <its secrets>)`: run the stage (and what it needs) as a check."""
    secrets = secret_arguments(catalog, (stage.name,))

    async def body(source: dagger.Directory, strict: bool, **given: Any) -> str:
        inputs = secret_inputs(given_secrets(secrets, given))
        return await check(client(), catalog, (stage.name,), source, strict=strict, inputs=inputs)

    doc = f"{stage.description}."
    arguments = (SOURCE, Argument("strict", Strict, False), *secrets)
    return make_function(stage.name.replace("-", "_"), doc, arguments, body)


def kind_arguments(catalog: Catalog, kind: StageKind) -> tuple[Argument, ...]:
    """The arguments a kind's function needs: one per run parameter or secret that a stage of
    its call declares (the engine wires the local services' URLs itself), then its own
    switches (another kind's switch, e.g. deploy's --dry-run inside a local smoke, stays off)."""
    declared: set[str] = set()
    for env in _envs(catalog, kind):
        for stage in selection(catalog, kind, env, TARGET_LOCAL).stages.values():
            declared.update(stage.params, stage.secrets)
    wired = {
        PARAM_EMULATOR,
        *HOST_WIRED_PARAMS,
        *(app_url_param(env) for env in _envs(catalog, kind)),
    }
    switched = {s.param for other in KINDS.values() for s in other.switches}
    switched |= {o.param for other in KINDS.values() for o in other.options}
    unknown = sorted(declared - set(ARGUMENTS) - wired - switched)
    if unknown:
        raise CatalogError(
            f"stage kind {kind.name!r} takes {', '.join(unknown)}, which no Dagger argument "
            "carries: add it to pipeline.engines.dagger.functions.ARGUMENTS"
        )
    switches = [
        Argument(s.name.replace("-", "_"), Annotated[bool, Doc(s.help)], False)
        for s in kind.switches
    ]
    options = [
        Argument(o.name.replace("-", "_"), Annotated[str, Doc(o.help)], "")
        for o in kind.options
        if not o.required
    ]
    required = [
        Argument(o.name.replace("-", "_"), Annotated[str, Doc(o.help)])
        for o in kind.options
        if o.required
    ]  # first: Python puts arguments without a default before the others
    declared_arguments = (arg for key, arg in ARGUMENTS.items() if key in declared)
    return (*required, *declared_arguments, *switches, *options)


def kind_function(catalog: Catalog, kind: StageKind, client: Client) -> Callable[..., Any]:
    """`<kind>(source, env, ...)`: the kind's stage in one environment, with what the call
    must make first (on the local target the emulator lives only for the call)."""
    arguments = kind_arguments(catalog, kind)
    secrets = [key for key in SECRET_KEYS if ARGUMENTS[key] in arguments]
    valued = [(key, arg.name) for key, arg in ARGUMENTS.items() if key not in SECRET_KEYS]
    strings = [(key, name) for key, name in valued if key == PARAM_CANARY_FAULT]

    async def body(source: dagger.Directory, env: str, **given: Any) -> str:
        target = given.get("target", TARGET_LOCAL)
        if kind.not_on_dagger_local and target == TARGET_LOCAL:
            raise PipelineError(f"{kind.name} on the local target: {kind.not_on_dagger_local}")
        request = ReleaseRequest.from_args(
            given.get("target", TARGET_LOCAL),
            given.get("commit", "unknown"),
            given.get("actor", "dagger"),
            {key: given[ARGUMENTS[key].name] for key in secrets},
            {s.param: bool(given[s.name.replace("-", "_")]) for s in kind.switches},
            {o: str(given[o.name.replace("-", "_")]).strip() for o in kind.options},
        )
        drill = {key: str(given[name]) for key, name in strings if given.get(name)}
        if drill:  # a rehearsal's run parameter, not an option of the kind
            request = replace(request, values={**request.values, **drill})
        return await run_kind(client(), catalog, kind, env, source, request)

    where = "any environment" if kind.any_env else ", ".join(_envs(catalog, kind))
    summary = kind.summary.format(env="an environment")
    doc = f"{summary[:1].upper()}{summary[1:]} (runs in {where})."
    env_argument = Argument("env", Env)
    name = kind.name.replace("-", "_")  # `restore-object` is `restore_object` in Python
    return make_function(name, doc, (SOURCE, env_argument, *arguments), body, cache=False)


def catalog_functions(catalog: Catalog, client: Client) -> list[Callable[..., Any]]:
    """A function per stage that is not per-environment, and one per stage kind."""
    stages = [stage for stage in catalog.stages.values() if kind_of(stage) is None]
    return [
        *(stage_function(catalog, stage, client) for stage in stages),
        *(kind_function(catalog, kind, client) for kind in KINDS.values()),
    ]


def with_catalog_functions(
    catalog: Catalog, client: Client, skip: Sequence[str] = ()
) -> Callable[[T], T]:
    """A class decorator, applied before `@object_type`: the catalog's functions, except the
    names in `skip` (written by hand on the class), become the class's methods."""

    def attach(cls: T) -> T:
        for made in catalog_functions(catalog, client):
            if made.__name__ not in skip:
                setattr(cls, made.__name__, made)
        return cls

    return attach


def _envs(catalog: Catalog, kind: StageKind) -> list[str]:
    """The environments the catalog declares the kind's stages in (a read-only kind: any, so
    those of the release chain stand for them)."""
    found = [env for of, env in filter(None, map(kind_of, catalog.stages.values())) if of == kind]
    if found or not kind.any_env:
        return found
    return sorted({env for _, env in filter(None, map(kind_of, catalog.stages.values()))})
