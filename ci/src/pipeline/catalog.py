"""The stage catalog: every pipeline stage declared once, as data.

All three engines (dagger, docker, host) read this module and nothing else to learn what a
stage is. It is standard-library only, so it imports inside any toolchain container and inside
the Dagger module runtime.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

REPORTS_DIR = "build/reports"
SYNTH_DIR = "build/synth"
# The uv that installs every toolchain (images, Dagger containers, ./pipeline's bootstrap).
UV_VERSION = "0.13.9"
# Exit code a step uses to say "ran, but could not check everything" (e.g. pip-audit offline).
DEGRADED_EXIT = 3
# How long a recorded result of a stage that reads outside data (vulnerability databases,
# GitHub) is reused: after that a rerun audits again, even with unchanged inputs.
AUDIT_TTL_S = 24 * 3600
# Dagger caches by inputs only: a stage with a TTL gets this variable, which changes once per TTL
# window, so Dagger's cached result of it expires too.
RESULT_EPOCH_ENV = "PIPELINE_RESULT_EPOCH"


def result_epoch(ttl_s: int | None, now_s: float) -> str | None:
    """The TTL window `now_s` (epoch seconds) falls in; None for a stage without a TTL."""
    return None if ttl_s is None else str(int(now_s // ttl_s))


def _frozen(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


def _frozen_services() -> Mapping[str, Service]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Toolchain:
    """A container image recipe: a Debian bookworm Python plus one locked uv project.

    `project` is the folder (relative to the repo root) holding the uv project whose lock is
    installed into `/opt/venv`; the image is rebuilt only when one of `lock_files` changes.
    """

    name: str
    base_image: str
    project: str
    lock_files: tuple[str, ...]
    groups: tuple[str, ...] = ()
    apt_packages: tuple[str, ...] = ()
    python: str = "3.11"


@dataclass(frozen=True)
class Cache:
    """A persistent tool cache: named volume (docker), cache volume (dagger), folder (host)."""

    name: str
    path: str
    env_var: str


@dataclass(frozen=True)
class Step:
    """One command of a stage. `degraded_exit` marks an exit code meaning "partially checked"."""

    name: str
    argv: tuple[str, ...]
    degraded_exit: int | None = None


@dataclass(frozen=True)
class Service:
    """A long-running process a stage talks to (e.g. the AWS emulator), run by the engine.

    Every engine resolves `name` to where the service answers and gives the stage that URL in
    `url_env`: docker and Dagger bind it under the hostname `name` on the stage's network
    (`http://<name>:<port>`); the host engine runs it as a process on a free loopback port.
    `argv` runs in the toolchain's venv; `{host}` and `{port}` in it are where it must listen.
    """

    name: str
    description: str
    toolchain: str
    argv: tuple[str, ...]
    port: int
    url_env: str

    def command(self, host: str, port: int) -> tuple[str, ...]:
        return tuple(arg.format(host=host, port=port) for arg in self.argv)


class Network(StrEnum):
    """What network a stage's container gets: none (isolated), the engine's default, or the
    host's (to reach services on the host's loopback, such as the local AWS emulator)."""

    NONE = "none"
    DEFAULT = "default"
    HOST = "host"


@dataclass(frozen=True)
class Stage:
    """A pipeline stage: which toolchain, which steps, what it reads and writes, what it waits for.

    `inputs` are glob patterns (relative to the repo root) of the files the stage reads: they key
    its cache entry. `outputs` are paths the stage writes and the engines export back to the host.
    Steps always all run (so a lint run reports both ruff check and ruff format); the stage fails
    if any step fails. `result_ttl_s` bounds how long a recorded result is reused (stages that
    read outside data); `notes` say what the stage deliberately leaves out, in every report.
    """

    name: str
    description: str
    toolchain: str
    steps: tuple[Step, ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=_frozen)
    secrets: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    caches: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    network: Network = Network.NONE
    params: tuple[str, ...] = ()  # run parameters it receives as env vars (e.g. the target)
    cacheable: bool = True  # False for stages with effects outside the repo (deploy, smoke)
    result_ttl_s: int | None = None  # None: a recorded result holds until the inputs change
    notes: tuple[str, ...] = ()

    @property
    def report_dir(self) -> str:
        """Where the stage runner writes this stage's result.json, log and reports."""
        return f"{REPORTS_DIR}/{self.name}"

    @property
    def exports(self) -> tuple[str, ...]:
        """Every path the engines copy back to the host after the stage ran."""
        return (self.report_dir, *(o for o in self.outputs if o != self.report_dir))


def stage_to_dict(stage: Stage) -> dict[str, object]:
    """A JSON-ready form of a stage, to run a stage the in-container catalog does not declare."""
    return {
        "name": stage.name,
        "description": stage.description,
        "toolchain": stage.toolchain,
        "steps": [[s.name, list(s.argv), s.degraded_exit] for s in stage.steps],
        "inputs": list(stage.inputs),
        "outputs": list(stage.outputs),
        "env": dict(stage.env),
        "secrets": list(stage.secrets),
        "services": list(stage.services),
        "caches": list(stage.caches),
        "needs": list(stage.needs),
        "network": stage.network.value,
        "params": list(stage.params),
        "cacheable": stage.cacheable,
        "result_ttl_s": stage.result_ttl_s,
        "notes": list(stage.notes),
    }


def stage_from_dict(data: Mapping[str, Any]) -> Stage:
    try:
        return Stage(
            name=str(data["name"]),
            description=str(data["description"]),
            toolchain=str(data["toolchain"]),
            steps=tuple(Step(str(n), tuple(argv), code) for n, argv, code in data["steps"]),
            inputs=tuple(data["inputs"]),
            outputs=tuple(data["outputs"]),
            env=_frozen(data["env"]),
            secrets=tuple(data["secrets"]),
            services=tuple(data["services"]),
            caches=tuple(data["caches"]),
            needs=tuple(data["needs"]),
            network=Network(data.get("network", "none")),
            params=tuple(data.get("params", ())),
            cacheable=bool(data.get("cacheable", True)),
            result_ttl_s=data.get("result_ttl_s"),
            notes=tuple(str(n) for n in data.get("notes", ())),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogError(f"not a stage description: {exc!r}") from None


class CatalogError(ValueError):
    """The catalog itself is inconsistent (unknown name, cycle, missing toolchain)."""


@dataclass(frozen=True)
class Catalog:
    toolchains: Mapping[str, Toolchain]
    caches: Mapping[str, Cache]
    stages: Mapping[str, Stage]
    services: Mapping[str, Service] = field(default_factory=_frozen_services)

    def stage(self, name: str) -> Stage:
        try:
            return self.stages[name]
        except KeyError:
            known = ", ".join(self.stages)
            raise CatalogError(f"unknown stage {name!r}: choose one of {known}") from None

    def toolchain_of(self, stage: Stage) -> Toolchain:
        return self.toolchains[stage.toolchain]

    def caches_of(self, stage: Stage) -> tuple[Cache, ...]:
        return tuple(self.caches[name] for name in stage.caches)

    def services_of(self, stage: Stage) -> tuple[Service, ...]:
        return tuple(self.services[name] for name in stage.services)

    def closure(self, names: Iterable[str]) -> tuple[str, ...]:
        """The named stages plus everything they need, in catalog order."""
        wanted: set[str] = set()
        todo = [self.stage(name).name for name in names]
        while todo:
            name = todo.pop()
            if name not in wanted:
                wanted.add(name)
                todo.extend(self.stages[name].needs)
        return tuple(name for name in self.stages if name in wanted)


def validate(catalog: Catalog) -> Catalog:
    """Check names, references and acyclicity; raise CatalogError naming the offending stage."""
    for name, stage in catalog.stages.items():
        if name != stage.name:
            raise CatalogError(f"stage registered as {name!r} is named {stage.name!r}")
        if stage.toolchain not in catalog.toolchains:
            raise CatalogError(
                f"stage {name!r} uses unknown toolchain {stage.toolchain!r}: "
                f"declare it in the catalog's toolchains ({', '.join(catalog.toolchains)})"
            )
        for cache in stage.caches:
            if cache not in catalog.caches:
                raise CatalogError(f"stage {name!r} uses unknown cache {cache!r}")
        _check_services(catalog, stage)
        if stage.result_ttl_s is not None and stage.result_ttl_s <= 0:
            raise CatalogError(
                f"stage {name!r} has result_ttl_s={stage.result_ttl_s}: use a positive number "
                "of seconds, or cacheable=False for a stage that must always run"
            )
        for need in stage.needs:
            if need not in catalog.stages:
                raise CatalogError(
                    f"stage {name!r} needs unknown stage {need!r}: "
                    f"known stages are {', '.join(catalog.stages)}"
                )
        if not stage.steps:
            raise CatalogError(f"stage {name!r} has no steps")
    _check_acyclic(catalog.stages)
    return catalog


def _check_services(catalog: Catalog, stage: Stage) -> None:
    for service in stage.services:
        if service not in catalog.services:
            raise CatalogError(
                f"stage {stage.name!r} uses unknown service {service!r}: declare it in the "
                f"catalog's services ({', '.join(catalog.services) or 'none declared'})"
            )
        if catalog.services[service].toolchain not in catalog.toolchains:
            raise CatalogError(
                f"service {service!r} uses unknown toolchain "
                f"{catalog.services[service].toolchain!r}"
            )
    if stage.services and stage.network is Network.HOST:
        raise CatalogError(
            f"stage {stage.name!r} declares services and the host network: services are "
            "reached on the stage's own network; use network none or default"
        )


def _check_acyclic(stages: Mapping[str, Stage]) -> None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            cycle = [*visiting[visiting.index(name) :], name]
            raise CatalogError(
                "stage catalog has a cycle: " + " -> ".join(cycle) + "; remove one of these needs"
            )
        visiting.append(name)
        for need in stages[name].needs:
            visit(need)
        visiting.pop()
        done.add(name)

    for name in stages:
        visit(name)


def python_cmd(*args: str) -> tuple[str, ...]:
    return ("python", "-m", *args)


PYTHON_TOOLCHAIN = Toolchain(
    name="python",
    base_image="python:3.11-slim-bookworm",
    project=".",
    lock_files=("pyproject.toml", "uv.lock"),
    groups=("dev",),
    apt_packages=("git",),  # tests and source listing use git
)
SECURITY_TOOLCHAIN = Toolchain(
    name="security",
    base_image="python:3.11-slim-bookworm",
    project="ci/toolchains/security",
    lock_files=("ci/toolchains/security/pyproject.toml", "ci/toolchains/security/uv.lock"),
    apt_packages=("git",),
)

CACHES = (
    Cache("ruff", "/cache/ruff", "RUFF_CACHE_DIR"),
    Cache("mypy", "/cache/mypy", "MYPY_CACHE_DIR"),
    Cache("uv", "/cache/uv", "UV_CACHE_DIR"),
)

# The local AWS emulator as a service; tests/conftest.py uses EMULATOR_URL_ENV when it is set.
EMULATOR_URL_ENV = "PIPELINE_EMULATOR_URL"
EMULATOR_SERVICE = Service(
    name="emulator",
    description="the local AWS emulator (moto server)",
    toolchain="python",
    argv=("python", "-m", "moto.server", "-H", "{host}", "-p", "{port}"),
    port=5000,
    url_env=EMULATOR_URL_ENV,
)
# pragma: allowlist nextline secret
GITHUB_TOKEN_SECRET = "GH_TOKEN"  # noqa: S105  # nosec B105 - a name; zizmor reads it
# Tests that drive the Docker Engine itself cannot run inside a stage container.
DOCKER_MARKER = "docker"
DOCKER_TESTS_COMMAND = f"./run-tests -m {DOCKER_MARKER}"
# Under CI=true a test whose dependency (emulator, scanner venv) is missing fails, never skips.
STRICT_TESTS_ENV = {"CI": "true"}

PY_SOURCES = ("app/**/*.py", "infra/**/*.py", "ci/src/**/*.py")
PROJECT_FILES = ("pyproject.toml", "uv.lock")

STAGES: tuple[Stage, ...] = (
    Stage(
        name="lint",
        description="ruff check and ruff format --check over the whole repository",
        toolchain="python",
        steps=(
            Step("ruff-check", ("ruff", "check", "--output-format=full", ".")),
            Step("ruff-format", ("ruff", "format", "--check", "--diff", ".")),
        ),
        inputs=("**/*.py", "pyproject.toml"),
        caches=("ruff",),
    ),
    Stage(
        name="typecheck",
        description="mypy --strict over app, infra and ci",
        toolchain="python",
        steps=(Step("mypy", ("mypy", "--strict", "app", "infra", "ci/src")),),
        inputs=(*PY_SOURCES, *PROJECT_FILES),
        caches=("mypy",),
    ),
    Stage(
        name="test",
        description="unit tests with coverage (gate 85%), JUnit XML report",
        toolchain="python",
        steps=(
            Step(
                "pytest",
                python_cmd(
                    "pytest",
                    "tests/unit",
                    "-p",
                    "no:cacheprovider",
                    "--cov",
                    "--cov-report=term",
                    f"--cov-report=xml:{REPORTS_DIR}/test/coverage.xml",
                    "--cov-fail-under=85",
                    f"--junitxml={REPORTS_DIR}/test/junit.xml",
                ),
            ),
        ),
        inputs=(*PY_SOURCES, "tests/**/*", *PROJECT_FILES),
        env=_frozen(
            {"COVERAGE_FILE": "/tmp/.coverage", **STRICT_TESTS_ENV}  # noqa: S108  # nosec B108
        ),
    ),
    Stage(
        name="integration",
        description="integration tests against the AWS emulator service, real scanners, JUnit",
        toolchain="python",
        steps=(
            Step(
                "pytest",
                python_cmd(
                    "pytest",
                    "tests/integration",
                    "-m",
                    f"not {DOCKER_MARKER}",
                    "-p",
                    "no:cacheprovider",
                    f"--junitxml={REPORTS_DIR}/integration/junit.xml",
                ),
            ),
        ),
        inputs=("app/**/*", "infra/**/*", "ci/**/*", "tests/**/*", *PROJECT_FILES),
        env=_frozen({**STRICT_TESTS_ENV, "UV_LINK_MODE": "copy"}),  # uv cache: another volume
        services=(EMULATOR_SERVICE.name,),
        caches=("uv",),
        # The scanner tests sync the security toolchain venv, and the bundle test downloads
        # Lambda wheels, from PyPI.
        network=Network.DEFAULT,
        notes=(
            f"tests marked `{DOCKER_MARKER}` are deselected here: they drive the Docker Engine, "
            f"which a stage container does not have; `{DOCKER_TESTS_COMMAND}` runs them on a "
            "host with a daemon (CI does, next to this pipeline)",
        ),
    ),
    Stage(
        name="synth",
        description="CloudFormation templates for dev, staging and prod, validated by cfn-lint",
        toolchain="python",
        steps=(
            Step("synth", python_cmd("infra", "synth", "--all", "--out", SYNTH_DIR)),
            Step("cfn-lint", python_cmd("infra", "lint-templates", SYNTH_DIR)),
        ),
        inputs=("infra/**/*", *PROJECT_FILES),
        outputs=(SYNTH_DIR,),
    ),
    Stage(
        name="scan",
        description="bandit, pip-audit, secret scan, workflow scan (zizmor), IaC scan (checkov)",
        toolchain="security",
        steps=(
            Step("bandit", python_cmd("pipeline.gates", "bandit")),
            Step(
                "pip-audit", python_cmd("pipeline.gates", "pip-audit"), degraded_exit=DEGRADED_EXIT
            ),
            Step("secrets", python_cmd("pipeline.gates", "secrets")),
            Step(
                "workflows",
                python_cmd("pipeline.gates", "workflows"),
                degraded_exit=DEGRADED_EXIT,
            ),
            Step("iac", python_cmd("pipeline.gates", "iac")),
        ),
        inputs=("**/*", ".github/**/*", ".secrets.baseline"),
        # zizmor's online audits (known-vulnerable actions, impostor commits) ask GitHub.
        secrets=(GITHUB_TOKEN_SECRET,),
        needs=("synth",),
        network=Network.DEFAULT,  # pip-audit asks PyPI's vulnerability data, zizmor GitHub's API
        result_ttl_s=AUDIT_TTL_S,  # advisories published since the last run must be seen
    ),
)


# Release: build once, deploy the digest dev -> staging, smoke-test each environment.
ARTIFACTS_DIR = "build/artifacts"
RELEASE_ENVS = ("dev", "staging")
# Run parameters of deploy/smoke stages (the scheduler passes the ones a stage declares).
PARAM_TARGET = "PIPELINE_TARGET"  # local | aws
PARAM_COMMIT = "PIPELINE_COMMIT"  # the commit the artifact was built from
PARAM_ACTOR = "PIPELINE_ACTOR"  # who releases (recorded in the deployment record)
PARAM_EMULATOR = "AWS_ENDPOINT_URL"  # local target only: the emulator on the host's loopback
AWS_SECRETS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# pragma: allowlist nextline secret
SMOKE_TOKEN_SECRET = "SMOKE_TOKEN"  # noqa: S105  # nosec B105 - a name, not a value
RELEASE_INPUTS = ("app/**/*.py", "infra/**/*", "ci/src/pipeline/release/**/*.py", *PROJECT_FILES)


def app_url_param(env: str) -> str:
    """The run parameter naming where an environment's API answers (local target: the app
    container on the host's loopback; unset on AWS, where the stack's ApiUrl output is used)."""
    return f"PIPELINE_APP_URL_{env.upper()}"


def _deploy_stage(env: str, after: str) -> Stage:
    return Stage(
        name=f"deploy-{env}",
        description=f"deploy the built artifact to {env} (change set, lock, record, verify)",
        toolchain="python",
        steps=(Step("deploy", python_cmd("pipeline.release.stage_entry", "deploy", "--env", env)),),
        inputs=RELEASE_INPUTS,
        needs=tuple(dict.fromkeys(("build", after))),  # build: its artifact is copied in
        network=Network.HOST,
        params=(PARAM_TARGET, PARAM_COMMIT, PARAM_ACTOR, PARAM_EMULATOR),
        secrets=AWS_SECRETS,
        cacheable=False,
    )


def _smoke_stage(env: str) -> Stage:
    return Stage(
        name=f"smoke-{env}",
        description=f"smoke tests against {env}; a failure marks its deployment record failed",
        toolchain="python",
        steps=(Step("smoke", python_cmd("pipeline.release.stage_entry", "smoke", "--env", env)),),
        inputs=(*RELEASE_INPUTS, "tests/smoke/**/*"),
        needs=(f"deploy-{env}",),
        network=Network.HOST,
        params=(PARAM_TARGET, PARAM_EMULATOR, app_url_param(env)),
        secrets=(*AWS_SECRETS, SMOKE_TOKEN_SECRET),
        cacheable=False,
    )


STAGES = (
    *STAGES,
    Stage(
        name="build",
        description="the reproducible Lambda zip in build/artifacts (prints its sha256 digest)",
        toolchain="python",
        steps=(Step("artifact", python_cmd("infra.artifact", "build", "--out", ARTIFACTS_DIR)),),
        inputs=("app/**/*", "infra/artifact/**/*", "infra/config/**/*", *PROJECT_FILES),
        outputs=(ARTIFACTS_DIR,),
        network=Network.DEFAULT,  # downloads the Lambda-platform wheels from PyPI
    ),
    _deploy_stage("dev", after="build"),
    _smoke_stage("dev"),
    _deploy_stage("staging", after="smoke-dev"),
    _smoke_stage("staging"),
)

# Files never read as stage inputs nor copied into containers.
EXCLUDES = (
    ".git",
    ".venv",
    "**/.venv",
    ".pipeline",
    "build",
    "ci/sdk",
    "**/__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".coverage",
)

CATALOG = validate(
    Catalog(
        toolchains=MappingProxyType({t.name: t for t in (PYTHON_TOOLCHAIN, SECURITY_TOOLCHAIN)}),
        caches=MappingProxyType({c.name: c for c in CACHES}),
        stages=MappingProxyType({s.name: s for s in STAGES}),
        services=MappingProxyType({EMULATOR_SERVICE.name: EMULATOR_SERVICE}),
    )
)
CI_STAGES = ("lint", "typecheck", "test", "integration", "synth", "scan")
RELEASE_STAGES = ("build", "deploy-dev", "smoke-dev", "deploy-staging", "smoke-staging")
