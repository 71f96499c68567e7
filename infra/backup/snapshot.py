"""The snapshot a backup keeps next to the table backup: the environment's config and the
live stack's template and parameters, so a restore knows what was running with that data.

Stored in the environment's artifact bucket under `backups/<backup id>/`: that bucket is private,
versioned and encrypted, exists before the stack (the deployer makes it), and is not part of the
stack, so it survives the stack being replaced or deleted; the reports bucket is part of what is
being protected, and a record item (400 KB maximum) cannot hold a template.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infra.aws.backup_objects import BackupObjects, LiveStack
from infra.config.model import EnvironmentConfig
from infra.config.render import to_plain

ROOT = "backups"
JSON = "application/json"


def prefix(backup_id: str) -> str:
    return f"{ROOT}/{backup_id}/"


@dataclass(frozen=True)
class SnapshotFile:
    name: str
    body: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, default=str) + "\n").encode()


def snapshot_files(
    config: EnvironmentConfig, live: LiveStack | None, about: Mapping[str, str]
) -> tuple[SnapshotFile, ...]:
    """config.json, stack.json, template.json (when a stack is live) and manifest.json, which
    names the others with their sha256 and what the backup is (`about`)."""
    stack: dict[str, Any] = {"stack": config.names.stack, "live": live is not None}
    files = [SnapshotFile("config.json", _json(to_plain(config)))]
    if live is not None:
        stack.update(status=live.status, parameters=dict(sorted(live.parameters.items())))
        files.append(SnapshotFile("template.json", live.template_body.encode()))
    files.append(SnapshotFile("stack.json", _json(stack)))
    manifest = {**about, "files": {f.name: f.sha256 for f in files}}
    return (*files, SnapshotFile("manifest.json", _json(manifest)))


def write_snapshot(
    objects: BackupObjects, bucket: str, backup_id: str, files: tuple[SnapshotFile, ...]
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Upload the files; returns the snapshot's s3:// location and (file, sha256) pairs."""
    for file in files:
        objects.put(bucket, prefix(backup_id) + file.name, file.body, JSON)
    return f"s3://{bucket}/{prefix(backup_id)}", tuple(sorted((f.name, f.sha256) for f in files))
