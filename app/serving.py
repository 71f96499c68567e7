"""How the API is served outside Lambda: the one uvicorn command line every local runner uses."""

from __future__ import annotations

APP_FACTORY = "app.main:create_app"


def uvicorn_argv(python: str, *, port: int, host: str = "127.0.0.1") -> list[str]:
    """`python -m uvicorn` serving the app factory; the app writes its own structured access log."""
    return [
        python,
        "-m",
        "uvicorn",
        APP_FACTORY,
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
        "--no-access-log",
    ]
