"""The host's trusted CA bundle, passed into image builds and stage containers.

Behind a TLS-intercepting proxy, pip/uv inside a container fail with CERTIFICATE_VERIFY_FAILED
unless they trust the same extra CA as the host; the host's bundle is the one to pass in.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# Where the bundle lives inside toolchain images and stage containers.
CONTAINER_BUNDLE = "/etc/pipeline/ca-bundle.crt"
# Host variables that may name the bundle, in the order they are consulted.
BUNDLE_VARIABLES = ("SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE")
# Variables set inside containers so Python (ssl, requests, pip), uv, curl and git all trust it.
CONTAINER_VARIABLES = (
    "SSL_CERT_FILE",
    "PIP_CERT",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "GIT_SSL_CAINFO",
)


@dataclass(frozen=True)
class CaBundle:
    path: Path
    content: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def find_ca_bundle(environ: Mapping[str, str] | None = None) -> CaBundle | None:
    """The first existing file among SSL_CERT_FILE, PIP_CERT, REQUESTS_CA_BUNDLE, the system one."""
    env = os.environ if environ is None else environ
    candidates = [Path(env[name]) for name in BUNDLE_VARIABLES if env.get(name)]
    candidates.append(SYSTEM_BUNDLE)
    for candidate in candidates:
        if candidate.is_file():
            return CaBundle(candidate, candidate.read_bytes())
    return None


def container_env() -> dict[str, str]:
    """The environment that makes TLS clients inside a container trust CONTAINER_BUNDLE."""
    return dict.fromkeys(CONTAINER_VARIABLES, CONTAINER_BUNDLE)
