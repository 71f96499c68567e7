"""`python -m infra`: environment config, template synth and template lint.

Thin layer: parse, call the library, print. Each typed error carries its exit code
(`infra.errors.exit_code_for`): 0 ok, 1 a check found problems, 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from infra.config.loader import ENVIRONMENTS_DIR, load_all, load_environment
from infra.config.model import ENVIRONMENT_NAMES, EnvironmentConfig
from infra.config.render import OutputFormat, diff, render, render_diff
from infra.deploy.cli import register as register_deploy
from infra.errors import EXIT_FAILED, EXIT_USAGE, InfraError, exit_code_for
from infra.templates.lint import find_templates, lint_templates
from infra.templates.synth import synth

EXIT_OK = 0
EXIT_FINDINGS = EXIT_FAILED
DEFAULT_SYNTH_DIR = Path("build/synth")

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "exit_code_for", "main"]

Command = Callable[[argparse.Namespace, TextIO], int]


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run one command; returns the process exit code instead of raising."""
    stdout = out or sys.stdout
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse prints its own usage message
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    command: Command = args.command
    try:
        return command(args, stdout)
    except InfraError as error:
        for line in str(error).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return exit_code_for(error)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m infra", description="Environment config, CloudFormation synth and lint."
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    register_deploy(commands)  # deploy, history, status, emulator

    config = commands.add_parser("config", help="show, diff or export an environment's config")
    config_commands = config.add_subparsers(title="config commands", required=True, metavar="CMD")
    for name, default, handler in (
        ("show", OutputFormat.YAML, _config_show),
        ("export", OutputFormat.JSON, _config_show),
    ):
        sub = config_commands.add_parser(name, help=f"{name} one environment's validated config")
        _env_argument(sub)
        _format_argument(sub, (OutputFormat.JSON, OutputFormat.YAML, OutputFormat.ENV), default)
        _config_dir_argument(sub)
        sub.set_defaults(command=handler)
    config_diff = config_commands.add_parser("diff", help="keys that differ between two envs")
    _env_argument(config_diff)
    config_diff.add_argument(
        "--against", required=True, metavar="ENV", help="environment to compare with"
    )
    _format_argument(config_diff, tuple(OutputFormat), OutputFormat.TEXT)
    _config_dir_argument(config_diff)
    config_diff.set_defaults(command=_config_diff)

    synth_cmd = commands.add_parser("synth", help="write <out>/<env>/template.json")
    which = synth_cmd.add_mutually_exclusive_group(required=True)
    which.add_argument("--env", metavar="ENV", help=f"one of {', '.join(ENVIRONMENT_NAMES)}")
    which.add_argument("--all", action="store_true", help="every environment")
    synth_cmd.add_argument(
        "--out", type=Path, default=DEFAULT_SYNTH_DIR, help="output directory (build/synth)"
    )
    _config_dir_argument(synth_cmd)
    synth_cmd.set_defaults(command=_synth)

    lint = commands.add_parser("lint-templates", help="cfn-lint every DIR/*/template.json")
    lint.add_argument("directory", type=Path, metavar="DIR")
    lint.set_defaults(command=_lint)
    return parser


def _env_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env", required=True, metavar="ENV", help=f"one of {', '.join(ENVIRONMENT_NAMES)}"
    )


def _format_argument(
    parser: argparse.ArgumentParser, allowed: Sequence[OutputFormat], default: OutputFormat
) -> None:
    parser.add_argument(
        "--format",
        choices=[f.value for f in allowed],
        default=default.value,
        help=f"{'|'.join(f.value for f in allowed)} (default {default.value})",
    )


def _config_dir_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config-dir",
        type=Path,
        default=ENVIRONMENTS_DIR,
        help="folder of <env>.yaml files (default: infra/environments)",
    )


def _config_show(args: argparse.Namespace, out: TextIO) -> int:
    config = load_environment(args.env, args.config_dir)
    out.write(render(config, OutputFormat(args.format)))
    return EXIT_OK


def _config_diff(args: argparse.Namespace, out: TextIO) -> int:
    left = load_environment(args.env, args.config_dir)
    right = load_environment(args.against, args.config_dir)
    out.write(render_diff(left, right, diff(left, right), OutputFormat(args.format)))
    return EXIT_OK


def _synth(args: argparse.Namespace, out: TextIO) -> int:
    configs: list[EnvironmentConfig] = (
        list(load_all(args.config_dir).values())
        if args.all
        else [load_environment(args.env, args.config_dir)]
    )
    for path in synth(configs, args.out):
        out.write(f"wrote {path}\n")
    return EXIT_OK


def _lint(args: argparse.Namespace, out: TextIO) -> int:
    templates = find_templates(args.directory)
    findings = lint_templates(templates)
    for finding in findings:
        out.write(f"{finding}\n")
    if findings:
        out.write(f"cfn-lint: {len(findings)} finding(s) in {len(templates)} template(s)\n")
        return EXIT_FINDINGS
    out.write(f"cfn-lint: {len(templates)} template(s) clean\n")
    return EXIT_OK
