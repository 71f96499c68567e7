"""HAProxy's runtime API (one command per connection, TCP on loopback or a unix socket) and pure
parsers for what it answers: `get weight`, `show servers state`, `show stat` (CSV)."""

from __future__ import annotations

import csv
import io
import socket
from collections.abc import Mapping
from dataclasses import dataclass

from infra.rollout.errors import RouterUnavailable, ShiftFailed
from infra.rollout.router.config import RuntimeAddress


@dataclass(frozen=True)
class ServerState:
    """A server's address and user-set weight (`show servers state`)."""

    name: str
    host: str
    port: int
    weight: int


@dataclass(frozen=True)
class ServerStats:
    """A server's cumulative counters and status (`show stat`)."""

    name: str
    status: str  # UP, DOWN, MAINT, "no check", ...
    weight: int
    responses: int  # hrsp_1xx .. hrsp_5xx + hrsp_other
    errors_5xx: int
    connect_errors: int  # econ: requests the server never answered
    rtime_ms: int  # average response time of the last 1024 requests

    @property
    def requests(self) -> int:
        return self.responses + self.connect_errors

    @property
    def errors(self) -> int:
        return self.errors_5xx + self.connect_errors


class HAProxyRuntime:
    """A client of the runtime API at `address`."""

    def __init__(self, address: RuntimeAddress, timeout_s: float = 3.0) -> None:
        self.address = address
        self._timeout = timeout_s

    def command(self, line: str) -> str:
        """Send one command; the answer text. RouterUnavailable when nothing listens."""
        try:
            with self._connect() as conn:
                conn.sendall(line.encode() + b"\n")
                chunks = []
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
        except OSError as exc:
            raise RouterUnavailable(
                f"router runtime API at {self.address} does not answer ({exc.strerror or exc}): "
                "is HAProxy running? Start the local router, then rerun"
            ) from None
        return b"".join(chunks).decode(errors="replace")

    def set_weight(self, backend: str, server: str, weight: int) -> None:
        answer = self.command(f"set server {backend}/{server} weight {weight}").strip()
        if answer:
            raise ShiftFailed(f"router refused weight {weight} for {backend}/{server}: {answer}")

    def weight(self, backend: str, server: str) -> int:
        return parse_weight(self.command(f"get weight {backend}/{server}"), f"{backend}/{server}")

    def set_address(self, backend: str, server: str, host: str, port: int) -> None:
        answer = self.command(f"set server {backend}/{server} addr {host} port {port}").strip()
        if answer and "changed" not in answer and "no need to change" not in answer:
            raise ShiftFailed(
                f"router refused address {host}:{port} for {backend}/{server}: {answer}"
            )

    def servers(self, backend: str) -> dict[str, ServerState]:
        return parse_servers_state(self.command(f"show servers state {backend}"), backend)

    def stats(self, backend: str) -> dict[str, ServerStats]:
        return parse_stats(self.command("show stat"), backend)

    def _connect(self) -> socket.socket:
        if self.address.path:
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.settimeout(self._timeout)
            try:
                conn.connect(self.address.path)
            except OSError:
                conn.close()
                raise
            return conn
        host = self.address.host or "127.0.0.1"
        return socket.create_connection((host, self.address.port), timeout=self._timeout)


def parse_weight(text: str, server: str) -> int:
    """`10 (initial 0)` -> 10."""
    first = text.strip().split(" ", 1)[0]
    if not first.isdigit():
        raise ShiftFailed(f"router answered {text.strip()!r} for the weight of {server}")
    return int(first)


def parse_servers_state(text: str, backend: str) -> dict[str, ServerState]:
    """`show servers state <backend>`: version line, a `#` header, one line per server."""
    lines = [line for line in text.splitlines() if line.strip()]
    header = next((line for line in lines if line.startswith("# ")), "")
    if not header:
        raise ShiftFailed(f"router answered {text.strip()[:200]!r} for servers of {backend}")
    columns = header[2:].split()
    servers = {}
    for line in lines:
        if line.startswith("#") or line.strip().isdigit():
            continue
        row = dict(zip(columns, line.split(), strict=False))
        if row.get("be_name") != backend:
            continue
        servers[row["srv_name"]] = ServerState(
            row["srv_name"], row["srv_addr"], int(row["srv_port"]), int(row["srv_uweight"])
        )
    return servers


def parse_stats(text: str, backend: str) -> dict[str, ServerStats]:
    """`show stat` CSV (header starts with `# `): the servers of `backend`."""
    if not text.startswith("# "):
        raise ShiftFailed(f"router answered {text.strip()[:200]!r} for show stat")
    rows = csv.DictReader(io.StringIO(text[2:]))
    stats = {}
    for row in rows:
        if row.get("pxname") != backend or row.get("svname") in ("FRONTEND", "BACKEND"):
            continue
        stats[row["svname"]] = ServerStats(
            name=row["svname"],
            status=row.get("status", ""),
            weight=_int(row, "weight"),
            responses=sum(
                _int(row, f"hrsp_{kind}") for kind in ("1xx", "2xx", "3xx", "4xx", "5xx", "other")
            ),
            errors_5xx=_int(row, "hrsp_5xx"),
            connect_errors=_int(row, "econ"),
            rtime_ms=_int(row, "rtime"),
        )
    return stats


def _int(row: Mapping[str, str | None], name: str) -> int:
    value = row.get(name) or ""
    return int(value) if value.isdigit() else 0
