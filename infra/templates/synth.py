"""Write each environment's template to `<out>/<env>/template.json`."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from infra.config.model import EnvironmentConfig
from infra.templates.stack import render_template

TEMPLATE_FILE = "template.json"


def template_path(out: Path, environment: str) -> Path:
    """Where the template of `environment` goes under `out`."""
    return out / environment / TEMPLATE_FILE


def synth(configs: Iterable[EnvironmentConfig], out: Path) -> tuple[Path, ...]:
    """Render and write one template per config; returns the files written, in order."""
    written = []
    for config in configs:
        path = template_path(out, config.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_template(config), encoding="utf-8")
        written.append(path)
    return tuple(written)
