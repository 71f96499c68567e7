"""What a toolchain image is made of, as data: the digest that names it and the Dockerfile.

Pure functions over the catalog's Toolchain and the lock files' bytes; nothing here talks to
Docker, so the digest (the image cache key) is unit-testable and stable across machines.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.catalog import UV_VERSION, Toolchain
from pipeline.engines.base import VENV_DIR
from pipeline.engines.docker.ca_bundle import CONTAINER_BUNDLE, CaBundle, container_env
from pipeline.engines.docker.errors import LockFileMissing

# Bump when the Dockerfile below changes meaning, so every toolchain image is rebuilt.
RECIPE_VERSION = 1
UV_VENV = "/opt/uv"
# Where the toolchain's uv project (lock files only, never the source) is copied in the image.
PROJECT_DIR = "/opt/toolchain"
DIGEST_LENGTH = 12


@dataclass(frozen=True)
class LockFile:
    path: str  # relative to the repository root, as the catalog names it
    in_project: str  # relative to the toolchain's project folder
    content: bytes


def read_lock_files(toolchain: Toolchain, repo: Path) -> tuple[LockFile, ...]:
    """The toolchain's lock files; LockFileMissing names the first absent one and the fix."""
    project = PurePosixPath(toolchain.project)
    files = []
    for name in toolchain.lock_files:
        path = repo / name
        if not path.is_file():
            raise LockFileMissing(
                f"toolchain {toolchain.name!r}: lock file {name!r} does not exist under {repo}; "
                f"create it with `uv lock --directory {toolchain.project}` and commit it"
            )
        try:
            in_project = PurePosixPath(name).relative_to(project)
        except ValueError:
            raise LockFileMissing(
                f"toolchain {toolchain.name!r}: lock file {name!r} is outside its project folder "
                f"{toolchain.project!r}; list only files inside that folder"
            ) from None
        files.append(LockFile(name, str(in_project), path.read_bytes()))
    return tuple(files)


def recipe_fields(toolchain: Toolchain) -> dict[str, object]:
    """Everything besides lock files and the CA bundle that decides what the image holds."""
    return {
        "recipe_version": RECIPE_VERSION,
        "base_image": toolchain.base_image,
        "project": toolchain.project,
        "apt_packages": sorted(toolchain.apt_packages),
        "groups": list(toolchain.groups),
        "python": toolchain.python,
        "uv": UV_VERSION,
    }


def toolchain_digest(
    toolchain: Toolchain, lock_files: tuple[LockFile, ...], ca_bundle: CaBundle | None
) -> str:
    """sha256 over the recipe, each lock file's name and content, and the CA bundle's digest."""
    sha = hashlib.sha256()
    sha.update(json.dumps(recipe_fields(toolchain), sort_keys=True).encode())
    # The Dockerfile itself (with a placeholder base): editing the recipe rebuilds every image.
    sha.update(dockerfile(toolchain, "BASE", with_ca=ca_bundle is not None).encode())
    for lock in sorted(lock_files, key=lambda f: f.path):
        sha.update(b"\0" + lock.path.encode() + b"\0")
        sha.update(hashlib.sha256(lock.content).digest())
    sha.update(b"\0ca\0" + (ca_bundle.digest if ca_bundle else "none").encode())
    return sha.hexdigest()


def image_tag(toolchain: Toolchain, digest: str) -> str:
    return f"pipeline-{toolchain.name}:{digest[:DIGEST_LENGTH]}"


def dockerfile(toolchain: Toolchain, base: str, *, with_ca: bool) -> str:
    """The toolchain image: base + CA bundle + apt packages + pinned uv + the locked venv."""
    lines = [f"FROM {base}"]
    if with_ca:
        env = " ".join(f"{k}={v}" for k, v in container_env().items())
        lines += ["COPY ca-bundle.crt " + CONTAINER_BUNDLE, f"ENV {env}"]
    lines.append(
        "ENV LANG=C.UTF-8 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 "
        "DEBIAN_FRONTEND=noninteractive"
    )
    if toolchain.apt_packages:
        packages = " ".join(shlex.quote(p) for p in sorted(toolchain.apt_packages))
        ca_opt = f" -o Acquire::https::CAInfo={CONTAINER_BUNDLE}" if with_ca else ""
        # Only what the base lacks: the mmdebstrap base already carries git, for instance.
        lines.append(
            f"RUN missing=''; for p in {packages}; do dpkg -s \"$p\" >/dev/null 2>&1 "
            '|| missing="$missing $p"; done; if [ -n "$missing" ]; then '
            f"apt-get{ca_opt} update && apt-get{ca_opt} install -y --no-install-recommends "
            "$missing && rm -rf /var/lib/apt/lists/*; fi"
        )
    groups = "".join(f" --group {shlex.quote(g)}" for g in toolchain.groups)
    python = shlex.quote(f"python{toolchain.python}")
    lines += [
        f"RUN {python} -m venv {UV_VENV} && {UV_VENV}/bin/pip install --quiet uv=={UV_VERSION}",
        f"COPY project/ {PROJECT_DIR}/",
        f"RUN cd {PROJECT_DIR} && UV_PROJECT_ENVIRONMENT={VENV_DIR} UV_PYTHON_DOWNLOADS=never "
        "UV_LINK_MODE=copy UV_NO_CACHE=1 UV_COMPILE_BYTECODE=1 UV_NO_PROGRESS=1 "
        f"{UV_VENV}/bin/uv sync --frozen --no-install-project --no-default-groups{groups} "
        f"--python {python} && {VENV_DIR}/bin/python --version",
        f"ENV VIRTUAL_ENV={VENV_DIR} PATH={VENV_DIR}/bin:/usr/local/sbin:/usr/local/bin:"
        "/usr/sbin:/usr/bin:/sbin:/bin",
        "WORKDIR /src",
    ]
    return "\n".join(lines) + "\n"
