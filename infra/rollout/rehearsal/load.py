"""The rehearsal's steady client: an open-loop client at a fixed rate through the local prod's
router, journeys in the proportions of `local_capacity.STEADY_MIX` (reads of recent readings,
one-reading writes, site reads) on its own site, every answer kept with the version that
served it (X-App-Version). Each write has its own timestamp (100 ms apart, two days back, so
the table stays small and every write stays addressable) and each read checks that every write
acknowledged before it started is there: data written during a canary must stay readable.

Answers refused at the socket (the router is not up yet, or already stopped between
promotions) are kept apart as `no_router`: they are not the app's answers."""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from infra.rollout.providers.probe import VERSION_HEADER

READ, WRITE, SITE = "read", "write", "site"
METRIC = "energy_kwh"
READ_WINDOW = 100  # a read covers the last 100 writes' timestamps (one page)
WORKERS = 8
SPACING_MS = 100  # between two writes' timestamps: a rehearsal's writes span minutes at most
TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Sample:
    """One request: when it started (epoch s), what, the answer (status 0: none) and who."""

    started: float
    journey: str
    status: int
    version: str
    latency_ms: float
    error: str = ""  # why there was no answer; or what a read found missing

    @property
    def answered(self) -> bool:
        """An answer from an app (or a router error page): anything but a refused socket."""
        return self.error != NO_ROUTER

    @property
    def failed(self) -> bool:
        return self.answered and (self.status == 0 or self.status >= 500)


NO_ROUTER = "no_router"


@dataclass(frozen=True)
class Write:
    """An acknowledged write: its reading's timestamp and value, and who stored it."""

    started: float
    finished: float
    timestamp: str
    value: float
    version: str


@dataclass
class Ledger:
    """The client's writes across the rehearsal's promotions (timestamps never repeat)."""

    base: datetime
    written: list[Write] = field(default_factory=list)
    sequence: Iterator[int] = field(default_factory=itertools.count)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def starting(cls, now: datetime) -> Ledger:
        """Timestamps from two days back (accepted by the app, never in the future)."""
        return cls(now.astimezone(UTC).replace(microsecond=0) - timedelta(days=2))

    def next_reading(self) -> tuple[str, float]:
        with self.lock:
            seq = next(self.sequence)
        return _iso(self.base + timedelta(milliseconds=SPACING_MS * seq)), float(seq)

    def acknowledged(self, write: Write) -> None:
        with self.lock:
            self.written.append(write)

    def window(self) -> tuple[str, str, list[Write]]:
        """The range of the last READ_WINDOW writes and the writes acknowledged in it."""
        with self.lock:
            recent = sorted(self.written, key=lambda w: w.timestamp)[-READ_WINDOW:]
        if not recent:
            return _iso(self.base), _iso(self.base + timedelta(milliseconds=SPACING_MS)), []
        end = datetime.fromisoformat(recent[-1].timestamp) + timedelta(milliseconds=SPACING_MS)
        return recent[0].timestamp, _iso(end), recent


def _iso(moment: datetime) -> str:
    """Fixed width (microseconds always), so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def journey_cycle(mix: Mapping[str, float]) -> list[str]:
    """The journeys in proportion to integer-ish weights, interleaved (read, write, read...)."""
    counts = {name: max(1, round(weight)) for name, weight in mix.items() if weight > 0}
    if not counts:
        raise ValueError(f"a steady mix needs a positive weight, got {dict(mix)}")
    order: list[str] = []
    while any(counts.values()):
        for name in list(counts):
            if counts[name]:
                order.append(name)
                counts[name] -= 1
    return order


class SteadyClient:
    """`rate_rps` requests per second (open loop: a slot every 1/rate s, served by a pool of
    workers) through `url` until `stop`; samples and writes kept for the report."""

    def __init__(
        self,
        url: str,
        token: str,
        site: str,
        rate_rps: float,
        ledger: Ledger,
        mix: Mapping[str, float],
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if rate_rps <= 0:
            raise ValueError(f"steady client rate must be > 0 requests/s, not {rate_rps}")
        self.rate_rps = rate_rps
        self.samples: list[Sample] = []
        self._site = site
        self._ledger = ledger
        self._cycle = itertools.cycle(journey_cycle(mix))
        self._clock = clock
        self._client = httpx.Client(
            base_url=url,
            timeout=TIMEOUT_S,
            headers={"Authorization": f"Bearer {token}"},
            transport=transport,
            limits=httpx.Limits(max_connections=WORKERS, max_keepalive_connections=WORKERS),
        )
        self._slots: queue.Queue[str | None] = queue.Queue()
        self._stop = threading.Event()
        self._site_ready = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        self._threads = [threading.Thread(target=self._schedule, daemon=True)]
        self._threads += [threading.Thread(target=self._work, daemon=True) for _ in range(WORKERS)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Send nothing more; wait for the requests in flight (idempotent)."""
        if self._stop.is_set():
            return
        self._stop.set()
        for _ in range(WORKERS):
            self._slots.put(None)
        for thread in self._threads:
            thread.join(timeout=TIMEOUT_S + 2)
        self._client.close()

    def _schedule(self) -> None:
        period = 1 / self.rate_rps
        due = time.monotonic()
        while not self._stop.is_set():
            self._slots.put(next(self._cycle))
            due += period
            self._stop.wait(max(0.0, due - time.monotonic()))

    def _work(self) -> None:
        while True:
            journey = self._slots.get()
            if journey is None or self._stop.is_set():
                return
            self._keep(self.request(journey))

    def _keep(self, sample: Sample) -> None:
        with self._lock:
            self.samples.append(sample)

    def request(self, journey: str) -> Sample:
        """One request of `journey` (the site is created first, once the router answers)."""
        if not self._site_ready.is_set():
            made = self._call(SITE, "PUT", f"/sites/{self._site}", {"name": "Rehearsal"})
            if made.status == 200:
                self._site_ready.set()
            return made
        if journey == WRITE:
            return self._write()
        if journey == READ:
            return self._read()
        return self._call(SITE, "GET", f"/sites/{self._site}")

    def _write(self) -> Sample:
        timestamp, value = self._ledger.next_reading()
        body = {"readings": [{"timestamp": timestamp, "metric": METRIC, "value": value}]}
        sample = self._call(WRITE, "POST", f"/sites/{self._site}/readings", body)
        if sample.status == 200:
            self._ledger.acknowledged(
                Write(sample.started, self._clock(), timestamp, value, sample.version)
            )
        return sample

    def _read(self) -> Sample:
        start, end, expected = self._ledger.window()
        asked = self._clock()
        expected = [w for w in expected if w.finished < asked]
        params = {"metric": METRIC, "from": start, "to": end, "limit": "1000"}
        sample, body = self._exchange(READ, "GET", f"/sites/{self._site}/readings", None, params)
        if sample.status != 200 or not isinstance(body, dict):
            return sample
        missing = missing_writes(expected, body.get("readings", []))
        if missing:
            lacking = f"missing {len(missing)} acknowledged writes"
            return Sample(
                sample.started, READ, sample.status, sample.version, sample.latency_ms, lacking
            )
        return sample

    def _call(self, journey: str, method: str, path: str, body: object = None) -> Sample:
        return self._exchange(journey, method, path, body, None)[0]

    def _exchange(
        self,
        journey: str,
        method: str,
        path: str,
        body: object,
        params: Mapping[str, str] | None,
    ) -> tuple[Sample, object]:
        started = self._clock()
        began = time.monotonic()
        try:
            response = self._client.request(method, path, json=body, params=params)
        except httpx.ConnectError:
            self._stop.wait(0.05)
            return Sample(started, journey, 0, "", 0.0, NO_ROUTER), None
        except httpx.HTTPError as exc:
            elapsed = (time.monotonic() - began) * 1000
            return Sample(started, journey, 0, "", elapsed, type(exc).__name__), None
        elapsed = (time.monotonic() - began) * 1000
        version = response.headers.get(VERSION_HEADER, "")
        try:
            parsed: object = response.json()
        except ValueError:
            parsed = None
        return Sample(started, journey, response.status_code, version, elapsed), parsed


def missing_writes(expected: Sequence[Write], readings: object) -> list[Write]:
    """The acknowledged writes a read's page lacks (same timestamp and value)."""
    found: set[tuple[str, float]] = set()
    for item in readings if isinstance(readings, list) else []:
        if isinstance(item, dict):
            try:
                when = datetime.fromisoformat(str(item["timestamp"]).replace("Z", "+00:00"))
                found.add((_iso(when), float(item["value"])))
            except (KeyError, TypeError, ValueError):
                continue
    return [w for w in expected if (w.timestamp, w.value) not in found]
