from __future__ import annotations

from pathlib import Path

import pytest

import infra.artifact.__main__ as cli
from infra.artifact import BuildError, Bundle


def test_build_prints_digest(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def fake_build(repo: Path, out: Path) -> Bundle:
        return Bundle(path=out / "lambda.zip", sha256="ab" * 32, size=10)

    monkeypatch.setattr(cli, "build_bundle", fake_build)
    assert cli.main(["build", "--out", str(tmp_path)]) == 0
    assert f"sha256:{'ab' * 32}" in capsys.readouterr().out


def test_build_errors_exit_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing(repo: Path, out: Path) -> Bundle:
        raise BuildError("pip failed")

    monkeypatch.setattr(cli, "build_bundle", failing)
    assert cli.main(["build", "--out", str(tmp_path)]) == 1
    assert "pip failed" in capsys.readouterr().err


def test_bad_usage_exits_2() -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["publish"])
    assert caught.value.code == 2


def test_not_a_repository_is_a_build_error(tmp_path: Path) -> None:
    assert cli.main(["build", "--repo", str(tmp_path), "--out", str(tmp_path / "out")]) == 1
