"""The rendered HAProxy config."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra.rollout.router.config import Endpoint, RouterSpec, RuntimeAddress, render
from infra.rollout.router.process import RouterConfigInvalid, check_config
from tests.conftest import unavailable

SPEC = RouterSpec(
    listen=Endpoint("127.0.0.1", 8080),
    runtime=RuntimeAddress(port=9999),
    stable=Endpoint("127.0.0.1", 8081),
    canary=Endpoint("127.0.0.1", 8082),
)


def test_two_servers_behind_one_frontend() -> None:
    text = render(SPEC)
    assert "    stats socket ipv4@127.0.0.1:9999 level admin\n" in text
    assert "    bind 127.0.0.1:8080\n" in text
    assert "    balance roundrobin\n" in text
    assert "    server stable 127.0.0.1:8081 weight 100 check inter 1000 fall 2 rise 2\n" in text
    assert "    server canary 127.0.0.1:8082 weight 0 check inter 1000 fall 2 rise 2\n" in text
    assert "    option httpchk GET /version\n" in text
    assert SPEC.url == "http://127.0.0.1:8080"


def test_without_a_canary_the_slot_points_at_stable_with_no_weight() -> None:
    text = render(RouterSpec(Endpoint("127.0.0.1", 8080), RuntimeAddress(path="/tmp/r.sock"),
                             Endpoint("10.0.0.5", 9000)))  # fmt: skip
    assert "    server canary 10.0.0.5:9000 weight 0 " in text
    assert "    stats socket /tmp/r.sock mode 600 level admin\n" in text


@pytest.mark.parametrize(
    ("host", "port", "says"),
    [("127.0.0.1 x", 80, "not a plain host"), ("h", 0, "not in 1..65535"), ("h", 70000, "not in")],
)
def test_endpoints_are_checked(host: str, port: int, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        Endpoint(host, port)


@pytest.mark.router
def test_haproxy_accepts_the_rendered_config(tmp_path: Path) -> None:
    if not shutil.which("haproxy") and not shutil.which("/usr/sbin/haproxy"):
        unavailable("haproxy", "install the Debian package `haproxy`")
    path = tmp_path / "haproxy.cfg"
    path.write_text(render(SPEC))
    check_config(path)
    path.write_text(render(SPEC).replace("balance roundrobin", "balance nonsense"))
    with pytest.raises(RouterConfigInvalid, match="haproxy refused"):
        check_config(path)
