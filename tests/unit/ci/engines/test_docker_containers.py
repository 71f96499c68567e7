"""run_stage against a recording fake of docker-py: copy in, stream, export, always remove."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest

from pipeline.catalog import CATALOG, Catalog, Network, Stage, Step
from pipeline.engines.base import StageContext
from pipeline.engines.docker.containers import _lines, run_stage
from pipeline.engines.services import Waiting
from pipeline.results import Status
from tests.unit.ci.engines.fake_docker import FakeClient, api_error, result_json, tar_of

SCAN = Stage(
    "scan",
    "s",
    "security",
    (Step("tool", ("tool",)),),
    (),
    secrets=("TOKEN",),
    needs=("synth",),
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("x = 1\n")
    (tmp_path / "build" / "synth").mkdir(parents=True)
    (tmp_path / "build" / "synth" / "t.json").write_text("{}")
    (tmp_path / "build" / "reports" / "scan").mkdir(parents=True)
    (tmp_path / "build" / "reports" / "scan" / "stale.txt").write_text("old")
    return tmp_path


def context(repo: Path, lines: list[tuple[str, str]]) -> StageContext:
    stages = {**CATALOG.stages, "scan": SCAN}
    catalog = Catalog(
        CATALOG.toolchains, CATALOG.caches, MappingProxyType(stages), CATALOG.services
    )
    return StageContext(
        repo,
        catalog,
        "pipeline-security:abc",
        secrets={"TOKEN": "tok-123456"},  # pragma: allowlist secret
        on_output=lambda stage, line: lines.append((stage, line)),
    )


def finished(client: FakeClient, status: str, exit_code: int) -> None:
    client.api.exit_code = exit_code
    client.api.archives["/src/build/reports/scan"] = tar_of(
        {
            "scan/result.json": result_json("scan", status, exit_code),
            "scan/log.txt": b"==> [tool] tool\nusing tok-123456\n",
        }
    )


def test_a_passing_stage_copies_in_streams_exports_and_removes(repo: Path) -> None:
    client = FakeClient()
    client.api.log_chunks = [b"==> [tool] tool\nhal", "f-\u00e9".encode()[:-1], b"\xa9 line\nlast"]
    finished(client, "passed", 0)
    lines: list[tuple[str, str]] = []
    result = run_stage(client, SCAN, context(repo, lines), None)

    assert result.status is Status.PASSED, result.message
    assert (result.engine, result.containerized, result.image) == (
        "docker",
        True,
        "pipeline-security:abc",
    )
    assert lines == [("scan", "==> [tool] tool"), ("scan", "half-\u00e9 line"), ("scan", "last")]
    assert [n for n, _, _ in client.api.calls] == [
        "create_container",
        "put_archive",
        "attach_socket",
        "start",
        "logs",
        "wait",
        "get_archive",
        "remove_container",
    ]
    ((_, kwargs),) = client.api.called("create_container")
    assert "TOKEN" not in kwargs["environment"], "secrets are in no container config"
    assert "tok-123456" not in json.dumps(kwargs, default=str)
    # pragma: allowlist nextline secret
    assert kwargs["environment"]["PIPELINE_SECRETS_FROM"] == "stdin"
    assert kwargs["stdin_open"] is True
    # pragma: allowlist nextline secret
    assert json.loads(client.api.stdin.sent) == {"TOKEN": "tok-123456"}
    assert client.api.stdin.shut and client.api.stdin.closed, "EOF: the runner stops reading"
    assert kwargs["working_dir"] == "/src"
    ((args, _),) = client.api.called("put_archive")
    with tarfile.open(fileobj=io.BytesIO(args[2])) as tar:
        names = tar.getnames()
    assert "src/app/main.py" in names and "src/build/synth/t.json" in names
    assert not any(n.startswith("src/build/reports") for n in names)
    assert sorted(p.name for p in (repo / "build/reports/scan").iterdir()) == [
        "log.txt",
        "result.json",
    ]
    assert result.reports == ("build/reports/scan/log.txt", "build/reports/scan/result.json")
    assert "tok-123456" not in result.log_tail and "***" in result.log_tail
    assert "tok-123456" not in (repo / "build/reports/scan/log.txt").read_text()
    assert client.api.called("remove_container") == [(("c0ffee",), {"force": True})]


def test_a_failing_stage_is_failed_with_its_log_tail(repo: Path) -> None:
    client = FakeClient()
    client.api.log_chunks = [b"boom\n"]
    finished(client, "failed", 1)
    result = run_stage(client, SCAN, context(repo, []), None)
    assert result.status is Status.FAILED
    assert "tool" in result.log_tail


def test_a_runner_crash_is_an_error_showing_the_streamed_output(repo: Path) -> None:
    client = FakeClient()
    client.api.log_chunks = [b"Traceback (most recent call last):\nImportError: no pipeline\n"]
    client.api.exit_code = 1
    result = run_stage(client, SCAN, context(repo, []), None)
    assert result.status is Status.ERROR
    assert "ImportError: no pipeline" in result.log_tail
    assert not (repo / "build/reports/scan").exists(), "a stale host copy is not reused"
    assert client.api.called("remove_container")


def test_a_container_that_cannot_be_created_is_an_error_and_nothing_to_remove(repo: Path) -> None:
    client = FakeClient()
    client.api.fail["create_container"] = api_error(404, "No such image: pipeline-security:abc")
    result = run_stage(client, SCAN, context(repo, []), None)
    assert result.status is Status.ERROR
    assert "creating pipeline-scan-" in result.message
    assert "No such image" in result.message
    assert not client.api.called("remove_container")


@pytest.mark.parametrize("step", ["put_archive", "start", "logs", "wait", "get_archive"])
def test_any_later_failure_is_an_error_and_the_container_is_still_removed(
    repo: Path, step: str
) -> None:
    client = FakeClient()
    finished(client, "passed", 0)
    client.api.fail[step] = api_error(500, f"{step} exploded")
    result = run_stage(client, SCAN, context(repo, []), None)
    assert result.status is Status.ERROR
    assert f"{step} exploded" in result.message
    assert client.api.called("remove_container")


def test_a_cleanup_failure_does_not_hide_the_outcome(repo: Path) -> None:
    client = FakeClient()
    finished(client, "passed", 0)
    client.api.fail["remove_container"] = api_error(500, "device busy")
    assert run_stage(client, SCAN, context(repo, []), None).status is Status.PASSED


class Timers:
    """The watchdog's timer, deterministic: it fires at once (`expire`) or never."""

    def __init__(self, expire: bool) -> None:
        self.expire = expire
        self.started: list[float] = []
        self.cancelled = 0

    def __call__(self, seconds: float, action: Callable[[], None]) -> Callable[[], None]:
        self.started.append(seconds)
        if self.expire:
            action()

        def cancel() -> None:
            self.cancelled += 1

        return cancel


def test_a_stage_over_its_timeout_is_killed_reported_and_removed(repo: Path) -> None:
    client = FakeClient()
    finished(client, "passed", 0)
    timers = Timers(expire=True)
    result = run_stage(client, SCAN, context(repo, []), None, timeout_s=0.05, start_timer=timers)
    assert timers.started == [0.05]
    assert result.status is Status.ERROR
    assert "did not finish within 0.05 s and was killed" in result.message
    assert client.api.called("kill") and client.api.called("remove_container")
    assert not client.api.called("get_archive")


def test_a_stage_within_its_timeout_is_not_killed(repo: Path) -> None:
    client = FakeClient()
    finished(client, "passed", 0)
    timers = Timers(expire=False)
    result = run_stage(client, SCAN, context(repo, []), None, timeout_s=5.0, start_timer=timers)
    assert result.status is Status.PASSED
    assert not client.api.called("kill")
    assert (timers.started, timers.cancelled) == ([5.0], 1), "the watchdog is stopped"


class FakeClock:
    """monotonic time that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def service_context(repo: Path, network: Network = Network.DEFAULT) -> StageContext:
    stage = replace(CATALOG.stages["integration"], network=network)
    ctx = context(repo, [])
    return replace(
        ctx,
        catalog=replace(
            ctx.catalog, stages=MappingProxyType({**ctx.catalog.stages, stage.name: stage})
        ),
        toolchain_ref="pipeline-python:abc",
        service_refs={"emulator": "pipeline-python:abc"},
    )


def waiting(clock: FakeClock, timeout_s: float = 60.0) -> Waiting:
    return Waiting(timeout_s=timeout_s, poll_s=0.25, clock=clock, sleep=clock.sleep)


@pytest.mark.parametrize(("network", "internal"), [(Network.DEFAULT, False), (Network.NONE, True)])
def test_services_run_on_a_network_of_their_own_and_are_removed(
    repo: Path, network: Network, internal: bool
) -> None:
    client = FakeClient()
    client.api.probes_before_ready = 3
    ctx = service_context(repo, network)
    stage = ctx.catalog.stages["integration"]
    client.api.archives["/src/build/reports/integration"] = tar_of(
        {"integration/result.json": result_json("integration", "passed")}
    )
    clock = FakeClock()
    result = run_stage(client, stage, ctx, None, waiting=waiting(clock))
    assert result.status is Status.PASSED, result.message
    ((net_args, net_kwargs),) = client.api.called("create_network")
    name = net_args[0]
    assert name.startswith("pipeline-integration-")
    assert net_kwargs["internal"] is internal, "a stage without network gets no way out"
    service, stage_ctr = [k for _, k in client.api.called("create_container")]
    assert service["command"][:3] == ["python", "-m", "moto.server"]
    assert service["command"][-4:] == ["-H", "0.0.0.0", "-p", "5000"]  # noqa: S104
    assert service["networking_config"]["EndpointsConfig"][name] == {"aliases": ["emulator"]}
    assert stage_ctr["host_config"]["network_mode"] == name
    assert stage_ctr["environment"]["PIPELINE_EMULATOR_URL"] == "http://emulator:5000"
    assert len(client.api.called("exec_inspect")) == 4, "probed until it answered"
    assert clock.now == pytest.approx(0.75), "slept between probes, not after the answer"
    calls = [n for n, _, _ in client.api.calls]
    assert calls.index("exec_inspect") < calls.index("put_archive"), "ready before the stage"
    removed = [a[0] for a, _ in client.api.called("remove_container")]
    assert removed == ["c0ffee", "svc1"], "the stage container, then its service"
    assert client.api.called("remove_network") == [((name,), {})]


def test_a_service_that_never_answers_is_an_error_and_everything_is_removed(repo: Path) -> None:
    client = FakeClient()
    client.api.probes_before_ready = 10**6
    ctx = service_context(repo)
    clock = FakeClock()
    result = run_stage(
        client, ctx.catalog.stages["integration"], ctx, None, waiting=waiting(clock, 5.0)
    )
    assert result.status is Status.ERROR
    assert "service 'emulator'" in result.message and "within 5 s" in result.message
    assert clock.now == pytest.approx(5.0), "gave up exactly at the deadline"
    assert [a[0] for a, _ in client.api.called("remove_container")] == ["svc1"]
    assert client.api.called("remove_network")
    assert not client.api.called("put_archive"), "the stage never ran"


def test_a_service_that_exits_is_an_error_naming_its_last_lines(repo: Path) -> None:
    client = FakeClient()
    client.api.service_exits = True
    ctx = service_context(repo)
    result = run_stage(
        client, ctx.catalog.stages["integration"], ctx, None, waiting=waiting(FakeClock())
    )
    assert result.status is Status.ERROR
    assert "exited: exit code 2" in result.message
    assert "address already in use" in result.message
    assert client.api.called("remove_network")


def test_ca_bundle_is_mounted_read_only(repo: Path, tmp_path: Path) -> None:
    from pipeline.engines.docker.ca_bundle import CaBundle

    client = FakeClient()
    finished(client, "passed", 0)
    run_stage(client, SCAN, context(repo, []), CaBundle(tmp_path / "ca.crt", b"pem"))
    ((_, kwargs),) = client.api.called("create_container")
    assert f"{tmp_path / 'ca.crt'}:/etc/pipeline/ca-bundle.crt:ro" in kwargs["host_config"]["binds"]
    assert kwargs["environment"]["SSL_CERT_FILE"] == "/etc/pipeline/ca-bundle.crt"


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        ([], []),
        ([b"a\nb"], ["a", "b"]),
        ([b"a\r\n", b"\n"], ["a", ""]),
        ([b"par", b"tial\n"], ["partial"]),
        ([b"\xff\n"], ["\ufffd"]),
    ],
    ids=["empty", "no-final-newline", "crlf-and-blank", "split", "invalid-utf8"],
)
def test_output_is_cut_into_whole_lines(chunks: list[bytes], expected: list[str]) -> None:
    assert list(_lines(chunks)) == expected
