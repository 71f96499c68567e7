"""`python -m infra.artifact build [--out build/artifacts] [--repo .]`: build the Lambda zip."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from infra.artifact.bundle import build_bundle
from infra.artifact.errors import BuildError

LABEL_ENV = "PIPELINE_BUILD_LABEL"  # the build stage's run parameter (pipeline rehearse sets it)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m infra.artifact", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the reproducible Lambda bundle")
    build.add_argument("--out", type=Path, default=Path("build/artifacts"), help="output folder")
    build.add_argument("--repo", type=Path, default=Path.cwd(), help="repository root")
    build.add_argument(
        "--label",
        default=os.environ.get(LABEL_ENV, ""),
        help=f"a release label file in the bundle: another digest of the same code ({LABEL_ENV})",
    )
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)  # argparse exits 2 on bad usage
    try:
        bundle = build_bundle(args.repo, args.out, label=args.label)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    labelled = f"  label {args.label!r}" if args.label else ""
    print(f"{bundle.path}  sha256:{bundle.sha256}  {bundle.size} bytes{labelled}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
