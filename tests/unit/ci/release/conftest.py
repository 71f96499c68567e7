"""In-process moto behind a Connection, and Lambda zips: the deploy tests' own fixtures."""

from tests.unit.infra.deploy.conftest import in_process, make_zip

__all__ = ["in_process", "make_zip"]
