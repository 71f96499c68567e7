"""Stage result caching for the docker and host engines (Dagger caches natively).

A stage's input digest covers: the contents of the files its `inputs` globs match, the exports of
the stages it needs, its toolchain digest, its steps, env, secret *names* (declared, and which of
them were given). An unchanged digest means the recorded result (and the files the stage
exported) are reused instead of rerunning it. A passed result is reused until its stage's
`result_ttl_s` (stages that read outside data: an advisory published since must be seen; no TTL:
for good); a degraded one (e.g. pip-audit without network) for an hour at most, so a no-op rerun
stays fast while the reason gets a fresh chance soon; it replays as degraded, never as a pass.
Failures are never recorded: a failing stage always reruns.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from pipeline.catalog import Stage
from pipeline.results import StageResult, Status
from pipeline.sourcefiles import matches

CACHE_SCHEMA = "2"
DEGRADED_TTL_S = 3600.0
RECORDED = (Status.PASSED, Status.DEGRADED)
RECORDED_AT = "recorded_at"  # epoch seconds, from the cache's (injected) clock


def time_to_live(stage: Stage, status: Status) -> float | None:
    """How long a recorded result of `stage` with `status` may be reused; None: for good."""
    limits = [float(stage.result_ttl_s)] if stage.result_ttl_s is not None else []
    if status is Status.DEGRADED:
        limits.append(DEGRADED_TTL_S)
    return min(limits) if limits else None


def is_fresh(age_s: float, ttl_s: float | None) -> bool:
    """A recorded result is reused while younger than its TTL (expired at exactly the TTL)."""
    return ttl_s is None or 0 <= age_s < ttl_s


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
    provided_secrets: Sequence[str] = (),
) -> str:
    """The stage's cache key. `upstream` maps each needed stage to its export digest;
    `provided_secrets` names the declared secrets given a value (a token changes what runs)."""
    digest = hashlib.sha256()
    header = {
        "schema": CACHE_SCHEMA,
        "stage": stage.name,
        "steps": [[s.name, *s.argv, str(s.degraded_exit)] for s in stage.steps],
        "env": sorted(stage.env.items()),
        "secrets": sorted(stage.secrets),
        "provided_secrets": sorted(provided_secrets),
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
            data = json.loads(result_file.read_text(encoding="utf-8"))
            recorded_at = float(data.pop(RECORDED_AT))
            recorded = StageResult.from_dict(data)
        except (ValueError, KeyError, TypeError):
            shutil.rmtree(entry, ignore_errors=True)  # unreadable entry: forget it, rerun
            return None
        if not is_fresh(self.clock() - recorded_at, time_to_live(stage, recorded.status)):
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
            payload = {**replace(result, input_digest=digest).to_dict(), RECORDED_AT: self.clock()}
            (staging / "result.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
            if entry.exists():
                shutil.rmtree(entry)
            staging.rename(entry)  # atomic: a crash never leaves a half-written entry
        finally:
            shutil.rmtree(staging, ignore_errors=True)
