"""Build the Lambda bundle: app code + runtime deps, as a reproducible zip with its sha256."""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from infra.artifact.bytecode import check_python, compile_app, compile_dependencies
from infra.artifact.contents import prune_dependencies, stage_app, tree_entries
from infra.artifact.dependencies import Runner, install_dependencies, run_tool
from infra.artifact.deterministic_zip import write_zip
from infra.artifact.errors import BuildError, BundleTooLarge
from infra.artifact.runtime import (
    LAMBDA_HANDLER,
    LAMBDA_PLATFORM,
    LAMBDA_PYTHON,
    LAMBDA_RUNTIME,
    MAX_BUNDLE_BYTES,
)

BUNDLE_NAME = "lambda.zip"
MANIFEST_NAME = "lambda.json"
LABEL_NAME = "release-label.txt"  # a labelled build: the same tree, another release (digest)
WHEEL_CACHE = Path(".pipeline/cache/wheels")


@dataclass(frozen=True)
class Bundle:
    """A built bundle: where it is, its sha256 (the release digest) and its size in bytes."""

    path: Path
    sha256: str
    size: int


def wheel_cache(repo: Path) -> Path:
    return repo / WHEEL_CACHE / f"cp{LAMBDA_PYTHON.replace('.', '')}-{LAMBDA_PLATFORM}"


def build_bundle(
    repo: Path,
    out_dir: Path,
    *,
    run: Runner = run_tool,
    cache: Path | None = None,
    max_bytes: int = MAX_BUNDLE_BYTES,
    label: str = "",
) -> Bundle:
    """Build `out_dir/lambda.zip` (+ `.sha256`, a JSON manifest) from the lock and app/. A
    `label` adds `release-label.txt` holding it: the same code as another release with its own
    digest (`pipeline rehearse` releases the tree twice this way)."""
    if label != label.strip() or "\n" in label or len(label) > 100:
        raise BuildError(f"build label {label!r}: one line of at most 100 characters, no padding")
    repo = repo.resolve()
    if not (repo / "app" / "lambda_handler.py").is_file():
        raise BuildError(f"{repo} has no app/lambda_handler.py: pass the repository root")
    check_python()
    with tempfile.TemporaryDirectory(prefix="lambda-bundle-") as tmp:
        work = Path(tmp)
        target, app_root = work / "site", work / "app-root"
        install_dependencies(repo, work, cache or wheel_cache(repo), target, run)
        prune_dependencies(target)
        compile_dependencies(target, run)
        stage_app(repo, app_root)
        compile_app(app_root, run)
        entries = tree_entries(target) + tree_entries(app_root)
        if label:
            (work / LABEL_NAME).write_text(label + "\n", encoding="utf-8")
            entries.append((LABEL_NAME, work / LABEL_NAME))
        out = out_dir / BUNDLE_NAME
        digest = write_zip(entries, out)
    bundle = Bundle(path=out, sha256=digest, size=out.stat().st_size)
    if bundle.size > max_bytes:
        raise BundleTooLarge(
            f"{out} is {bundle.size / 2**20:.1f} MiB, over the {max_bytes / 2**20:.0f} MiB "
            "budget: drop a dependency or prune more in infra/artifact/contents.py"
        )
    (out_dir / f"{BUNDLE_NAME}.sha256").write_text(f"{digest}  {BUNDLE_NAME}\n")
    manifest = {
        **asdict(bundle),
        "path": BUNDLE_NAME,
        "runtime": LAMBDA_RUNTIME,
        "platform": LAMBDA_PLATFORM,
        "handler": LAMBDA_HANDLER,
        **({"label": label} if label else {}),
    }
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return bundle
