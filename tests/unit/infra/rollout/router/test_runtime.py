"""Parsing what HAProxy 2.6's runtime API answers (texts captured from a real haproxy)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.rollout.errors import RouterUnavailable, ShiftFailed
from infra.rollout.router.config import RuntimeAddress
from infra.rollout.router.runtime import (
    HAProxyRuntime,
    ServerState,
    parse_servers_state,
    parse_stats,
    parse_weight,
)

SERVERS_STATE = """1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 app 1 stable 127.0.0.1 2 0 90 100 1 1 0 2 0 0 0 0 - 19981 - 0 0 - - 0
3 app 2 canary 127.0.0.1 2 0 10 0 1 1 0 2 0 0 0 0 - 19983 - 0 0 - - 0

"""  # noqa: E501

HEADER = (
    "# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,"
    "wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,"
    "lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,"
    "hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,"
    "cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,"
    "ctime,rtime,ttime\n"
)


def stat_row(
    px: str, sv: str, status: str, weight: str, econ: str, hrsp: list[str], rtime: str
) -> str:
    cells = [px, sv] + [""] * 11 + [econ] + [""] * 3 + [status, weight] + [""] * 20 + hrsp
    cells += [""] * 15 + [rtime, ""]
    return ",".join(cells) + "\n"


SHOW_STAT = (
    HEADER
    + stat_row("live", "FRONTEND", "OPEN", "", "", ["0", "300", "0", "0", "20", "0"], "")
    + stat_row("app", "stable", "UP", "90", "0", ["0", "180", "0", "2", "0", "0"], "15")
    + stat_row("app", "canary", "DOWN", "10", "3", ["0", "15", "0", "0", "5", "1"], "40")
    + stat_row("app", "BACKEND", "UP", "100", "3", ["0", "195", "0", "2", "5", "1"], "17")
)


def test_weight() -> None:
    assert parse_weight("10 (initial 0)\n\n", "app/canary") == 10
    with pytest.raises(ShiftFailed, match=r"answered 'No such server\.' for the weight of app/x"):
        parse_weight("No such server.\n", "app/x")


def test_servers_state() -> None:
    assert parse_servers_state(SERVERS_STATE, "app") == {
        "stable": ServerState("stable", "127.0.0.1", 19981, 90),
        "canary": ServerState("canary", "127.0.0.1", 19983, 10),
    }
    assert parse_servers_state(SERVERS_STATE, "other") == {}
    with pytest.raises(ShiftFailed, match="Can't find backend"):
        parse_servers_state("Can't find backend.\n", "app")


def test_stats_per_server() -> None:
    stats = parse_stats(SHOW_STAT, "app")
    assert set(stats) == {"stable", "canary"}
    canary = stats["canary"]
    assert (canary.status, canary.weight, canary.rtime_ms) == ("DOWN", 10, 40)
    assert (canary.responses, canary.errors_5xx, canary.connect_errors) == (21, 5, 3)
    assert (canary.requests, canary.errors) == (24, 8)
    with pytest.raises(ShiftFailed, match="for show stat"):
        parse_stats("Permission denied\n", "app")


@pytest.fixture
def one_shot_server(tmp_path: Path) -> Iterator[tuple[RuntimeAddress, list[bytes]]]:
    """A unix socket that answers like the runtime API: read one line, answer, close."""
    path = str(tmp_path / "admin.sock")
    received: list[bytes] = []
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            received.append(conn.recv(1024))
            conn.sendall(b"10 (initial 0)\n\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield RuntimeAddress(path=path), received
    thread.join(timeout=5)
    listener.close()


def test_one_command_per_connection_over_a_unix_socket(
    one_shot_server: tuple[RuntimeAddress, list[bytes]],
) -> None:
    address, received = one_shot_server
    assert HAProxyRuntime(address).weight("app", "canary") == 10
    assert received == [b"get weight app/canary\n"]


def test_nothing_listening_is_router_unavailable(tmp_path: Path) -> None:
    runtime = HAProxyRuntime(RuntimeAddress(path=str(tmp_path / "gone.sock")))
    with pytest.raises(RouterUnavailable, match=r"does not answer .*is HAProxy running"):
        runtime.command("show info")


@pytest.mark.parametrize(
    ("address", "text", "bind"),
    [
        (RuntimeAddress(port=9999), "tcp:127.0.0.1:9999", "ipv4@127.0.0.1:9999 level admin"),
        (
            RuntimeAddress(path="/run/r.sock"),
            "unix:/run/r.sock",
            "/run/r.sock mode 600 level admin",
        ),
    ],
)
def test_runtime_addresses(address: RuntimeAddress, text: str, bind: str) -> None:
    assert (str(address), address.bind()) == (text, bind)


@pytest.mark.parametrize("kwargs", [{}, {"port": 1, "path": "/x"}])
def test_a_runtime_address_is_either_tcp_or_unix(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="either a unix socket path or a TCP port"):
        RuntimeAddress(**kwargs)  # type: ignore[arg-type]
