"""The `backup` config section: the real files load, and bad values name file and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.config import ConfigError, load_all, load_environment
from tests.unit.infra.config.conftest import rewrite


def set_backup(key: str, value: Any) -> Any:
    def mutate(data: dict[str, Any]) -> None:
        node = data.setdefault("backup", {})
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value

    return mutate


def test_every_environment_has_targets_and_retention() -> None:
    for config in load_all().values():
        backup = config.backup
        assert backup.keep_last >= 1
        assert backup.targets.rto_minutes == 240  # why: docs/operations/backup-and-restore.md
        assert backup.targets.rpo_minutes == 60
        assert backup.data_table_override is None


def test_a_missing_section_gets_the_defaults(config_dir: Path) -> None:
    rewrite(config_dir, "dev", lambda data: data.pop("backup"))

    backup = load_environment("dev", config_dir).backup

    assert (backup.targets.rto_minutes, backup.targets.rpo_minutes) == (240, 60)
    assert backup.keep_last == 3


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("keep_last", 0, "backup.keep_last: Input should be greater than or equal to 1"),
        ("retention_days", "35", "backup.retention_days: Input should be a valid integer"),
        ("targets.rto_minutes", 0, "backup.targets.rto_minutes: Input should be greater"),
        ("targets.rpo_minutes", 10_081, "backup.targets.rpo_minutes: Input should be less"),
        ("noncurrent_version_expiry_days", 0, "backup.noncurrent_version_expiry_days"),
        ("scan_segments", 33, "backup.scan_segments: Input should be less than or equal to 32"),
        ("data_table_override", "no spaces allowed", "backup.data_table_override: String"),
        ("data_table_override", "ab", "backup.data_table_override"),
        ("fingerprint_backup", True, "backup.fingerprint_backup: unknown key; allowed keys:"),
    ],
)
def test_bad_values_name_the_file_and_key(
    config_dir: Path, key: str, value: Any, says: str
) -> None:
    rewrite(config_dir, "staging", set_backup(key, value))

    with pytest.raises(ConfigError) as caught:
        load_environment("staging", config_dir)

    assert "staging.yaml: " in str(caught.value)
    assert says in str(caught.value)
    assert caught.value.exit_code == 2
