"""A scratch copy of the real environment files that a test may break on purpose."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.config import ENVIRONMENTS_DIR

Mutate = Callable[[dict[str, Any]], None]


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    target = tmp_path / "environments"
    shutil.copytree(ENVIRONMENTS_DIR, target)
    return target


def rewrite(directory: Path, env: str, mutate: Mutate) -> Path:
    """Load `<env>.yaml`, apply `mutate` to the data, write it back; returns the file."""
    path = directory / f"{env}.yaml"
    data = yaml.safe_load(path.read_text())
    mutate(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
