"""The one secret masker every engine and the stage runner use (standard library only).

Values are replaced longest first, so a secret that contains another is masked whole and no
fragment of it survives. Empty values are ignored (masking "" would change nothing but cost time).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

MASK = "***"


class Masker:
    """Replaces secret values with MASK in text, and in the files a stage leaves behind."""

    def __init__(self, values: Iterable[str]) -> None:
        self.values: tuple[str, ...] = tuple(
            sorted({v for v in values if v}, key=lambda v: (-len(v), v))
        )

    def __bool__(self) -> bool:
        return bool(self.values)

    def __call__(self, text: str) -> str:
        for value in self.values:
            text = text.replace(value, MASK)
        return text

    def scrub_file(self, path: Path) -> bool:
        """Mask every value in one file's bytes; True when the file was rewritten."""
        data = path.read_bytes()
        masked = data
        for value in self.values:
            masked = masked.replace(value.encode("utf-8"), MASK.encode())
        if masked == data:
            return False
        path.write_bytes(masked)
        return True

    def scrub_tree(self, root: Path) -> list[Path]:
        """Mask every file under `root` (a stage's report folder); the files rewritten."""
        if not self.values or not root.is_dir():
            return []
        return [
            path
            for path in sorted(root.rglob("*"))
            if path.is_file() and not path.is_symlink() and self.scrub_file(path)
        ]
