"""Which CA bundle the docker engine passes into builds and containers."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.engines.docker import ca_bundle
from pipeline.engines.docker.ca_bundle import CONTAINER_BUNDLE, container_env, find_ca_bundle


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    paths = {name: tmp_path / f"{name}.crt" for name in ("ssl", "pip", "requests", "system")}
    for name, path in paths.items():
        path.write_text(name)
    monkeypatch.setattr(ca_bundle, "SYSTEM_BUNDLE", paths["system"])
    return paths


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"SSL_CERT_FILE": "ssl", "PIP_CERT": "pip", "REQUESTS_CA_BUNDLE": "requests"}, "ssl"),
        ({"SSL_CERT_FILE": "missing", "PIP_CERT": "pip", "REQUESTS_CA_BUNDLE": "requests"}, "pip"),
        ({"SSL_CERT_FILE": "", "REQUESTS_CA_BUNDLE": "requests"}, "requests"),
        ({"SSL_CERT_FILE": "missing"}, "system"),
        ({}, "system"),
    ],
)
def test_first_existing_bundle_wins(
    files: dict[str, Path], environ: dict[str, str], expected: str
) -> None:
    env = {
        k: str(files.get(v, Path("/nonexistent/x.crt"))) if v else "" for k, v in environ.items()
    }
    found = find_ca_bundle(env)
    assert found is not None
    assert found.path == files[expected]
    assert found.content == expected.encode()


def test_no_bundle_anywhere_gives_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ca_bundle, "SYSTEM_BUNDLE", tmp_path / "absent.crt")
    assert find_ca_bundle({}) is None


def test_container_env_points_every_tls_client_at_the_mounted_bundle() -> None:
    env = container_env()
    assert set(env) >= {"SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE"}
    assert set(env.values()) == {CONTAINER_BUNDLE}
