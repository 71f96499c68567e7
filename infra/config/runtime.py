"""The Lambda runtime, re-exported from its one definition in `infra.artifact.runtime`.

The bundle build, the CloudFormation Runtime and the local image must agree on one CPython, so
config and templates import it from here and never write "3.11" themselves.
"""

from __future__ import annotations

from infra.artifact.runtime import (
    LAMBDA_ARCHITECTURE,
    LAMBDA_HANDLER,
    LAMBDA_PYTHON,
    LAMBDA_RUNTIME,
)

__all__ = ["LAMBDA_ARCHITECTURE", "LAMBDA_HANDLER", "LAMBDA_PYTHON", "LAMBDA_RUNTIME"]
