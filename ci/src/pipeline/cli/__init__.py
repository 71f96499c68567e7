"""The `pipeline` command line: `parser` (argv), `main` (dispatch and the one error -> exit
code mapping, `pipeline.exits`), and the handlers: `stage_commands` (ci, stages, release,
deploy, smoke: the one run path), `on_dagger`, `environment_commands` (status, history,
config: infra in-process), `local_stack` (up, down)."""

from pipeline.cli.main import main

__all__ = ["main"]
