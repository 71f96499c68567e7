"""Run one stage in a fresh container: copy the source in, run, stream, copy exports out, remove.

The source is copied (put_archive), never bind-mounted, so a stage cannot change the host tree
except through its declared exports, which are copied back and replace the host's old copy.
Secrets go to the runner's stdin (attached before start, closed after writing), so they are in
no container config; the stage's services run on a network made for this one run.
"""

from __future__ import annotations

import codecs
import io
import json
import secrets as token_source
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from pipeline.catalog import Stage
from pipeline.engines.base import SOURCE_DIR, StageContext
from pipeline.engines.docker.build_log import LOG
from pipeline.engines.docker.ca_bundle import CaBundle
from pipeline.engines.docker.container_spec import (
    ContainerSpec,
    container_spec,
    needed_exports,
    stage_secrets,
)
from pipeline.engines.docker.errors import ContainerError, container_error
from pipeline.engines.docker.services import running_services
from pipeline.engines.docker.source_archive import (
    UnsafeArchive,
    remove_path,
    replace_from_tar,
    source_tar,
)
from pipeline.engines.docker.stage_result import ContainerOutcome, error_result, stage_result
from pipeline.engines.services import ServiceFailed, Waiting
from pipeline.masking import Masker
from pipeline.results import StageResult
from pipeline.sourcefiles import source_files

OUTPUT_LINES_KEPT = 400
REMOVE_HINT = "remove it with `docker rm -f {name}`"

Cancel = Callable[[], None]
StartTimer = Callable[[float, Callable[[], None]], Cancel]
"""Calls the action once after the given seconds unless the returned function cancels it."""


def thread_timer(seconds: float, action: Callable[[], None]) -> Cancel:
    timer = threading.Timer(seconds, action)
    timer.daemon = True
    timer.start()
    return timer.cancel


def run_stage(
    client: Any,
    stage: Stage,
    ctx: StageContext,
    ca_bundle: CaBundle | None,
    network_mode: str = "bridge",
    timeout_s: float | None = None,
    mount_ca: bool = True,
    *,
    waiting: Waiting | None = None,
    start_timer: StartTimer = thread_timer,
) -> StageResult:
    """Run `stage` in a container from `ctx.toolchain_ref` and return its result (never raises
    for container trouble: that becomes an ERROR result with the reason). A stage still running
    after `timeout_s` is killed and reported as ERROR."""
    started = time.monotonic()
    run_id = token_source.token_hex(4)
    masker = Masker(stage_secrets(stage, ctx.secrets).values())
    output: deque[str] = deque(maxlen=OUTPUT_LINES_KEPT)
    try:
        with running_services(client.api, stage, ctx, ca_bundle, run_id, waiting or Waiting()) as (
            network,
            located,
        ):
            spec = container_spec(
                stage,
                ctx,
                ca_bundle,
                network_mode=network_mode,
                mount_ca=mount_ca,
                run_id=run_id,
                service_network=network,
                service_env=located,
            )
            archive = source_tar(
                ctx.repo,
                SOURCE_DIR.strip("/"),
                source_files(ctx.repo),
                extra_paths=needed_exports(stage, ctx),
            )
            exit_code = _run(client, spec, archive, stage, ctx, output, timeout_s, start_timer)
    except (ContainerError, ServiceFailed, OSError, UnsafeArchive) as exc:
        return error_result(
            stage,
            ctx.toolchain_ref,
            masker(str(exc)),
            time.monotonic() - started,
            masker("\n".join(output)),
        )
    outcome = ContainerOutcome(
        stage=stage,
        image=ctx.toolchain_ref,
        exit_code=exit_code,
        output="\n".join(output),
        duration_s=time.monotonic() - started,
        repo=ctx.repo,
        masker=masker,
    )
    return stage_result(outcome)


def _run(
    client: Any,
    spec: ContainerSpec,
    archive: bytes,
    stage: Stage,
    ctx: StageContext,
    output: deque[str],
    timeout_s: float | None = None,
    start_timer: StartTimer = thread_timer,
) -> int:
    api = client.api
    LOG.debug("creating %s", spec.describe())
    container_id = _create(api, spec)
    try:
        _call(f"copying the source into {spec.name}", api.put_archive, container_id, "/", archive)
        stdin = (
            _call(
                f"attaching to the stdin of {spec.name}",
                api.attach_socket,
                container_id,
                params={"stdin": 1, "stream": 1},
            )
            if spec.secrets
            else None
        )
        timed_out = threading.Event()
        cancel = _start_watchdog(api, container_id, timeout_s, timed_out, start_timer)
        try:
            _call(f"starting {spec.name}", api.start, container_id)
            if stdin is not None:
                _send_secrets(stdin, spec.secrets, spec.name)
            _stream_output(api, container_id, spec, stage, ctx, output)
            status = _call(f"waiting for {spec.name}", api.wait, container_id)
        finally:
            cancel()
            if stdin is not None:
                stdin.close()  # already closed once the secrets were sent; never left open
        if timed_out.is_set():
            raise ContainerError(
                f"docker engine: stage {stage.name!r} did not finish within {timeout_s:g} s and "
                f"was killed; find what hangs in the log tail or raise the stage timeout"
            )
        exit_code = int(status.get("StatusCode", -1))
        for path in stage.exports:
            _export(api, container_id, spec.name, path, ctx)
        return exit_code
    finally:
        _remove(api, container_id, spec.name)


def _stream_output(
    api: Any,
    container_id: str,
    spec: ContainerSpec,
    stage: Stage,
    ctx: StageContext,
    output: deque[str],
) -> None:
    doing = f"reading the output of {spec.name}"
    chunks = _call(doing, api.logs, container_id, stream=True, follow=True)
    masker = spec.masker
    for line in _lines(_guarded(chunks, doing)):
        masked = masker(line)
        output.append(masked)
        if ctx.on_output is not None:
            ctx.on_output(stage.name, masked)


def _send_secrets(stdin: Any, secrets: Mapping[str, str], name: str) -> None:
    """Write the secrets as one JSON object to the runner's stdin, then close it (EOF)."""
    raw = getattr(stdin, "_sock", stdin)  # docker-py wraps the hijacked socket
    try:
        raw.sendall(json.dumps(dict(secrets)).encode())
        raw.shutdown(socket.SHUT_WR)
    except OSError as exc:
        raise ContainerError(
            f"docker engine: writing the secrets to the stdin of {name} failed: {exc}; rerun, "
            "and check the daemon's log if it repeats"
        ) from None
    finally:
        stdin.close()


def _start_watchdog(
    api: Any,
    container_id: str,
    timeout_s: float | None,
    fired: threading.Event,
    start_timer: StartTimer,
) -> Cancel:
    if timeout_s is None:
        return lambda: None

    def kill() -> None:
        fired.set()
        try:
            api.kill(container_id)
        except Exception as exc:  # it may have just exited: nothing left to stop
            LOG.debug("docker engine: kill after timeout: %s", exc)

    return start_timer(timeout_s, kill)


def _create(api: Any, spec: ContainerSpec) -> str:
    host_config = api.create_host_config(binds=list(spec.binds), network_mode=spec.network_mode)
    created = _call(
        f"creating {spec.name} from {spec.image}",
        api.create_container,
        spec.image,
        command=list(spec.command),
        environment=dict(spec.env),
        working_dir=spec.working_dir,
        host_config=host_config,
        name=spec.name,
        labels=dict(spec.labels),
        stdin_open=bool(spec.secrets),
    )
    return str(created["Id"])


def _export(api: Any, container_id: str, name: str, path: str, ctx: StageContext) -> None:
    import docker.errors

    destination = ctx.repo / path
    try:
        chunks, _stat = api.get_archive(container_id, f"{SOURCE_DIR}/{path}")
        data = b"".join(chunks)
    except docker.errors.NotFound:
        remove_path(destination)  # the stage did not produce it this time: no stale copy
        return
    except Exception as exc:  # docker-py raises DockerException and requests errors here
        raise container_error(exc, f"copying {path} out of {name}") from exc
    replace_from_tar(data, destination)


def _remove(api: Any, container_id: str, name: str) -> None:
    try:
        api.remove_container(container_id, force=True)
    except Exception as exc:  # never hide the stage's own outcome behind a cleanup problem
        LOG.warning(
            "docker engine: could not remove container %s: %s; %s",
            name,
            exc,
            REMOVE_HINT.format(name=name),
        )


def _call(doing: str, func: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return func(*args, **kwargs)
    except Exception as exc:  # docker-py raises DockerException and requests errors here
        raise container_error(exc, doing) from exc


def _guarded(chunks: Iterable[bytes], doing: str) -> Iterator[bytes]:
    try:
        yield from chunks
    except Exception as exc:  # docker-py raises DockerException and requests errors here
        raise container_error(exc, doing) from exc


def _lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Whole lines from a stream of byte chunks that may split lines (and UTF-8 characters)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = io.StringIO()
    for chunk in chunks:
        text = decoder.decode(chunk)
        while "\n" in text:
            head, text = text.split("\n", 1)
            pending.write(head)
            yield pending.getvalue().rstrip("\r")
            pending = io.StringIO()
        pending.write(text)
    rest = pending.getvalue() + decoder.decode(b"", final=True)
    if rest:
        yield rest.rstrip("\r")
