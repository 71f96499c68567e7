"""The environment a host-engine stage gets: a minimal base, never the caller's whole environment.

A developer's shell holds credentials (AWS keys, tokens) that no stage declared; handing them all
to every stage is how they leak into logs and reports. A stage gets these base variables plus
what it declares (env, params, secrets). This is the one list.
"""

from __future__ import annotations

from collections.abc import Mapping

BASE_VARIABLES: tuple[str, ...] = (
    # where programs and the user's files are
    "PATH",
    "HOME",
    "USER",
    "TMPDIR",
    # locale
    "LANG",
    "LANGUAGE",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    # proxies (both spellings: tools read one or the other)
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "all_proxy",
    # trusted CA bundles (TLS-intercepting proxies)
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "PIP_CERT",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "GIT_SSL_CAINFO",
    # where the Docker Engine is (the local release target starts the app container there)
    "DOCKER_HOST",
    "DOCKER_CERT_PATH",
    "DOCKER_TLS_VERIFY",
)


def base_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The BASE_VARIABLES that are set in `environ`, and nothing else."""
    return {name: environ[name] for name in BASE_VARIABLES if name in environ}
