"""One row per request the load generator made (written by the locustfile's request hook),
read back whole or incrementally (progress while the run goes on), and nearest-rank percentiles.

Raw samples instead of locust's aggregates, because the gate needs what locust does not keep:
percentiles over successful requests alone, per operation kind, and per time window.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

HEADER = ("start", "name", "status", "ok", "ms", "users")


@dataclass(frozen=True)
class Sample:
    """A request: when it started (epoch s), its name, HTTP status (0 = no response), whether
    it counted as a success, its latency, and the users running when it started."""

    start: float
    name: str
    status: int
    ok: bool
    ms: float
    users: int

    def row(self) -> list[str]:
        return [
            f"{self.start:.3f}",
            self.name,
            str(self.status),
            "1" if self.ok else "0",
            f"{self.ms:.1f}",
            str(self.users),
        ]


def parse_row(row: Sequence[str]) -> Sample | None:
    """A sample, or None for the header and for a row cut short (the writer still writing)."""
    if len(row) != len(HEADER) or row[0] == HEADER[0]:
        return None
    try:
        return Sample(
            start=float(row[0]),
            name=row[1],
            status=int(row[2]),
            ok=row[3] == "1",
            ms=float(row[4]),
            users=int(row[5]),
        )
    except ValueError:
        return None


def header_line() -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(HEADER)
    return buffer.getvalue()


def format_sample(sample: Sample) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(sample.row())
    return buffer.getvalue()


def read_samples(path: Path) -> list[Sample]:
    """Every complete sample in the file (none when it does not exist)."""
    return SampleTail(path).read_new()


class SampleTail:
    """Reads the samples appended since the last call (whole lines only)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0

    def read_new(self) -> list[Sample]:
        try:
            with self.path.open("rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except FileNotFoundError:
            return []
        complete = data[: data.rfind(b"\n") + 1]
        self._offset += len(complete)
        rows = csv.reader(io.StringIO(complete.decode("utf-8", errors="replace")))
        return [s for s in (parse_row(row) for row in rows) if s is not None]


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (an observed value, never interpolated); None with no values."""
    if not values:
        return None
    if not 0 < q <= 100:
        raise ValueError(f"percentile {q} is outside (0, 100]")
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def percentile_lower_bound(values: Sequence[float], q: float, confidence: float) -> float | None:
    """A distribution-free lower confidence bound of the q-th percentile: the highest order
    statistic X(l) with P(X(l) <= true percentile) >= `confidence`, i.e. P(Bin(n, q/100) >= l)
    >= confidence. None when no sample is low enough for that (too few samples)."""
    if not values:
        return None
    ordered = sorted(values)
    n, p = len(ordered), q / 100
    if p >= 1:
        return ordered[-1]
    # Sum the binomial's upper tail P(B >= l) from l = n down (log space: n may be tens of
    # thousands); the first l whose tail reaches the confidence is the bound's rank.
    log_p, log_not_p = math.log(p), math.log1p(-p)
    tail = 0.0
    for rank in range(n, 0, -1):
        tail += math.exp(
            math.lgamma(n + 1)
            - math.lgamma(rank + 1)
            - math.lgamma(n - rank + 1)
            + rank * log_p
            + (n - rank) * log_not_p
        )
        if tail >= confidence:
            return ordered[rank - 1]
    return None


def latencies(samples: Iterable[Sample], successes_only: bool = False) -> list[float]:
    return [s.ms for s in samples if s.ok or not successes_only]
