"""A zip whose bytes depend only on its entries: sorted names, fixed time, fixed permissions."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

from infra.artifact.digest import sha256_of

FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can store
FILE_MODE = 0o644
UNIX = 3


def write_zip(entries: Iterable[tuple[str, Path]], out: Path) -> str:
    """Write (archive name, source file) pairs to `out` in name order; return the sha256 hex."""
    ordered = sorted(entries, key=lambda entry: entry[0])
    names = [name for name, _ in ordered]
    if len(set(names)) != len(names):
        raise ValueError("duplicate archive names in the bundle")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as archive:
        for name, source in ordered:
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
            info.create_system = UNIX
            info.external_attr = (0o100000 | FILE_MODE) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes(), compresslevel=9)
    return sha256_of(out)
