"""A docker-engine stage's services: containers on a network made for that one stage run.

The network is a user-defined bridge (Docker's DNS resolves each service by its catalog name);
it is `internal` (no way out) when the stage itself declares no network. Every container and the
network are removed afterwards, whatever happened. Readiness is probed from inside the service's
own container, so it works with a remote daemon too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from pipeline.catalog import Network, Service, Stage
from pipeline.engines.base import VENV_DIR, StageContext
from pipeline.engines.docker.build_log import LOG
from pipeline.engines.docker.ca_bundle import CaBundle, container_env
from pipeline.engines.docker.container_spec import CONTAINER_PATH
from pipeline.engines.docker.errors import container_error
from pipeline.engines.services import Waiting, service_url, wait_ready

EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - inside its container, reached only on the run network  # nosec B104
PROBE = "import socket; socket.create_connection(('127.0.0.1', {port}), 1).close()"


@dataclass(frozen=True)
class ServiceSpec:
    """One service container, as data."""

    service: Service
    name: str
    image: str
    command: tuple[str, ...]
    env: Mapping[str, str]
    network: str
    labels: Mapping[str, str]


def network_name(stage: Stage, run_id: str) -> str:
    return f"pipeline-{stage.name}-{run_id}"


def service_specs(
    stage: Stage, ctx: StageContext, ca_bundle: CaBundle | None, network: str, run_id: str
) -> tuple[ServiceSpec, ...]:
    """The containers for the stage's services, each from its toolchain's image."""
    env = {
        "PATH": CONTAINER_PATH,
        "VIRTUAL_ENV": VENV_DIR,
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        **(container_env() if ca_bundle is not None else {}),
    }
    return tuple(
        ServiceSpec(
            service=service,
            name=f"pipeline-{stage.name}-{service.name}-{run_id}",
            image=ctx.service_refs.get(service.name, ctx.toolchain_ref),
            command=service.command(EVERY_INTERFACE, service.port),
            env=env,
            network=network,
            labels={"pipeline.stage": stage.name, "pipeline.service": service.name},
        )
        for service in ctx.catalog.services_of(stage)
    )


@contextmanager
def running_services(
    api: Any,
    stage: Stage,
    ctx: StageContext,
    ca_bundle: CaBundle | None,
    run_id: str,
    waiting: Waiting,
) -> Iterator[tuple[str | None, dict[str, str]]]:
    """Yield (the run network or None, the variables telling the stage where its services are)."""
    if not stage.services:
        yield None, {}
        return
    network = network_name(stage, run_id)
    _call(
        f"creating network {network}",
        api.create_network,
        network,
        driver="bridge",
        internal=stage.network is Network.NONE,
        labels={"pipeline.stage": stage.name},
    )
    started: list[str] = []
    try:
        specs = service_specs(stage, ctx, ca_bundle, network, run_id)
        for spec in specs:
            started.append(_start(api, spec))
        for spec, container_id in zip(specs, started, strict=True):
            wait_ready(
                spec.service,
                partial(_answers, api, container_id, spec.service.port),
                partial(_gone, api, container_id),
                waiting,
            )
        yield (
            network,
            {
                spec.service.url_env: service_url(spec.service.name, spec.service.port)
                for spec in specs
            },
        )
    finally:
        for container_id in started:
            _remove_container(api, container_id)
        try:
            api.remove_network(network)
        except Exception as exc:  # never hide the stage's outcome behind a cleanup problem
            LOG.warning("docker engine: could not remove network %s: %s", network, exc)


def _start(api: Any, spec: ServiceSpec) -> str:
    host_config = api.create_host_config(network_mode=spec.network)
    networking = api.create_networking_config(
        {spec.network: api.create_endpoint_config(aliases=[spec.service.name])}
    )
    created = _call(
        f"creating service {spec.service.name!r} ({spec.name}) from {spec.image}",
        api.create_container,
        spec.image,
        command=list(spec.command),
        environment=dict(spec.env),
        host_config=host_config,
        networking_config=networking,
        name=spec.name,
        labels=dict(spec.labels),
    )
    container_id = str(created["Id"])
    try:
        _call(f"starting service {spec.service.name!r}", api.start, container_id)
    except Exception:
        _remove_container(api, container_id)
        raise
    return container_id


def _answers(api: Any, container_id: str, port: int) -> bool:
    doing = "probing a service"
    probe = _call(doing, api.exec_create, container_id, ["python", "-c", PROBE.format(port=port)])
    _call(doing, api.exec_start, probe["Id"])
    return bool(_call(doing, api.exec_inspect, probe["Id"]).get("ExitCode") == 0)


def _gone(api: Any, container_id: str) -> str | None:
    state = _call("inspecting a service", api.inspect_container, container_id).get("State", {})
    if state.get("Running", False):
        return None
    logs = _call("reading a service's log", api.logs, container_id, tail=10)
    text = logs.decode("utf-8", "replace") if isinstance(logs, bytes) else str(logs)
    return f"exit code {state.get('ExitCode', '?')}; its last lines:\n{text.rstrip()}"


def _call(doing: str, func: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return func(*args, **kwargs)
    except Exception as exc:  # docker-py raises DockerException and requests errors here
        raise container_error(exc, doing) from exc


def _remove_container(api: Any, container_id: str) -> None:
    try:
        api.remove_container(container_id, force=True)
    except Exception as exc:  # never hide the stage's outcome behind a cleanup problem
        LOG.warning("docker engine: could not remove service container %s: %s", container_id, exc)
