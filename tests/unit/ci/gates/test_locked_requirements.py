from __future__ import annotations

import pytest

from pipeline.gates.locked_requirements import (
    LockedPackage,
    LockFileError,
    canonical,
    layers,
    read_lock,
    requirements_text,
)
from tests.unit.ci.gates.conftest import fixture_text


def test_lock_yields_index_pins_without_the_project_or_local_paths() -> None:
    locked = read_lock("uv.lock", fixture_text("uv.lock"))

    assert locked.packages == (
        LockedPackage("certifi", "2024.8.30"),
        LockedPackage("numpy", "2.4.6"),
        LockedPackage("numpy", "2.5.5"),
        LockedPackage("ruamel-yaml", "0.18.6"),
    )
    assert locked.unauditable == (
        ("private-tool", "git source in uv.lock is not on a package index"),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = 1\n[[package]\n", "not valid TOML"),
        ("version = 1\n", "no \\[\\[package\\]\\] entries"),
        ('version = 1\n[[package]]\nversion = "1"\n', "without a name"),
    ],
)
def test_unreadable_locks_name_the_file(text: str, message: str) -> None:
    with pytest.raises(LockFileError, match=f"ci/x.lock.*{message}|{message}"):
        read_lock("ci/x.lock", text)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("PyYAML", "pyyaml"),
        ("ruamel.yaml", "ruamel-yaml"),
        ("a__b", "a-b"),
        ("Zope.Interface", "zope-interface"),
    ],
)
def test_names_are_normalized_like_pip_audit_reports_them(name: str, expected: str) -> None:
    assert canonical(name) == expected


def test_layers_keep_each_name_once_per_requirement_set() -> None:
    pins = [
        LockedPackage("numpy", "2.4.6"),
        LockedPackage("boto3", "1.35.49"),
        LockedPackage("numpy", "2.5.5"),
        LockedPackage("boto3", "1.40.1"),
        LockedPackage("boto3", "1.35.49"),
        LockedPackage("six", "1.16.0"),
    ]

    result = layers(pins)

    assert result == [
        (
            LockedPackage("boto3", "1.35.49"),
            LockedPackage("numpy", "2.4.6"),
            LockedPackage("six", "1.16.0"),
        ),
        (LockedPackage("boto3", "1.40.1"), LockedPackage("numpy", "2.5.5")),
    ]
    assert layers([]) == []


def test_requirements_text_is_one_exact_pin_per_line() -> None:
    text = requirements_text([LockedPackage("six", "1.16.0"), LockedPackage("idna", "3.10")])

    assert text == "six==1.16.0\nidna==3.10\n"
