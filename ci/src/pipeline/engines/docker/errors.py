"""The docker engine's error hierarchy; docker-py and requests errors are converted here, once."""

from __future__ import annotations

from pipeline.engines.base import EngineError, EngineUnavailable

INSTALL_HINT = (
    "install and start the Docker Engine (Debian: `apt-get install -y docker.io` then start "
    "`dockerd`, e.g. `dockerd >/tmp/dockerd.log 2>&1 &`), set DOCKER_HOST to a reachable daemon, "
    "or run without containers with `--engine host`"
)


class DockerEngineError(EngineError):
    """Something the docker engine asked of the Docker Engine failed."""


class DockerUnavailable(EngineUnavailable, DockerEngineError):
    """No Docker daemon answers on the socket or DOCKER_HOST that was tried."""


class LockFileMissing(DockerEngineError):
    """A toolchain's lock file does not exist, so its image cannot be built."""


class ImageBuildError(DockerEngineError):
    """A toolchain or base image could not be built."""


class BaseImageError(ImageBuildError):
    """No base image: not present locally, not pullable, and mmdebstrap could not make one."""


class ContainerError(DockerEngineError):
    """A stage container could not be created, fed, started or read back."""


def describe(exc: BaseException) -> str:
    """A one-line description of a docker-py/requests error, without the Python noise."""
    explanation = getattr(exc, "explanation", None)
    if isinstance(explanation, bytes):
        explanation = explanation.decode("utf-8", "replace")
    status = getattr(exc, "status_code", None)
    text = str(explanation or exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return f"{first} (HTTP {status})" if status else first


def _hint(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    text = describe(exc).lower()
    if status == 404:
        return "the object is gone or was never created; rerun the stage"
    if status == 409:
        return (
            "a container or image with that name is in use; remove it with `docker rm -f` and rerun"
        )
    if "no space left" in text:
        return "free disk space (`docker system prune`) and rerun"
    if status is not None and status >= 500:
        return "check the daemon's log (`journalctl -u docker` or dockerd's output) and rerun"
    if "connection" in text or "socket" in text:
        return INSTALL_HINT
    return "rerun with the docker engine's log to see more"


def container_error(exc: BaseException, doing: str) -> ContainerError:
    """Convert a docker-py error raised while `doing` something to a container."""
    return ContainerError(f"docker engine: {doing} failed: {describe(exc)}; {_hint(exc)}")


def image_error(exc: BaseException, doing: str) -> ImageBuildError:
    """Convert a docker-py error raised while `doing` something to an image."""
    return ImageBuildError(f"docker engine: {doing} failed: {describe(exc)}; {_hint(exc)}")
