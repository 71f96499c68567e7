"""A recording stand-in for docker-py's DockerClient (only the low-level `api` calls we use)."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import docker.errors


def tar_of(files: dict[str, bytes]) -> bytes:
    """A `docker cp`-style archive holding `files` (paths with their top folder)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        folders = sorted(
            {"/".join(p.split("/")[:i]) for p in files for i in range(1, p.count("/") + 1)}
        )
        for folder in folders:
            info = tarfile.TarInfo(folder)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tar.addfile(info)
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def result_json(stage: str, status: str, exit_code: int = 0) -> bytes:
    return json.dumps(
        {
            "stage": stage,
            "status": status,
            "steps": [
                {
                    "name": "step",
                    "argv": ["tool"],
                    "exit_code": exit_code,
                    "status": status,
                    "duration_s": 0.1,
                    "detail": "",
                }
            ],
        }
    ).encode()


def api_error(status: int, explanation: str) -> docker.errors.APIError:
    response = type("Response", (), {"status_code": status, "reason": "x", "url": "u"})()
    return docker.errors.APIError("boom", response=response, explanation=explanation)


@dataclass
class FakeSocket:
    """The hijacked stdin socket docker-py returns from attach_socket (wrapped in `_sock`)."""

    sent: bytearray = field(default_factory=bytearray)
    shut: bool = False
    closed: bool = False

    @property
    def _sock(self) -> FakeSocket:
        return self

    def sendall(self, data: bytes) -> None:
        self.sent.extend(data)

    def shutdown(self, how: int) -> None:
        self.shut = True

    def close(self) -> None:
        self.closed = True


@dataclass
class FakeAPI:
    images: set[str] = field(default_factory=set)
    log_chunks: list[bytes] = field(default_factory=list)
    exit_code: int = 0
    archives: dict[str, bytes] = field(default_factory=dict)  # container path -> tar
    fail: dict[str, Exception] = field(default_factory=dict)  # method name -> error to raise
    build_chunks: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)
    killed: threading.Event = field(default_factory=threading.Event)
    stdin: FakeSocket = field(default_factory=FakeSocket)
    # service containers: how many probes fail before one answers; or the one that exits
    probes_before_ready: int = 0
    service_exits: bool = False
    containers_made: int = 0

    def _record(self, method: str, /, *args: Any, **kwargs: Any) -> None:
        self.calls.append((method, args, kwargs))
        if method in self.fail:
            raise self.fail[method]

    def called(self, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(a, k) for n, a, k in self.calls if n == name]

    def inspect_image(self, ref: str) -> dict[str, Any]:
        self._record("inspect_image", ref)
        if ref not in self.images:
            raise docker.errors.ImageNotFound(f"No such image: {ref}")
        return {"Id": ref}

    def pull(self, repository: str, tag: str) -> str:
        self._record("pull", repository, tag=tag)
        self.images.add(f"{repository}:{tag}")
        return ""

    def import_image(self, src: str, **kwargs: Any) -> str:
        self._record("import_image", src, **kwargs)
        self.images.add(f"{kwargs['repository']}:{kwargs['tag']}")
        return ""

    def build(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        self._record("build", **kwargs)
        yield from self.build_chunks
        if not any("error" in c for c in self.build_chunks):
            self.images.add(kwargs["tag"])

    def create_host_config(self, **kwargs: Any) -> dict[str, Any]:
        return dict(kwargs)

    def create_networking_config(self, endpoints: dict[str, Any]) -> dict[str, Any]:
        return {"EndpointsConfig": endpoints}

    def create_endpoint_config(self, **kwargs: Any) -> dict[str, Any]:
        return dict(kwargs)

    def create_container(self, image: str, **kwargs: Any) -> dict[str, str]:
        self._record("create_container", image, **kwargs)
        self.containers_made += 1
        return {
            "Id": "c0ffee" if "networking_config" not in kwargs else f"svc{self.containers_made}"
        }

    def create_network(self, name: str, **kwargs: Any) -> dict[str, str]:
        self._record("create_network", name, **kwargs)
        return {"Id": f"net-{name}"}

    def remove_network(self, name: str) -> None:
        self._record("remove_network", name)

    def attach_socket(self, container: str, params: dict[str, int]) -> FakeSocket:
        self._record("attach_socket", container, params=params)
        return self.stdin

    def exec_create(self, container: str, cmd: list[str]) -> dict[str, str]:
        self._record("exec_create", container, cmd)
        return {"Id": f"exec-{len(self.called('exec_create'))}"}

    def exec_start(self, exec_id: str) -> bytes:
        self._record("exec_start", exec_id)
        return b""

    def exec_inspect(self, exec_id: str) -> dict[str, int]:
        self._record("exec_inspect", exec_id)
        ready = len(self.called("exec_inspect")) > self.probes_before_ready
        return {"ExitCode": 0 if ready and not self.service_exits else 1}

    def inspect_container(self, container: str) -> dict[str, Any]:
        self._record("inspect_container", container)
        if self.service_exits:
            return {"State": {"Running": False, "ExitCode": 2}}
        return {"State": {"Running": True}}

    def put_archive(self, container: str, path: str, data: bytes) -> bool:
        self._record("put_archive", container, path, data)
        return True

    def start(self, container: str) -> None:
        self._record("start", container)

    def logs(self, container: str, **kwargs: Any) -> Any:
        self._record("logs", container, **kwargs)
        if not kwargs.get("stream"):
            return b"moto: address already in use\n"
        return iter(self.log_chunks)

    def wait(self, container: str) -> dict[str, int]:
        self._record("wait", container)
        if self.killed.is_set():
            return {"StatusCode": 137}
        return {"StatusCode": self.exit_code}

    def kill(self, container: str) -> None:
        self._record("kill", container)
        self.killed.set()

    def get_archive(self, container: str, path: str) -> tuple[Iterator[bytes], dict[str, Any]]:
        self._record("get_archive", container, path)
        if path not in self.archives:
            raise docker.errors.NotFound(f"Could not find the file {path} in container")
        data = self.archives[path]
        return iter([data[:100], data[100:]]), {}

    def remove_container(self, container: str, force: bool = False) -> None:
        self._record("remove_container", container, force=force)

    def close(self) -> None:
        self._record("close")


@dataclass
class FakeClient:
    api: FakeAPI = field(default_factory=FakeAPI)
    closed: bool = False

    def close(self) -> None:
        self.closed = True
