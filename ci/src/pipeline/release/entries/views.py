"""The status and history entries: read-only views of an environment (any environment)."""

from __future__ import annotations

from infra.deploy import commands
from pipeline.release.entries.context import EntryContext


def status(ctx: EntryContext) -> None:
    commands.show_status(ctx.target(), ctx.config, ctx.emit, as_json=False)


def history(ctx: EntryContext) -> None:
    commands.show_history(ctx.target(), ctx.config, ctx.emit, as_json=False)
