"""The Lambda artifact: `build_bundle(repo, out_dir) -> Bundle` and the runtime it targets."""

from infra.artifact.bundle import Bundle, build_bundle
from infra.artifact.errors import BuildError, BundleTooLarge
from infra.artifact.runtime import (
    LAMBDA_ARCHITECTURE,
    LAMBDA_HANDLER,
    LAMBDA_PLATFORM,
    LAMBDA_PYTHON,
    LAMBDA_RUNTIME,
    MAX_BUNDLE_BYTES,
)

__all__ = [
    "LAMBDA_ARCHITECTURE",
    "LAMBDA_HANDLER",
    "LAMBDA_PLATFORM",
    "LAMBDA_PYTHON",
    "LAMBDA_RUNTIME",
    "MAX_BUNDLE_BYTES",
    "BuildError",
    "Bundle",
    "BundleTooLarge",
    "build_bundle",
]
