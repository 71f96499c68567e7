"""What a stage is: toolchains, caches, steps, stages and the catalog that checks them.

Standard library only, like the whole catalog package: it imports inside any toolchain
container and inside the Dagger module runtime.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from pipeline.errors import UsageError

REPORTS_DIR = "build/reports"
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


def frozen_env(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """A read-only copy of an environment mapping (stages are frozen data)."""
    return MappingProxyType(dict(mapping or {}))


def python_cmd(*args: str) -> tuple[str, ...]:
    """`python -m <args>`: the argv of a step that runs a module of the toolchain's venv."""
    return ("python", "-m", *args)


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
    env: Mapping[str, str] = field(default_factory=frozen_env)
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
            env=frozen_env(data["env"]),
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


class CatalogError(UsageError, ValueError):
    """The catalog itself is inconsistent (unknown name, cycle, missing toolchain)."""


@dataclass(frozen=True)
class Catalog:
    toolchains: Mapping[str, Toolchain]
    caches: Mapping[str, Cache]
    stages: Mapping[str, Stage]
    services: Mapping[str, Service] = field(default_factory=lambda: MappingProxyType({}))

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

    def only(self, names: Iterable[str]) -> Catalog:
        """A catalog of exactly `names` (in catalog order), each needing the chosen stages it
        depends on here, directly or not (`deploy-staging` with `build` needs `build`)."""
        chosen = {self.stage(name).name for name in names}
        stages = {
            name: replace(stage, needs=tuple(n for n in self.closure(stage.needs) if n in chosen))
            for name, stage in self.stages.items()
            if name in chosen
        }
        return replace(self, stages=MappingProxyType(stages))


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
