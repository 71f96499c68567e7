"""The restore's config change, as data and as an edit of the environment's YAML that keeps
its comments: `backup.data_table_override: <table>`. Committing it matters: a later deploy from
the repository would otherwise switch the function back to the old table."""

from __future__ import annotations

import re
from pathlib import Path

from infra.backup.errors import RestoreRefused
from infra.config.model import EnvironmentConfig

KEY = "data_table_override"
_BLOCK = re.compile(r"^backup:.*$", re.MULTILINE)
_LINE = re.compile(rf"^(?P<indent>[ ]+){KEY}:[ ]*(?P<value>[^#\n]*?)(?P<comment>[ ]*#.*)?$")


def with_table_override(config: EnvironmentConfig, table: str | None) -> EnvironmentConfig:
    """`config` with the function serving `table` (None: the stack's own table)."""
    backup = config.backup.model_copy(update={KEY: table})
    return config.model_copy(update={"backup": backup})


def override_yaml(text: str, table: str | None) -> str:
    """Set `backup.data_table_override` in an environment file's text; other lines unchanged."""
    value = table if table is not None else "null"
    block = _BLOCK.search(text)
    if block is None:
        return text.rstrip("\n") + f"\nbackup:\n  {KEY}: {value}\n"
    lines = text[block.end() :].split("\n")
    for index, line in enumerate(lines[1:], start=1):
        if line and not line.startswith((" ", "#")):
            break  # the next top-level key: the block has no override line yet
        match = _LINE.match(line)
        if match:
            lines[index] = f"{match['indent']}{KEY}: {value}{match['comment'] or ''}"
            return text[: block.end()] + "\n".join(lines)
    lines.insert(1, f"  {KEY}: {value}")
    return text[: block.end()] + "\n".join(lines)


def write_override(path: Path, table: str | None) -> None:
    """Edit the environment file in place (the switch port commits and deploys it)."""
    if not path.is_file():
        raise RestoreRefused(f"environment file {path} does not exist")
    path.write_text(override_yaml(path.read_text(encoding="utf-8"), table), encoding="utf-8")
