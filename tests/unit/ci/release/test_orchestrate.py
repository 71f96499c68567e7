from __future__ import annotations

import pytest

from pipeline.release.errors import AppServingError
from pipeline.release.local_state import ServedApp
from pipeline.release.orchestrate import (
    LocalServing,
    ReleaseHooks,
    env_of,
    release_params,
    release_secrets,
)
from pipeline.release.targets import Target
from pipeline.results import StageResult, Status
from pipeline.scheduler import Event, EventKind


@pytest.mark.parametrize(
    ("stage", "prefix", "env"),
    [
        ("deploy-dev", "deploy-", "dev"),
        ("deploy-staging", "deploy-", "staging"),
        ("smoke-dev", "deploy-", None),
        ("build", "deploy-", None),
    ],
)
def test_env_of(stage: str, prefix: str, env: str | None) -> None:
    assert env_of(stage, prefix) == env


def test_local_params_name_the_emulator_and_each_app() -> None:
    params = release_params(
        Target.LOCAL, "abc1234", "me@host", "http://127.0.0.1:5000", {"dev": "http://127.0.0.1:1"}
    )
    assert params == {
        "PIPELINE_TARGET": "local",
        "PIPELINE_COMMIT": "abc1234",
        "PIPELINE_ACTOR": "me@host",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        "PIPELINE_APP_URL_DEV": "http://127.0.0.1:1",
    }


def test_aws_params_never_point_boto3_at_an_emulator() -> None:
    params = release_params(Target.AWS, "abc1234", "ci", "http://127.0.0.1:5000", {"dev": "x"})
    assert params == {
        "PIPELINE_TARGET": "aws",
        "PIPELINE_COMMIT": "abc1234",
        "PIPELINE_ACTOR": "ci",
    }


ENVIRON = {
    "AWS_ACCESS_KEY_ID": "AKIA",
    # pragma: allowlist nextline secret
    "AWS_SECRET_ACCESS_KEY": "secret",
    "AWS_SESSION_TOKEN": "",
    # pragma: allowlist nextline secret
    "SMOKE_TOKEN": "aws-token",
    "UNRELATED": "x",
}


@pytest.mark.parametrize(
    ("target", "local_token", "expected"),
    [
        # pragma: allowlist nextline secret
        (Target.LOCAL, "local-token", {"SMOKE_TOKEN": "local-token"}),
        (Target.LOCAL, None, {}),
        (
            Target.AWS,
            "ignored",
            {
                "AWS_ACCESS_KEY_ID": "AKIA",
                # pragma: allowlist nextline secret
                "AWS_SECRET_ACCESS_KEY": "secret",
                # pragma: allowlist nextline secret
                "SMOKE_TOKEN": "aws-token",
            },
        ),
    ],
)
def test_secrets_are_least_privilege(
    target: Target, local_token: str | None, expected: dict[str, str]
) -> None:
    assert release_secrets(target, ENVIRON, local_token) == expected


def test_local_serving_urls_and_hidden_token() -> None:
    serving = LocalServing("http://127.0.0.1:5000", {"dev": 8001, "staging": 8002}, "tok")
    assert serving.urls == {"dev": "http://127.0.0.1:8001", "staging": "http://127.0.0.1:8002"}
    assert "tok" not in repr(serving)


def finished(stage: str, status: Status) -> Event:
    result = StageResult(
        name=stage, status=status, duration_s=1.0, engine="fake", image="", containerized=False
    )
    return Event(EventKind.FINISHED, stage, result=result)


def served(env: str) -> ServedApp:
    return ServedApp(env, "http://127.0.0.1:1", 1, "d" * 64, "host", "42")


def test_hooks_serve_each_env_after_its_deploy_passed() -> None:
    forwarded: list[Event] = []
    calls: list[str] = []
    said: list[str] = []

    def serve(env: str) -> ServedApp:
        calls.append(env)
        return served(env)

    hooks = ReleaseHooks(forwarded.append, serve, said.append)
    events = [
        Event(EventKind.STARTED, "deploy-dev"),
        finished("build", Status.PASSED),
        finished("deploy-dev", Status.PASSED),
        finished("smoke-dev", Status.PASSED),
        finished("deploy-staging", Status.FAILED),
    ]
    for event in events:
        hooks(event)
    assert forwarded == events
    assert calls == ["dev"]
    assert list(hooks.served) == ["dev"]
    assert hooks.errors == []
    assert any("host-side hook" in line for line in said)


def test_hook_failure_is_collected_not_raised() -> None:
    def serve(env: str) -> ServedApp:
        raise AppServingError("port in use")

    hooks = ReleaseHooks(lambda _e: None, serve, lambda _l: None)
    hooks(finished("deploy-dev", Status.PASSED))
    assert hooks.errors == ["dev: port in use"]


def test_no_serving_on_aws() -> None:
    hooks = ReleaseHooks(lambda _e: None, None, lambda _l: None)
    hooks(finished("deploy-dev", Status.PASSED))
    assert hooks.served == {}
