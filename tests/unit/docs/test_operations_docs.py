"""docs/operations: every alarm's runbook link resolves (GitHub's anchor rules, every
environment), every relative link and anchor resolves, every `./pipeline` command named exists,
every procedure has its five parts, and troubleshooting.md is the trees' data rendered."""

from __future__ import annotations

import os
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from infra.config.model import ENVIRONMENT_NAMES
from infra.monitoring.catalog import catalog_of
from infra.operations.diagnose import checks
from infra.operations.diagnose.model import Runbook
from infra.operations.diagnose.trees import TREES, troubleshooting_page

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs" / "operations"
# Pages other work streams write; linked from here, checked once they exist.
WRITTEN_ELSEWHERE = {"backup-and-restore.md"}
# The pipeline's commands (and subcommands) after integration; the lead keeps this list true.
PIPELINE_COMMANDS: dict[str, set[str] | None] = {
    "ci": None,
    "build": None,
    "release": None,
    "deploy": None,
    "smoke": None,
    "status": None,
    "history": None,
    "promote": None,
    "rollout": {"status", "promote", "abort"},
    "undo": None,
    "hotfix": None,
    "backup": None,
    "drill": {"restore"},
    "restore": None,
    "restore-object": None,
    "alarms": None,
    "diagnose": None,
    "users": {"create", "reset-password", "disable", "list"},
    "report": {"daily", "weekly"},
    "config": {"show", "diff", "export", "apply"},
    "up": {"local"},
    "down": {"local"},
}
NOT_PROCEDURES = {"README.md", "QUICK-START.md", "troubleshooting.md"}
PARTS = ("**Purpose.**", "**Prerequisites.**", "**Steps.**", "**Verify.**", "**Rollback.**")
# What the operations guide names (issue 10), as page#anchor.
REQUIRED_PROCEDURES = (
    "users.md#create-a-user",
    "users.md#reset-a-password",
    "users.md#disable-an-account",
    "deploy.md#deploy-infrastructure-changes",
    "deploy.md#update-function-code",
    "deploy.md#update-environment-variables",
    "api.md#api-error-rate",
    "lambda.md#lambda-errors",
    "dynamodb.md#dynamodb-throttles",
    "performance.md#cold-starts",
    "performance.md#slow-queries",
    "data.md#clean-up-old-reports",
    "data.md#export-table-data",
    "data.md#backup-and-restore",
    "security.md#rotate-signing-keys",
    "security.md#security-incident-first-steps",
    "deploy.md#apply-a-config-change",
)


def github_slug(text: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped (letters, digits, `_`, `-` and
    spaces kept), each space a hyphen."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("API error rate", "api-error-rate"),
        ("Availability fast-burn long", "availability-fast-burn-long"),
        ("S3 5xx rate", "s3-5xx-rate"),
        ("Requests answered 401", "requests-answered-401"),
        ("What's new? (v2)", "whats-new-v2"),
        ("Sign-in fails", "sign-in-fails"),
        ("`users` commands", "users-commands"),
        ("snake_case stays", "snake_case-stays"),
        ("Two  spaces", "two--spaces"),
    ],
)
def test_github_slug_rules(heading: str, slug: str) -> None:
    assert github_slug(heading.replace("`", "")) == slug


def _tokens(page: Path) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(page.read_text(encoding="utf-8"))


@cache
def anchors(page_name: str) -> frozenset[str]:
    """Every heading anchor of a page, with GitHub's -1, -2 suffixes for repeats."""
    tokens = _tokens(DOCS / page_name)
    seen: Counter[str] = Counter()
    found = set()
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        text = "".join(
            c.content for c in tokens[i + 1].children or [] if c.type in ("text", "code_inline")
        )
        slug = github_slug(text)
        found.add(slug if not seen[slug] else f"{slug}-{seen[slug]}")
        seen[slug] += 1
    return frozenset(found)


def links(page: Path) -> list[str]:
    found = []
    for token in _tokens(page):
        for child in token.children or []:
            if child.type == "link_open":
                found.append(str(child.attrs["href"]))
    return found


def pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def resolves(page: str, anchor: str | None) -> str | None:
    """None when `page#anchor` exists, else what is wrong."""
    if not (DOCS / page).is_file():
        return None if page in WRITTEN_ELSEWHERE else f"{page} does not exist"
    if anchor and anchor not in anchors(page):
        return f"{page} has no section #{anchor} (sections: {sorted(anchors(page))})"
    return None


@pytest.mark.parametrize("env", ENVIRONMENT_NAMES)
def test_every_alarm_runbook_link_resolves(env: str) -> None:
    runbooks = catalog_of(env).runbooks()
    assert len(runbooks) >= 19
    problems = [resolves(f"{r.page}.md", r.anchor) for r in runbooks]
    assert [p for p in problems if p] == []
    for alarm in catalog_of(env).every:
        assert alarm.runbook.link.startswith("docs/operations/")


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    problems = []
    for href in links(page):
        if re.match(r"^[a-z]+:", href):
            continue  # absolute URLs: not ours to check offline
        target, _, anchor = href.partition("#")
        problem = resolves(target or page.name, anchor or None)
        if problem:
            problems.append(f"{href}: {problem}")
    assert problems == []


def test_every_diagnose_runbook_resolves() -> None:
    used = [v for v in vars(checks).values() if isinstance(v, Runbook)]
    used += [leaf for tree in TREES for leaf in tree.leaves]
    assert len(used) > 20
    assert [p for r in used if (p := resolves(f"{r.page}.md", r.anchor))] == []


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_pipeline_commands_named_exist(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    unknown = []
    for command, sub in re.findall(r"\./pipeline +([a-z][a-z-]*)(?: +([a-z][a-z-]*))?", text):
        if command not in PIPELINE_COMMANDS:
            unknown.append(command)
        elif PIPELINE_COMMANDS[command] is not None and sub not in PIPELINE_COMMANDS[command]:  # type: ignore[operator]
            unknown.append(f"{command} {sub}")
    assert unknown == []


def procedures() -> list[tuple[str, str, str]]:
    """(page, anchor, body) of every `##` section of the procedure pages."""
    found = []
    for page in pages():
        if page.name in NOT_PROCEDURES:
            continue
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(r"^## ([^\n]+)\n(.*?)(?=^## |\Z)", text, re.M | re.S):
            found.append((page.name, github_slug(match.group(1)), match.group(2)))
    return found


def test_every_procedure_has_its_five_parts() -> None:
    missing = [
        f"{page}#{anchor}: {part}"
        for page, anchor, body in procedures()
        for part in PARTS
        if part not in body
    ]
    assert missing == []


def test_there_are_25_or_more_procedures_including_the_guides() -> None:
    found = {f"{page}#{anchor}" for page, anchor, _ in procedures()}
    assert len(found) >= 25
    assert [p for p in REQUIRED_PROCEDURES if p not in found] == []


def test_quick_start_has_severities_first_five_minutes_and_rollback() -> None:
    assert {"severities", "first-five-minutes", "rollback-in-one-command"} <= anchors(
        "QUICK-START.md"
    )
    text = (DOCS / "QUICK-START.md").read_text(encoding="utf-8")
    assert "./pipeline undo --env prod" in text


def test_troubleshooting_page_is_the_trees_rendered() -> None:
    page = DOCS / "troubleshooting.md"
    expected = troubleshooting_page()
    if os.environ.get("UPDATE_DOCS"):
        page.write_text(expected, encoding="utf-8")
    assert page.read_text(encoding="utf-8") == expected, (
        "troubleshooting.md is out of date: UPDATE_DOCS=1 ./run-tests tests/unit/docs"
    )
    assert page.read_text(encoding="utf-8").count("```mermaid") == 10
