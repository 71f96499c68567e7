"""The restore's config change: set backup.data_table_override in an environment file and keep
everything else (comments included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.backup.config_edit import override_yaml, with_table_override, write_override
from infra.backup.errors import RestoreRefused
from infra.config import ENVIRONMENTS_DIR, load_environment

RESTORED = "energy-insights-prod-data-restored-20261204t140000z-1a2b3c4d"


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_the_real_files_take_the_override_and_still_load(env: str, tmp_path: Path) -> None:
    original = (ENVIRONMENTS_DIR / f"{env}.yaml").read_text()
    (tmp_path / f"{env}.yaml").write_text(override_yaml(original, RESTORED))

    config = load_environment(env, tmp_path)

    assert config.backup.data_table_override == RESTORED
    unchanged = config.model_copy(update={"backup": load_environment(env).backup})
    assert unchanged == load_environment(env)
    edited = (tmp_path / f"{env}.yaml").read_text().splitlines()
    changed = [line for line in edited if line not in original.splitlines()]
    assert len(changed) == 1
    assert changed[0].strip().startswith(f"data_table_override: {RESTORED}")
    assert "#" in changed[0]  # the line's comment survives


def test_setting_it_back_to_null_restores_the_file() -> None:
    original = (ENVIRONMENTS_DIR / "prod.yaml").read_text()

    assert override_yaml(override_yaml(original, RESTORED), None) == original


def test_a_file_without_the_key_or_the_block_gets_it() -> None:
    without_key = "name: dev\nbackup:\n  keep_last: 2\njwt:\n  audience: x\n"
    assert override_yaml(without_key, "t-1") == (
        "name: dev\nbackup:\n  data_table_override: t-1\n  keep_last: 2\njwt:\n  audience: x\n"
    )
    assert override_yaml("name: dev\n", "t-1") == "name: dev\nbackup:\n  data_table_override: t-1\n"


def test_the_config_object_serves_the_override() -> None:
    config = with_table_override(load_environment("prod"), RESTORED)

    assert config.backup.data_table_override == RESTORED
    assert config.names.data_table == "energy-insights-prod-data"  # the stack's own table


def test_writing_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RestoreRefused, match="does not exist"):
        write_override(tmp_path / "prod.yaml", RESTORED)
