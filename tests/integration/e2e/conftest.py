"""The same local stack as the perf integration tests."""

from tests.integration.perf.conftest import stack

__all__ = ["stack"]
