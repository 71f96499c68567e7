"""cfn-lint before AWS, and its per-template cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import load_environment
from infra.deploy import template_check
from infra.deploy.errors import TemplateInvalid
from infra.templates.stack import render_template

BAD = '{"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {}}}}'


def test_lint_errors_refuse_and_are_never_cached(tmp_path: Path) -> None:
    for _ in range(2):
        with pytest.raises(TemplateInvalid, match=r"template bad\.json fails cfn-lint"):
            template_check.require_lint_clean(BAD, "bad.json", "eu-west-1", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_clean_template_is_linted_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = render_template(load_environment("dev"))
    assert template_check.require_lint_clean(body, "t", "eu-west-1", tmp_path) == ()
    calls: list[str] = []

    def counting(template_body: str, region: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        calls.append(region)
        return (), ()

    monkeypatch.setattr(template_check, "lint_problems", counting)
    assert template_check.require_lint_clean(body, "t", "eu-west-1", tmp_path) == ()
    assert calls == []
    template_check.require_lint_clean(body, "t", "us-east-1", tmp_path)  # another region
    template_check.require_lint_clean(body, "t", "eu-west-1", None)  # cache off
    assert calls == ["us-east-1", "eu-west-1"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("{}", "eu-west-1", "1.0"), ("{} ", "eu-west-1", "1.0")),
        (("{}", "eu-west-1", "1.0"), ("{}", "eu-west-2", "1.0")),
        (("{}", "eu-west-1", "1.0"), ("{}", "eu-west-1", "1.1")),
    ],
)
def test_cache_key_changes_with_every_input(
    a: tuple[str, str, str], b: tuple[str, str, str]
) -> None:
    assert template_check.lint_cache_key(*a) != template_check.lint_cache_key(*b)
