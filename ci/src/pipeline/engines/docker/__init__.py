"""The docker engine: stages in real containers on a Docker Engine, toolchain images per digest."""

from pipeline.engines.docker.engine import DockerEngine, connect_client
from pipeline.engines.docker.errors import (
    BaseImageError,
    ContainerError,
    DockerEngineError,
    DockerUnavailable,
    ImageBuildError,
    LockFileMissing,
)
from pipeline.engines.docker.images import ensure_toolchain_image

__all__ = [
    "BaseImageError",
    "ContainerError",
    "DockerEngine",
    "DockerEngineError",
    "DockerUnavailable",
    "ImageBuildError",
    "LockFileMissing",
    "connect_client",
    "ensure_toolchain_image",
]
