"""Refuse a template that fails cfn-lint before anything touches AWS.

cfn-lint costs ~3 s per process (import + rules), most of a no-change redeploy; a template whose
exact bytes already linted clean with the same cfn-lint version and region is not linted again
(a marker file per digest under `.pipeline/cache/cfn-lint/`).
"""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path

from infra.deploy.errors import TemplateInvalid

LINT_CACHE_DIR = Path(".pipeline/cache/cfn-lint")


def lint_problems(template_body: str, region: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(errors, warnings) cfn-lint finds, as `rule line: message` strings."""
    from cfnlint.api import lint  # imported here: ~2 s, skipped when the cache answers

    errors: list[str] = []
    warnings: list[str] = []
    for match in lint(template_body, regions=[region]):
        rule = str(match.rule.id)
        text = f"{rule} line {match.linenumber}: {match.message}"
        (errors if rule.startswith("E") else warnings).append(text)
    return tuple(errors), tuple(warnings)


def lint_cache_key(template_body: str, region: str, linter_version: str) -> str:
    """Digest of everything the lint verdict depends on."""
    material = f"cfn-lint {linter_version}\nregion {region}\n{template_body}"
    return hashlib.sha256(material.encode()).hexdigest()


def require_lint_clean(
    template_body: str, template_name: str, region: str, cache_dir: Path | None = LINT_CACHE_DIR
) -> tuple[str, ...]:
    """Raise TemplateInvalid on any cfn-lint error; return the warnings to print."""
    marker = None
    if cache_dir is not None:
        marker = cache_dir / lint_cache_key(template_body, region, version("cfn-lint"))
        if marker.is_file():
            return tuple(marker.read_text(encoding="utf-8").splitlines())
    errors, warnings = lint_problems(template_body, region)
    if errors:
        raise TemplateInvalid(template_name, errors)
    if marker is not None:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("".join(f"{w}\n" for w in warnings), encoding="utf-8")
    return warnings
