"""Stage result caching for the docker and host engines (Dagger caches natively).

A stage's input digest covers: the contents of the files its `inputs` globs match, the exports of
the stages it needs, its toolchain digest, its steps, env and secret *names*. An unchanged digest
means the recorded result (and the files the stage exported) are reused instead of rerunning it.
Passed results are recorded for good; degraded ones (e.g. pip-audit without network) for an hour,
so a no-op rerun stays fast while the reason (the network) gets a fresh chance soon; they replay
as degraded, never as a pass. Failures are never recorded: a failing stage always reruns.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from pipeline.catalog import Stage
from pipeline.results import StageResult, Status
from pipeline.sourcefiles import matches

CACHE_SCHEMA = "1"
DEGRADED_TTL_S = 3600.0
RECORDED = (Status.PASSED, Status.DEGRADED)


def _hash_file(digest: hashlib._Hash, repo: Path, rel: str) -> None:
    digest.update(rel.encode() + b"\0")
    with (repo / rel).open("rb") as handle:
        digest.update(hashlib.file_digest(handle, "sha256").digest())


def export_digest(repo: Path, stage: Stage) -> str:
    """Digest of what a stage exported (its reports and outputs) as found on the host now."""
    digest = hashlib.sha256()
    for export in stage.exports:
        root = repo / export
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            if path.is_file():
                _hash_file(digest, repo, path.relative_to(repo).as_posix())
    return digest.hexdigest()


def input_digest(
    repo: Path,
    stage: Stage,
    files: Sequence[str],
    toolchain_digest: str,
    upstream: Mapping[str, str],
    params: Mapping[str, str] | None = None,
) -> str:
    """The stage's cache key. `upstream` maps each needed stage to its export digest."""
    digest = hashlib.sha256()
    header = {
        "schema": CACHE_SCHEMA,
        "stage": stage.name,
        "steps": [[s.name, *s.argv, str(s.degraded_exit)] for s in stage.steps],
        "env": sorted(stage.env.items()),
        "secrets": sorted(stage.secrets),
        "toolchain": toolchain_digest,
        "upstream": sorted(upstream.items()),
        "params": sorted((params or {}).items()),
    }
    digest.update(json.dumps(header, sort_keys=True).encode())
    for rel in files:
        if matches(rel, stage.inputs):
            _hash_file(digest, repo, rel)
    return digest.hexdigest()


class ResultCache:
    """Recorded passing results under `<root>/<stage>/<digest>/` (result.json + exported files)."""

    def __init__(self, root: Path, clock: Callable[[], float] = time.time) -> None:
        self.root = root
        self.clock = clock

    def _entry(self, stage: Stage, digest: str) -> Path:
        return self.root / stage.name / digest

    def lookup(self, repo: Path, stage: Stage, digest: str) -> StageResult | None:
        """Restore the recorded exports into `repo` and return the recorded result, if any."""
        entry = self._entry(stage, digest)
        result_file = entry / "result.json"
        if not result_file.is_file():
            return None
        try:
            recorded = StageResult.from_dict(json.loads(result_file.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError):
            shutil.rmtree(entry, ignore_errors=True)  # unreadable entry: forget it, rerun
            return None
        age = self.clock() - result_file.stat().st_mtime
        if recorded.status is Status.DEGRADED and age > DEGRADED_TTL_S:
            return None
        for export in stage.exports:
            saved = entry / "exports" / export
            target = repo / export
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            if saved.is_dir():
                shutil.copytree(saved, target)
            elif saved.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(saved, target)
        return replace(recorded, cached=True)

    def store(self, repo: Path, stage: Stage, digest: str, result: StageResult) -> None:
        if result.status not in RECORDED:
            return
        entry = self._entry(stage, digest)
        entry.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=entry.parent, prefix=".tmp-"))
        try:
            for export in stage.exports:
                source = repo / export
                if source.is_dir():
                    shutil.copytree(source, staging / "exports" / export)
                elif source.is_file():
                    (staging / "exports" / export).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, staging / "exports" / export)
            payload = json.dumps(replace(result, input_digest=digest).to_dict(), indent=2)
            (staging / "result.json").write_text(payload, encoding="utf-8")
            now = self.clock()
            os.utime(staging / "result.json", (now, now))
            if entry.exists():
                shutil.rmtree(entry)
            staging.rename(entry)  # atomic: a crash never leaves a half-written entry
        finally:
            shutil.rmtree(staging, ignore_errors=True)
