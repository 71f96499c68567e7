"""Who deploys and from which commit: recorded in every deployment record."""

from __future__ import annotations

import getpass
import os
import re
import socket
import subprocess  # nosec B404 - a read-only git query
from pathlib import Path

from infra.templates.contract import COMMIT_PATTERN

_COMMIT = re.compile(COMMIT_PATTERN)
UNKNOWN = "unknown"


def git_head(cwd: Path | None = None) -> str:
    """The checked-out commit, or "unknown" outside a git checkout."""
    try:
        done = subprocess.run(  # nosec B603 B607 - fixed argv, read-only git query
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return UNKNOWN
    head = done.stdout.strip()
    return head if done.returncode == 0 and _COMMIT.fullmatch(head) else UNKNOWN


def actor() -> str:
    """PIPELINE_ACTOR (set by `pipeline release` for its stages), the CI actor when there is
    one, else user@host."""
    named = os.environ.get("PIPELINE_ACTOR", "").strip()
    if named:
        return named
    github = os.environ.get("GITHUB_ACTOR")
    if github:
        return f"github:{github}"
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = UNKNOWN
    return f"{user}@{socket.gethostname()}"
