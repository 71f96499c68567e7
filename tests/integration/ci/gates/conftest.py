"""The real-scanner tests share the unit tests' fixtures (tiny repo, the security venv)."""

from tests.unit.ci.gates.conftest import repo, security_bin

__all__ = ["repo", "security_bin"]
