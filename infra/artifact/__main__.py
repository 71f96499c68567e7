"""`python -m infra.artifact build [--out build/artifacts] [--repo .]`: build the Lambda zip."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infra.artifact.bundle import build_bundle
from infra.artifact.errors import BuildError


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m infra.artifact", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build the reproducible Lambda bundle")
    build.add_argument("--out", type=Path, default=Path("build/artifacts"), help="output folder")
    build.add_argument("--repo", type=Path, default=Path.cwd(), help="repository root")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)  # argparse exits 2 on bad usage
    try:
        bundle = build_bundle(args.repo, args.out)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{bundle.path}  sha256:{bundle.sha256}  {bundle.size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
