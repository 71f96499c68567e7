"""A recording stand-in for the Dagger SDK: every chained call is recorded as data, execs
"run" according to a per-stage Script, services record when they start and stop."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import anyio
import dagger
from dagger._exceptions import QueryErrorValue

# --- the recording stand-in -------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


# pragma: allowlist nextline secret
PLAINTEXT_TOKEN = "eyJ-plaintext-smoke-token"  # what the auth exec "wrote"


@dataclass(frozen=True)
class FakeCacheVolume:
    key: str


class FakeSecret:
    """Holds a plaintext the way dagger.Secret does: never part of its repr."""

    def __init__(self, name: str, plaintext: str) -> None:
        self.name = name
        self._plaintext = plaintext

    def __repr__(self) -> str:
        return f"FakeSecret({self.name!r})"


@dataclass(frozen=True)
class FakeFile:
    origin: Any  # a FakeDirectory or FakeContainer
    path: str

    async def contents(self) -> str:
        if isinstance(self.origin, FakeDirectory) and isinstance(self.origin.origin, tuple):
            container, folder = self.origin.origin
            return await container.read(f"{folder}/{self.path}")
        assert isinstance(self.origin, FakeContainer), "only container files are read"
        return await self.origin.read(self.path)


@dataclass(frozen=True)
class FakeDirectory:
    origin: Any  # a name for host directories, or (container, path)
    calls: tuple[Call, ...] = ()

    def _then(self, method: str, *args: Any, **kwargs: Any) -> FakeDirectory:
        return FakeDirectory(self.origin, (*self.calls, Call(method, args, kwargs)))

    def file(self, path: str) -> FakeFile:
        return FakeFile(self, path)

    def with_directory(self, path: str, source: FakeDirectory, **kw: Any) -> FakeDirectory:
        return self._then("with_directory", path, source, **kw)

    def with_new_file(self, path: str, contents: str, **kw: Any) -> FakeDirectory:
        return self._then("with_new_file", path, contents, **kw)


@dataclass(frozen=True)
class Script:
    """What a stage does when the fake engine "runs" it."""

    status: str = "passed"
    exit_code: int = 0
    writes_result: bool = True
    engine_error: str = ""
    failed_exec: tuple[str, ...] = ()  # an install exec that failed: the SDK raises ExecError
    digest_file: str = f"{'ab' * 32}  lambda.zip\n"  # what the build stage wrote
    stderr: str = ""  # what an exec run with expect=ANY printed to stderr
    step_summary: str | None = None  # the Markdown block it left (perf), None: no such file


@dataclass
class FakeClient:
    scripts: dict[str, Script] = field(default_factory=dict)
    events: list[tuple[str, str]] = field(default_factory=list)
    on_start: Callable[[str], Any] | None = None

    def container(self) -> FakeContainer:
        return FakeContainer(self)

    def cache_volume(self, key: str, **kw: Any) -> FakeCacheVolume:
        return FakeCacheVolume(key)

    def directory(self) -> FakeDirectory:
        return FakeDirectory("empty")

    def script(self, stage: str) -> Script:
        return self.scripts.get(stage, Script())

    def set_secret(self, name: str, plaintext: str) -> FakeSecret:
        self.events.append(("set_secret", name))
        return FakeSecret(name, plaintext)


@dataclass(frozen=True)
class FakeContainer:
    client: FakeClient
    calls: tuple[Call, ...] = ()

    def _then(self, method: str, *args: Any, **kwargs: Any) -> FakeContainer:
        return FakeContainer(self.client, (*self.calls, Call(method, args, kwargs)))

    def from_(self, address: str) -> FakeContainer:
        return self._then("from_", address)

    def with_exec(self, args: list[str], **kw: Any) -> FakeContainer:
        return self._then("with_exec", list(args), **kw)

    def with_env_variable(self, name: str, value: str, **kw: Any) -> FakeContainer:
        return self._then("with_env_variable", name, value, **kw)

    def with_secret_variable(self, name: str, secret: FakeSecret) -> FakeContainer:
        return self._then("with_secret_variable", name, secret)

    def with_mounted_cache(self, path: str, cache: FakeCacheVolume, **kw: Any) -> FakeContainer:
        return self._then("with_mounted_cache", path, cache, **kw)

    def with_directory(self, path: str, source: FakeDirectory, **kw: Any) -> FakeContainer:
        return self._then("with_directory", path, source, **kw)

    def with_file(self, path: str, source: FakeFile, **kw: Any) -> FakeContainer:
        return self._then("with_file", path, source, **kw)

    def with_workdir(self, path: str, **kw: Any) -> FakeContainer:
        return self._then("with_workdir", path, **kw)

    def with_(self, callback: Callable[[FakeContainer], FakeContainer]) -> FakeContainer:
        return callback(self)

    def with_exposed_port(self, port: int, **kw: Any) -> FakeContainer:
        return self._then("with_exposed_port", port, **kw)

    def with_service_binding(self, alias: str, service: FakeService) -> FakeContainer:
        return self._then("with_service_binding", alias, service)

    def as_service(self, *, args: list[str] | None = None, **kw: Any) -> FakeService:
        return FakeService(self, tuple(args or ()))

    def directory(self, path: str) -> FakeDirectory:
        return FakeDirectory((self, path))

    def file(self, path: str) -> FakeFile:
        return FakeFile(self, path)

    @property
    def stage(self) -> str:
        """The stage this container runs: by name, or the name inside --stage-json."""
        last = self.calls[-1]
        assert last.method == "with_exec"
        argv = last.args[0]
        if len(argv) >= 2 and argv[-2] == "--stage-json":
            return str(json.loads(argv[-1])["name"])
        return str(argv[-1])

    async def exit_code(self) -> int:
        stage = self.stage
        script = self.client.script(stage)
        self.client.events.append(("start", stage))
        if self.client.on_start is not None:
            await self.client.on_start(stage)
        await anyio.sleep(0.01)
        self.client.events.append(("end", stage))
        if script.failed_exec:
            raise exec_error(script.failed_exec, script.engine_error)
        if script.engine_error:
            raise dagger.DaggerError(script.engine_error)
        return script.exit_code

    async def stderr(self) -> str:
        return self.client.script(self.stage).stderr

    async def read(self, path: str) -> str:
        if path.endswith("/token"):
            return PLAINTEXT_TOKEN
        script = self.client.script(self.stage)
        if path.endswith(".sha256"):
            return script.digest_file
        if path.endswith("/step-summary.md"):
            if script.step_summary is None:
                raise dagger.QueryError(
                    [QueryErrorValue(f"{path}: no such file")], SimpleNamespace(document=None)
                )
            return script.step_summary
        if path.endswith("/result.json"):
            if not script.writes_result:
                raise dagger.QueryError(
                    [QueryErrorValue(f"{path}: no such file")], SimpleNamespace(document=None)
                )
            step = {
                "name": "step",
                "argv": ["tool"],
                "exit_code": script.exit_code,
                "status": script.status,
                "duration_s": 0.5,
                "detail": "" if script.status == "passed" else "pip-audit: 3 not audited",
            }
            return json.dumps({"stage": self.stage, "status": script.status, "steps": [step]})
        return f"log of {self.stage}\nlast line of {self.stage}\n"

    async def stdout(self) -> str:
        return f"runner output of {self.stage} (secrets scrubbed by Dagger)\n"


@dataclass(frozen=True)
class FakeService:
    """A container turned service; start/stop are recorded as client events."""

    container: FakeContainer
    args: tuple[str, ...]

    async def start(self) -> FakeService:
        self.container.client.events.append(("service-start", self.args[0]))
        return self

    async def stop(self, **kw: Any) -> FakeService:
        self.container.client.events.append(("service-stop", self.args[0]))
        return self


def exec_error(cmd: tuple[str, ...], stderr: str) -> dagger.QueryError:
    value = QueryErrorValue(
        "process did not complete successfully: exit code: 2",
        extensions={
            "_type": "EXEC_ERROR",
            "cmd": list(cmd),
            "exitCode": 2,
            "stdout": "Resolved 120 packages\n",
            "stderr": stderr,
        },
    )
    return dagger.QueryError([value], SimpleNamespace(document=None))


def calls_named(ctr: FakeContainer, method: str) -> list[Call]:
    return [c for c in ctr.calls if c.method == method]


def index_of(ctr: FakeContainer, method: str, first_arg: Any) -> int:
    for i, call in enumerate(ctr.calls):
        if call.method == method and call.args and call.args[0] == first_arg:
            return i
    raise AssertionError(f"no {method}({first_arg!r}) in {[c.method for c in ctr.calls]}")


def env_of(ctr: FakeContainer) -> dict[str, tuple[str, bool]]:
    return {
        c.args[0]: (c.args[1], bool(c.kwargs.get("expand")))
        for c in calls_named(ctr, "with_env_variable")
    }


SOURCE = FakeDirectory("repo")
