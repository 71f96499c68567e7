"""Where the local evaluator's metrics come from (the ports and their implementations).

A `MetricSource` yields the JSON documents an app printed since the previous call (EMF and log
records): `AppLogSource` reads them incrementally from a served app's whole log
(`AppRunner.logs(handle)`, a container's output or a process's log file), `LinesSource` from
lines or files. `ServedAppFeeds` is the local target's `feeds_for(env)`: the app it serves for
the environment (its record under .pipeline/local/apps). `RouterStatsSource` gives the router's
counters when a local router runs (the rollout's adapter).

Reuse for other apps (a canary and a stable container): `LocalFeeds(AppLogSource(lambda:
runner.logs(handle)), router=...)`, one per environment, given to `local_alarm_source`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from infra.monitoring.emf import json_documents
from infra.monitoring.local_metrics import RouterSample
from infra.targets.local_state import read_app


class MetricSource(Protocol):
    """The JSON documents an app printed since the previous call (EMF and log records)."""

    def documents(self) -> Iterable[Mapping[str, Any]]: ...


class RouterStatsSource(Protocol):
    """The router's readings taken since the previous call."""

    def samples(self) -> Sequence[RouterSample]: ...


class LinesSource:
    """A MetricSource over a growing list of lines (tests) and log files (a host process's
    stdout): each call yields what was added since the last one."""

    def __init__(self, lines: Sequence[str] = (), files: Sequence[Path] = ()) -> None:
        self._lines = lines
        self._files = tuple(files)
        self._next_line = 0
        self._offsets: dict[Path, int] = {}

    def documents(self) -> Iterator[Mapping[str, Any]]:
        new, self._next_line = self._lines[self._next_line :], len(self._lines)
        yield from json_documents(new)
        for path in self._files:
            if not path.is_file():
                continue
            with path.open("rb") as handle:
                offset = self._offsets.get(path, 0)
                if offset > path.stat().st_size:  # truncated or replaced: start over
                    offset = 0
                handle.seek(offset)
                data = handle.read()
            complete = data.rfind(b"\n") + 1  # a half-written last line waits for next time
            self._offsets[path] = offset + complete
            yield from json_documents(data[:complete].decode("utf-8", "replace").splitlines())


class AppLogSource:
    """A MetricSource over one app's whole log: `read` returns everything it printed so far
    (e.g. `lambda: runner.logs(handle)`); each call parses only the complete lines added since
    the previous one. A log that no longer starts with what was read (the app was replaced) is
    read again from its start."""

    def __init__(self, read: Callable[[], str]) -> None:
        self._read = read
        self._consumed = 0  # characters of complete lines already parsed
        self._seen = hashlib.sha256(b"").digest()  # of those characters

    def documents(self) -> list[Mapping[str, Any]]:
        text = self._read()
        if self._consumed and _digest(text[: self._consumed]) != self._seen:
            self._consumed = 0
        end = text.rfind("\n") + 1  # a half-written last line waits for the next call
        if end <= self._consumed:
            return []
        new = text[self._consumed : end]
        self._consumed, self._seen = end, _digest(text[:end])
        return list(json_documents(new.splitlines()))


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "replace")).digest()


class LogReader(Protocol):
    """What reads a served app's whole log by its handle (`infra.targets.local_apps.AppRunner`)."""

    def logs(self, handle: str) -> str: ...


@dataclass(frozen=True)
class LocalFeeds:
    metrics: MetricSource
    router: RouterStatsSource | None = None
    about: str = ""  # where the metrics come from, for the user


class ServedAppFeeds:
    """`feeds_for` of the local target: each environment's served app (its record under
    .pipeline/local/apps), read through the runner that serves it (`runner_for(name)`)."""

    def __init__(self, repo: Path, runner_for: Callable[[str], LogReader]) -> None:
        self._repo = repo
        self._runner_for = runner_for

    def __call__(self, env: str) -> LocalFeeds:
        served = read_app(self._repo, env)
        if served is None:
            return LocalFeeds(
                LinesSource(),
                about=f"no app is served for {env} locally (deploy it first: "
                f"`pipeline deploy --env {env}`)",
            )
        runner = self._runner_for(served.runner)
        return LocalFeeds(
            AppLogSource(lambda: runner.logs(served.handle)),
            about=(
                f"the log of the {env} app ({served.runner} {served.handle}, digest "
                f"{served.digest[:12]})"
            ),
        )
