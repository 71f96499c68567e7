"""The local app image: the toolchain's base + the built Lambda bundle + a pinned uvicorn.

`energy-insights-app:<digest12>` is named by the artifact's digest, so one build serves every
environment that runs that digest, and the image holds exactly the bytes promoted to AWS.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from infra.targets.local_apps import APP_PORT_ENV, AppServingError
from pipeline.catalog import PYTHON_TOOLCHAIN
from pipeline.engines.docker.ca_bundle import CONTAINER_BUNDLE, CaBundle, container_env
from pipeline.engines.docker.errors import ImageBuildError
from pipeline.engines.docker.images import build_image, context_tar

IMAGE_REPOSITORY = "energy-insights-app"
TASK_DIR = "/var/task"  # where Lambda unpacks the bundle; the app image mirrors it
APP_VENV = "/opt/app"
SERVER_PACKAGE = "uvicorn"
DIGEST_LABEL = "energy-insights.digest"
BUILD_TIMEOUT_S = 900


def image_tag(digest: str) -> str:
    return f"{IMAGE_REPOSITORY}:{digest[:12]}"


def server_pins(lock_text: str, package: str = SERVER_PACKAGE) -> tuple[str, ...]:
    """`name==version` for the server and its unconditional dependencies, from uv.lock."""
    try:
        packages = {p["name"]: p for p in tomllib.loads(lock_text)["package"]}
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise AppServingError(f"uv.lock cannot be read ({exc}): run `uv lock`") from None
    pins: dict[str, str] = {}
    todo = [package]
    while todo:
        name = todo.pop()
        if name in pins:
            continue
        entry = packages.get(name)
        if entry is None:
            raise AppServingError(
                f"uv.lock has no {name!r}: add it with `uv add --group local {name}`"
            )
        pins[name] = str(entry["version"])
        todo += [d["name"] for d in entry.get("dependencies", []) if "marker" not in d]
    return tuple(f"{name}=={version}" for name, version in sorted(pins.items()))


def server_argv(port_var: str = APP_PORT_ENV) -> tuple[str, ...]:
    """uvicorn on the loopback (host network), the port from the container's environment."""
    return (
        "/bin/sh",
        "-c",
        f"exec {APP_VENV}/bin/python -m uvicorn app.main:create_app --factory --host 127.0.0.1 "
        f'--port "${port_var}" --no-access-log',
    )


def dockerfile(base: str, pins: tuple[str, ...], digest: str, *, with_ca: bool) -> str:
    lines = [f"FROM {base}"]
    if with_ca:
        env = " ".join(f"{k}={v}" for k, v in container_env().items())
        lines += [f"COPY ca-bundle.crt {CONTAINER_BUNDLE}", f"ENV {env}"]
    lines += [
        "ENV LANG=C.UTF-8 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1",
        f"RUN python3 -m venv {APP_VENV} && {APP_VENV}/bin/pip install --quiet --no-deps "
        + " ".join(pins),
        "COPY lambda.zip /tmp/lambda.zip",
        f"RUN python3 -m zipfile -e /tmp/lambda.zip {TASK_DIR} && rm /tmp/lambda.zip",
        f"ENV PYTHONPATH={TASK_DIR} PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1",
        f"WORKDIR {TASK_DIR}",
        f"LABEL {DIGEST_LABEL}={digest}",
    ]
    return "\n".join(lines) + "\n"


def build_context(text: str, bundle: bytes, ca: CaBundle | None) -> bytes:
    entries = [("Dockerfile", text.encode()), ("lambda.zip", bundle)]
    if ca is not None:
        entries.append(("ca-bundle.crt", ca.content))
    return context_tar(entries)


def ensure_app_image(client: Any, repo: Path, bundle: Path, digest: str, say: Any = print) -> str:
    """Build `energy-insights-app:<digest12>` unless present; returns the tag."""
    from pipeline.engines.docker.base_image import ensure_base_image, image_exists
    from pipeline.engines.docker.ca_bundle import find_ca_bundle

    tag = image_tag(digest)
    if image_exists(client, tag):
        return tag
    base = ensure_base_image(client, PYTHON_TOOLCHAIN)
    ca = find_ca_bundle()
    pins = server_pins((repo / "uv.lock").read_text(encoding="utf-8"))
    context = build_context(
        dockerfile(base, pins, digest, with_ca=ca is not None), bundle.read_bytes(), ca
    )
    say(f"building app image {tag} FROM {base} (bundle {digest[:12]}, {' '.join(pins)})")
    try:
        build_image(client, context, tag, {DIGEST_LABEL: digest}, say)
    except ImageBuildError as exc:
        raise AppServingError(str(exc)) from exc
    return tag
