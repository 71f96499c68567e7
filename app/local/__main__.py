"""`python -m app.local up [--port N] [--engine host|docker [--image TAG]] [--detach]` | `down`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.local.run import DEFAULT_PORT, Engine, LocalRunError, down, up


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m app.local", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up", help="start the emulator and the app")
    start.add_argument("--port", type=int, default=DEFAULT_PORT, help="app port on 127.0.0.1")
    start.add_argument("--engine", choices=[e.value for e in Engine], default=Engine.HOST.value)
    start.add_argument("--detach", action="store_true", help="return once it answers")
    start.add_argument("--image", help="docker engine: image with the locked dependencies")
    start.add_argument("--repo", type=Path, default=Path.cwd(), help=argparse.SUPPRESS)
    stop = commands.add_parser("down", help="stop a detached local stack")
    stop.add_argument("--repo", type=Path, default=Path.cwd(), help=argparse.SUPPRESS)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "up":
            if not 1 <= args.port <= 65535:
                print(f"--port {args.port} is not a TCP port: use 1..65535", file=sys.stderr)
                return 2
            up(
                args.repo,
                port=args.port,
                engine=Engine(args.engine),
                detach=args.detach,
                image=args.image,
            )
            return 0
        result = down(args.repo)
    except LocalRunError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if result is None:
        print("no local stack is running (nothing to stop)")
    else:
        print(f"stopped ({result.engine}): {', '.join(result.stopped) or 'nothing was alive'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
