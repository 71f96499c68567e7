"""Docker engine costs: toolchain image build (cold and cache hit) and per-stage container overhead.

    uv run --frozen python bench/docker_overhead.py [--repeat 10] [--cold] [--json out.json]

Per-stage overhead is a no-op stage (one `true` step) run through DockerEngine.run_stage:
tar of the source + create + copy in + start + runner + wait + export + remove, with the time
spent in each Docker API call. `--cold` first removes this repo's python toolchain image and the
mmdebstrap base (`pipeline-base:bookworm-py3.11`), so the build starts from the Debian archive.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from types import MappingProxyType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "ci" / "src"))

from pipeline.catalog import CATALOG, Catalog, Stage, Step  # noqa: E402
from pipeline.engines.base import StageContext  # noqa: E402
from pipeline.engines.docker import DockerEngine, ensure_toolchain_image  # noqa: E402
from pipeline.engines.docker.base_image import ensure_base_image, fallback_tag  # noqa: E402
from pipeline.engines.docker.recipe import image_tag  # noqa: E402
from pipeline.sourcefiles import source_files  # noqa: E402

TIMED_CALLS = (
    "create_container",
    "put_archive",
    "start",
    "logs",
    "wait",
    "get_archive",
    "remove_container",
)


class TimedAPI:
    """Wraps docker-py's APIClient and adds up the wall time of each call (streams included)."""

    def __init__(self, api: Any) -> None:
        self._api = api
        self.totals: dict[str, float] = defaultdict(float)

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._api, name)
        if name not in TIMED_CALLS:
            return target

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            result = target(*args, **kwargs)
            if name == "logs":  # the stream is consumed later: time it while it is read
                return self._timed_stream(result, started)
            self.totals[name] += time.perf_counter() - started
            return result

        return timed

    def _timed_stream(self, chunks: Any, started: float) -> Any:
        yield from chunks
        self.totals["logs (until exit)"] += time.perf_counter() - started


class TimedClient:
    def __init__(self, client: Any) -> None:
        self.api = TimedAPI(client.api)
        self._client = client

    def close(self) -> None:
        self._client.close()


def build_times(engine: DockerEngine, cold: bool) -> dict[str, float]:
    client = engine.client
    toolchain = CATALOG.toolchains["python"]
    tag = image_tag(toolchain, engine.toolchain_digest(toolchain, ROOT))
    if cold:
        for ref in (tag, fallback_tag(toolchain.python)):
            try:
                client.api.remove_image(ref)
            except Exception as exc:  # absent is fine: it is what cold means
                print(f"(not removed: {ref}: {exc})", file=sys.stderr)
    times: dict[str, float] = {}
    started = time.monotonic()
    ensure_base_image(client, toolchain)
    times["base image (registry, reused, or mmdebstrap + import)"] = time.monotonic() - started
    started = time.monotonic()
    ensure_toolchain_image(client, toolchain, ROOT)
    times["toolchain image (uv sync from the lock)"] = time.monotonic() - started
    started = time.monotonic()
    ensure_toolchain_image(client, toolchain, ROOT)
    times["toolchain image again (cache hit)"] = time.monotonic() - started
    return times


def stage_overhead(engine_client: Any, image: str, repeat: int, network: str) -> dict[str, Any]:
    noop = Stage("noop", "does nothing", "python", (Step("true", ("true",)),), ())
    catalog = Catalog(CATALOG.toolchains, CATALOG.caches, MappingProxyType({"noop": noop}))
    timed = TimedClient(engine_client)
    engine = DockerEngine(timed, network_mode=network)
    with tempfile.TemporaryDirectory() as scratch:
        repo = Path(scratch)
        for rel in source_files(ROOT):
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            (repo / rel).write_bytes((ROOT / rel).read_bytes())
        ctx = StageContext(repo=repo, catalog=catalog, toolchain_ref=image)
        engine.run_stage(noop, ctx)  # warm-up: page cache, first connection
        timed.api.totals.clear()
        totals = []
        for _ in range(repeat):
            started = time.perf_counter()
            result = engine.run_stage(noop, ctx)
            totals.append(time.perf_counter() - started)
            assert result.status.ok, result.message
    per_call = {name: round(t / repeat * 1000) for name, t in timed.api.totals.items()}
    return {
        "network": network,
        "runs": repeat,
        "median_s": round(statistics.median(totals), 3),
        "min_s": round(min(totals), 3),
        "max_s": round(max(totals), 3),
        "per_call_ms": per_call,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--cold", action="store_true", help="remove the images first")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    engine = DockerEngine.connect()
    figures: dict[str, Any] = {"build_s": build_times(engine, args.cold), "cold": args.cold}
    toolchain = CATALOG.toolchains["python"]
    image = ensure_toolchain_image(engine.client, toolchain, ROOT)
    figures["stage_overhead"] = [
        stage_overhead(engine.client, image, args.repeat, network) for network in ("bridge", "none")
    ]
    for name, seconds in figures["build_s"].items():
        print(f"{name:55s} {seconds:8.2f} s")
    for row in figures["stage_overhead"]:
        print(
            f"no-op stage, network={row['network']:6s} median {row['median_s']:.3f} s "
            f"(min {row['min_s']:.3f}, max {row['max_s']:.3f}, n={row['runs']}); "
            f"per call ms: {row['per_call_ms']}"
        )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
