"""What each per-environment stage runs inside its container: `python -m
pipeline.release.entries KIND --env E`. One entry per stage kind of the catalog
(`pipeline.catalog.release.KINDS`), each a function of an `EntryContext` that calls infra as a
library; run parameters and secrets arrive as environment variables.

Adding a release stage: write its entry function in a module here and add it to `ENTRIES`
under its kind's name (a test holds the two lists equal).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from pipeline.release.entries import data_safety, deploy, e2e, perf, promotion, smoke, views
from pipeline.release.entries.context import EntryContext

Entry = Callable[[EntryContext], None]

ENTRIES: Mapping[str, Entry] = MappingProxyType(
    {
        "deploy": deploy.run,
        "smoke": smoke.run,
        "status": views.status,
        "history": views.history,
        "backup": data_safety.run_backup,
        "drill": data_safety.run_drill,
        "restore-object": data_safety.run_restore_object,
        "e2e": e2e.run,
        "perf": perf.run,
        "promote": promotion.promote,
        "hotfix": promotion.hotfix,
        "undo": promotion.undo,
        "resume": promotion.resume,
        "retire": promotion.retire,
    }
)

__all__ = ["ENTRIES", "Entry", "EntryContext"]
