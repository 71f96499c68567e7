from __future__ import annotations

from pathlib import Path

import pytest

import infra.artifact.__main__ as cli
from infra.artifact import BuildError, Bundle, build_bundle


def test_build_prints_digest(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels: list[str] = []

    def fake_build(repo: Path, out: Path, label: str = "") -> Bundle:
        labels.append(label)
        return Bundle(path=out / "lambda.zip", sha256="ab" * 32, size=10)

    monkeypatch.delenv(cli.LABEL_ENV, raising=False)
    monkeypatch.setattr(cli, "build_bundle", fake_build)
    assert cli.main(["build", "--out", str(tmp_path)]) == 0
    assert f"sha256:{'ab' * 32}" in capsys.readouterr().out
    assert labels == [""]


def test_the_build_label_comes_from_the_stage_parameter(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels: list[str] = []

    def fake_build(repo: Path, out: Path, label: str = "") -> Bundle:
        labels.append(label)
        return Bundle(path=out / "lambda.zip", sha256="ab" * 32, size=10)

    monkeypatch.setenv(cli.LABEL_ENV, "second release")
    monkeypatch.setattr(cli, "build_bundle", fake_build)
    assert cli.main(["build", "--out", str(tmp_path)]) == 0
    assert labels == ["second release"]
    assert "label 'second release'" in capsys.readouterr().out


@pytest.mark.parametrize("label", [" padded", "two\nlines", "x" * 101])
def test_a_bad_label_is_a_build_error(tmp_path: Path, label: str) -> None:
    with pytest.raises(BuildError, match="build label"):
        build_bundle(tmp_path, tmp_path / "out", label=label)


def test_build_errors_exit_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing(repo: Path, out: Path, label: str = "") -> Bundle:
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
