"""The base a toolchain image is built FROM: the registry image if it can be had, else Debian.

Without a reachable image registry the docker engine does not fail: it builds an equivalent
Debian bookworm root filesystem from the Debian archive with mmdebstrap and imports it, once.
"""

from __future__ import annotations

import shutil
import subprocess  # nosec B404 - mmdebstrap is the documented fallback for a missing registry
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from pipeline.catalog import Toolchain
from pipeline.engines.docker.build_log import LogSink, build_logger
from pipeline.engines.docker.errors import BaseImageError, describe, image_error

DEBIAN_SUITE = "bookworm"
DEBIAN_PYTHON = "3.11"  # the only CPython Debian bookworm ships
FALLBACK_REPOSITORY = "pipeline-base"
MMDEBSTRAP_PACKAGES = ("python3", "python3-venv", "python3-pip", "ca-certificates", "git")
MMDEBSTRAP_TIMEOUT_S = 900
PULL_TIMEOUT_S = 300

_LOCK = threading.Lock()


def fallback_tag(python: str) -> str:
    return f"{FALLBACK_REPOSITORY}:{DEBIAN_SUITE}-py{python}"


def mmdebstrap_argv(out: Path) -> list[str]:
    return [
        "mmdebstrap",
        "--variant=apt",
        "--include=" + ",".join(MMDEBSTRAP_PACKAGES),
        DEBIAN_SUITE,
        str(out),
    ]


def image_exists(client: Any, ref: str) -> bool:
    import docker.errors

    try:
        client.api.inspect_image(ref)
    except docker.errors.ImageNotFound:
        return False
    except docker.errors.APIError as exc:
        if exc.status_code == 404:
            return False
        raise image_error(exc, f"inspecting image {ref}") from exc
    return True


def ensure_base_image(client: Any, toolchain: Toolchain, log: LogSink | None = None) -> str:
    """Return a local image to build `toolchain` FROM, pulling or making one when needed."""
    say = build_logger(log)
    with _LOCK:  # two toolchains prepared concurrently must not both run mmdebstrap
        if image_exists(client, toolchain.base_image):
            say(f"base image: {toolchain.base_image} (present locally)")
            return toolchain.base_image
        pulled, why = _try_pull(client, toolchain.base_image)
        if pulled:
            say(f"base image: {toolchain.base_image} (pulled)")
            return toolchain.base_image
        fallback = fallback_tag(toolchain.python)
        if image_exists(client, fallback):
            say(
                f"base image: {fallback} (Debian {DEBIAN_SUITE} from mmdebstrap, reused; "
                f"{toolchain.base_image} cannot be pulled: {why})"
            )
            return fallback
        say(
            f"base image: {toolchain.base_image} cannot be pulled ({why}); building {fallback} "
            f"from the Debian archive with mmdebstrap"
        )
        _build_with_mmdebstrap(client, toolchain, fallback, say)
        return fallback


def _try_pull(client: Any, ref: str) -> tuple[bool, str]:
    import docker.errors
    import requests.exceptions

    repository, _, tag = ref.partition(":")
    try:
        client.api.pull(repository, tag=tag or "latest")
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        return False, describe(exc)
    return True, ""


def _build_with_mmdebstrap(client: Any, toolchain: Toolchain, tag: str, say: LogSink) -> None:
    if toolchain.python != DEBIAN_PYTHON:
        raise BaseImageError(
            f"toolchain {toolchain.name!r} wants Python {toolchain.python}, but its base image "
            f"{toolchain.base_image} cannot be pulled and Debian {DEBIAN_SUITE} only ships "
            f"Python {DEBIAN_PYTHON}: make the base image available (`docker load`) or set "
            f"python={DEBIAN_PYTHON!r} in the catalog"
        )
    if shutil.which("mmdebstrap") is None:
        raise BaseImageError(
            f"base image {toolchain.base_image} cannot be pulled and mmdebstrap is not installed "
            f"to build a Debian {DEBIAN_SUITE} base instead: `apt-get install -y mmdebstrap`, "
            f"or load the base image with `docker load`"
        )
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="pipeline-base-") as scratch:
        out = Path(scratch) / "rootfs.tar"
        argv = mmdebstrap_argv(out)
        try:
            proc = subprocess.run(  # nosec B603 - fixed argv, no shell
                argv, capture_output=True, text=True, timeout=MMDEBSTRAP_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            raise BaseImageError(
                f"`{' '.join(argv)}` did not finish in {MMDEBSTRAP_TIMEOUT_S} s: check that "
                f"the Debian archive (deb.debian.org) is reachable"
            ) from None
        if proc.returncode != 0:
            last = "\n".join(proc.stderr.strip().splitlines()[-10:])
            raise BaseImageError(
                f"`{' '.join(argv)}` failed with exit code {proc.returncode}: check that it runs "
                f"as root and that the Debian archive is reachable. Its last lines:\n{last}"
            )
        say(f"mmdebstrap made a Debian {DEBIAN_SUITE} rootfs in {time.monotonic() - started:.1f} s")
        repository, _, version = tag.partition(":")
        changes = [
            "ENV LANG=C.UTF-8",
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            f"LABEL pipeline.base=mmdebstrap pipeline.base.replaces={toolchain.base_image}",
            'CMD ["python3"]',
        ]
        try:
            client.api.import_image(str(out), repository=repository, tag=version, changes=changes)
        except Exception as exc:  # docker-py raises DockerException and requests errors here
            raise image_error(exc, f"importing the mmdebstrap rootfs as {tag}") from exc
    say(f"base image {tag} ready in {time.monotonic() - started:.1f} s")
