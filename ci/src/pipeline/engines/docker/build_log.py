"""Where image-build progress goes: the pipeline's logger plus the caller's sink (or stderr).

Builds are rare but slow (a minute when the base comes from mmdebstrap), so the summary lines
(which base, building, built in N s) always reach the user; the build's own output goes to the
caller's sink when there is one and to the DEBUG log otherwise.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

LOG = logging.getLogger("pipeline.engines.docker")
LogSink = Callable[[str], None]


def build_logger(log: LogSink | None, *, detail: bool = False) -> LogSink:
    """A sink for summary lines (`detail=False`) or build output lines (`detail=True`)."""

    def say(line: str) -> None:
        if detail:
            LOG.debug("%s", line)
        else:
            LOG.info("%s", line)
        if log is not None:
            log(line)
        elif not detail:
            print(f"docker engine: {line}", file=sys.stderr, flush=True)

    return say
