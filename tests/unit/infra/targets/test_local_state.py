from __future__ import annotations

import stat
from pathlib import Path

import jwt

from app.local.dev_keys import LOCAL_AUDIENCE
from infra.targets.local_state import (
    KEYS_FILE,
    ServedApp,
    app_file,
    app_url,
    local_keys,
    local_token,
    read_app,
    remove_app,
    reserve_port,
    write_app,
)


def test_served_app_round_trip(tmp_path: Path) -> None:
    served = ServedApp("dev", app_url(8123), 8123, "d" * 64, "docker", "energy-insights-dev")
    assert read_app(tmp_path, "dev") is None
    write_app(tmp_path, served)
    assert read_app(tmp_path, "dev") == served
    remove_app(tmp_path, "dev")
    assert read_app(tmp_path, "dev") is None


def test_a_broken_record_reads_as_none(tmp_path: Path) -> None:
    path = app_file(tmp_path, "dev")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert read_app(tmp_path, "dev") is None


def test_reserved_port_is_kept_across_redeploys(tmp_path: Path) -> None:
    fresh = reserve_port(tmp_path, "dev")
    assert 0 < fresh < 65536
    write_app(tmp_path, ServedApp("dev", app_url(8123), 8123, "d", "host", "1"))
    assert reserve_port(tmp_path, "dev") == 8123


def test_keys_are_created_once_and_private(tmp_path: Path) -> None:
    first = local_keys(tmp_path)
    assert stat.S_IMODE((tmp_path / KEYS_FILE).stat().st_mode) == 0o600
    assert local_keys(tmp_path) == first
    token = local_token(tmp_path)
    claims = jwt.decode(token, first.public_pem, algorithms=["RS256"], audience=LOCAL_AUDIENCE)
    assert claims["sub"]
