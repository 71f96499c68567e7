"""Toolchain images: built once per digest (lock files + recipe + CA bundle), then reused."""

from __future__ import annotations

import io
import re
import tarfile
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pipeline.catalog import Toolchain
from pipeline.engines.docker.base_image import ensure_base_image, image_exists
from pipeline.engines.docker.build_log import LogSink, build_logger
from pipeline.engines.docker.ca_bundle import CaBundle, find_ca_bundle
from pipeline.engines.docker.errors import ImageBuildError, image_error
from pipeline.engines.docker.recipe import (
    LockFile,
    dockerfile,
    image_tag,
    read_lock_files,
    toolchain_digest,
)

BUILD_TIMEOUT_S = 1800  # seconds without build output before docker-py gives up
BUILD_LOG_TAIL = 25
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")

_TAG_LOCKS: dict[str, threading.Lock] = {}
_TAG_LOCKS_GUARD = threading.Lock()

_UNSET: Any = object()


def digest_for(toolchain: Toolchain, repo: Path, ca_bundle: CaBundle | None = _UNSET) -> str:
    """The full toolchain digest (what `toolchain_digest` of the Engine protocol returns)."""
    bundle = find_ca_bundle() if ca_bundle is _UNSET else ca_bundle
    return toolchain_digest(toolchain, read_lock_files(toolchain, repo), bundle)


def ensure_toolchain_image(
    client: Any,
    toolchain: Toolchain,
    repo: Path,
    *,
    ca_bundle: CaBundle | None = _UNSET,
    log: LogSink | None = None,
) -> str:
    """Return the tag `pipeline-<toolchain>:<digest12>`, building the image only if it is absent.

    `client` is a `docker.DockerClient`. The image holds the toolchain's locked venv at /opt/venv
    (from its project's lock files only, so source edits never rebuild it) and the host's CA
    bundle. A present tag returns at once: that is the cache hit.
    """
    bundle = find_ca_bundle() if ca_bundle is _UNSET else ca_bundle
    locks = read_lock_files(toolchain, repo)
    digest = toolchain_digest(toolchain, locks, bundle)
    tag = image_tag(toolchain, digest)
    if image_exists(client, tag):
        return tag
    with _lock_for(tag):
        if image_exists(client, tag):  # another thread built it while we waited
            return tag
        say = build_logger(log)
        started = time.monotonic()
        base = ensure_base_image(client, toolchain, log)
        say(f"building toolchain image {tag} FROM {base}")
        context = build_context(
            dockerfile(toolchain, base, with_ca=bundle is not None), locks, bundle
        )
        labels = {
            "pipeline.toolchain": toolchain.name,
            "pipeline.digest": digest,
            "pipeline.base": base,
        }
        build_image(client, context, tag, labels, build_logger(log, detail=True))
        say(f"toolchain image {tag} built in {time.monotonic() - started:.1f} s")
    return tag


def build_context(text: str, locks: Iterable[LockFile], bundle: CaBundle | None) -> bytes:
    """The docker build context: Dockerfile, project/<lock files>, and ca-bundle.crt if any."""
    entries = [("Dockerfile", text.encode())]
    entries += [(f"project/{lock.in_project}", lock.content) for lock in locks]
    if bundle is not None:
        entries.append(("ca-bundle.crt", bundle.content))
    return context_tar(entries)


def context_tar(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """An in-memory build context of regular files (name, content), mode 0644."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def build_image(
    client: Any, context: bytes, tag: str, labels: Mapping[str, str], say: LogSink
) -> None:
    """Build `tag` from an in-memory context, streaming its log; ImageBuildError on failure."""
    lines = BuildLines(say)
    try:
        stream = client.api.build(
            fileobj=io.BytesIO(context),
            custom_context=True,
            tag=tag,
            labels=dict(labels),
            rm=True,
            forcerm=True,
            pull=False,
            decode=True,
            timeout=BUILD_TIMEOUT_S,
        )
        for chunk in stream:
            if "error" in chunk:
                lines.flush()
                detail = chunk.get("errorDetail", {}).get("message") or chunk["error"]
                raise ImageBuildError(
                    f"docker engine: building {tag} failed: {str(detail).strip()}; check the "
                    f"lock files and that PyPI is reachable from containers (CA bundle, proxy). "
                    f"Build log tail:\n{lines.tail()}"
                )
            lines.feed(str(chunk.get("stream", "")))
        lines.flush()
    except ImageBuildError:
        raise
    except Exception as exc:  # docker-py raises DockerException and requests errors here
        raise image_error(exc, f"building {tag}") from exc


class BuildLines:
    """Reassembles the build stream (chunks split lines; stderr comes wrapped in ANSI colour)."""

    def __init__(self, say: LogSink) -> None:
        self._say = say
        self._pending = ""
        self._recent: deque[str] = deque(maxlen=BUILD_LOG_TAIL)

    def feed(self, text: str) -> None:
        self._pending += ANSI_ESCAPE.sub("", text)
        *complete, self._pending = self._pending.split("\n")
        for line in complete:
            self._emit(line)

    def flush(self) -> None:
        if self._pending:
            self._emit(self._pending)
            self._pending = ""

    def tail(self) -> str:
        return "\n".join(self._recent)

    def _emit(self, line: str) -> None:
        line = line.rstrip()
        if line:
            self._recent.append(line)
            self._say(line)


def _lock_for(tag: str) -> threading.Lock:
    with _TAG_LOCKS_GUARD:
        return _TAG_LOCKS.setdefault(tag, threading.Lock())
