from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from infra.deploy.provenance import actor, git_head


@pytest.mark.parametrize(
    ("pipeline_actor", "github_actor", "expected"),
    [
        ("release-bot", "octocat", "release-bot"),
        ("", "octocat", "github:octocat"),
        ("  ", "octocat", "github:octocat"),
    ],
)
def test_actor_prefers_the_release_then_the_ci_actor(
    monkeypatch: pytest.MonkeyPatch, pipeline_actor: str, github_actor: str, expected: str
) -> None:
    monkeypatch.setenv("PIPELINE_ACTOR", pipeline_actor)
    monkeypatch.setenv("GITHUB_ACTOR", github_actor)
    assert actor() == expected


def test_actor_falls_back_to_user_at_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PIPELINE_ACTOR", raising=False)
    monkeypatch.delenv("GITHUB_ACTOR", raising=False)
    assert "@" in actor()


def test_git_head_outside_a_repository(tmp_path: Path) -> None:
    assert git_head(tmp_path) == "unknown"


def test_git_head_of_a_repository(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "f").write_text("x")
    git("add", "f")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "c")
    head = subprocess.run(
        ["git", "-C", str(tmp_path), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert git_head(tmp_path) == head
