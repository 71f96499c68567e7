"""`python -m pipeline.release.entries KIND --env E`: run one stage entry in this directory."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from pipeline.exits import REPORTED, report
from pipeline.release.entries import ENTRIES, EntryContext
from pipeline.release.errors import StageDegraded


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.release.entries")
    parser.add_argument("kind", choices=sorted(ENTRIES))
    parser.add_argument("--env", required=True, help="the environment (infra/environments)")
    args = parser.parse_args(argv)
    try:
        ctx = EntryContext.load(args.env, Path.cwd(), os.environ if environ is None else environ)
        ENTRIES[args.kind](ctx)
    except StageDegraded as exc:  # ran, but could not judge everything: not an error, no pass
        for line in str(exc).splitlines():
            print(f"degraded: {line}", file=sys.stderr, flush=True)
        return exc.exit_code
    except REPORTED as exc:
        return report(exc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
