"""`python -m pipeline.gates GATE`: run one security gate of the scan stage (cwd = repo root)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TextIO

from pipeline.gates import bandit, iac, pip_audit, secret_scan, workflows
from pipeline.gates.context import GateContext
from pipeline.gates.outcome import GateError, GateExit, GateResult
from pipeline.gates.tool_runner import SubprocessRunner, ToolRunner

Gate = Callable[[GateContext], GateResult]

GATES: Mapping[str, Gate] = MappingProxyType(
    {
        "bandit": bandit.run,
        "pip-audit": pip_audit.run,
        "secrets": secret_scan.run,
        "workflows": workflows.run,
        "iac": iac.run,
    }
)


def main(
    argv: Sequence[str] | None = None,
    *,
    runner: ToolRunner | None = None,
    repo: Path | None = None,
    out: TextIO | None = None,
) -> int:
    """Run the named gate; print its details and one summary line; return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    stream = out or sys.stdout
    if len(args) != 1 or args[0] not in GATES:
        given = f" (got {' '.join(args)!r})" if args else ""
        print(f"usage: python -m pipeline.gates {{{'|'.join(GATES)}}}{given}", file=stream)
        return int(GateExit.UNUSABLE)
    name = args[0]
    ctx = GateContext(repo=repo or Path.cwd(), runner=runner or SubprocessRunner())
    started = time.monotonic()
    try:
        result = GATES[name](ctx)
    except GateError as exc:
        print(f"{name}: cannot run: {exc}", file=stream)
        return int(GateExit.UNUSABLE)
    for line in result.details:
        print(line, file=stream)
    print(f"{result.summary} [{time.monotonic() - started:.1f} s]", file=stream)
    return int(result.exit)


if __name__ == "__main__":
    sys.exit(main())
