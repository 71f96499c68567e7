"""The storage error hierarchy: botocore failures become these at the adapter boundary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

# Codes meaning "our request was fine, the service could not serve it": retry later.
# Everything else except ValidationException (our own bug) is also treated as an outage,
# since a missing table/bucket or a denied call is a deploy fault, not the client's.
_PROGRAMMING_ERRORS = frozenset({"ValidationException", "SerializationException"})


class StoreError(Exception):
    """Base of storage failures."""


class StoreUnavailable(StoreError):
    """A dependency (DynamoDB or S3) is throttling, down, missing or refusing us."""

    def __init__(self, dependency: str, reason: str) -> None:
        super().__init__(f"{dependency} unavailable: {reason}")
        self.dependency = dependency
        self.reason = reason


class InvalidCursor(StoreError):
    """A pagination cursor that this API did not issue for this query."""


@contextmanager
def translate_errors(dependency: str) -> Iterator[None]:
    """Turn botocore exceptions raised inside the block into StoreUnavailable."""
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", "Unknown"))
        if code in _PROGRAMMING_ERRORS:
            raise
        raise StoreUnavailable(dependency, code) from exc
    except BotoCoreError as exc:
        raise StoreUnavailable(dependency, type(exc).__name__) from exc
