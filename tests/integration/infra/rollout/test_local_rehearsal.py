"""The local rehearsal of production, through the promote entry (what `pipeline promote --env
prod` runs in its stage): the prod stack deployed on a real moto server, the app versions
served from their bundles (uvicorn processes) behind a real HAProxy, steady client load
through the router counted by X-App-Version, weights read back from HAProxy's runtime API.

A first release goes live without a canary; a good release goes 10 -> 50 -> 100 %; a release
whose canary answers 5xx (the rehearsal's fault drill) is rolled back automatically and
serves nothing after. Durations are the config's, scaled by `rollout.local_time_scale`."""

from __future__ import annotations

import shutil
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from app.local.dev_keys import DEMO_SITES
from infra.artifact import build_bundle
from infra.artifact.digest import sha256_of
from infra.aws.items import ItemTable
from infra.config import load_environment
from infra.config.model import EnvironmentConfig
from infra.config.rollout import MetricName, RolloutConfig
from infra.deploy.records import DeploymentRecord, Outcome, RecordStore
from infra.perf.gate import Verdict as PerfVerdict
from infra.perf.records import PerfRecord, PerfRecords
from infra.rollout.binding.local_ports import ROUTER_DIR
from infra.rollout.binding.local_prod import read_router_file
from infra.rollout.errors import RolloutError
from infra.rollout.record import RolloutRecord, Status
from infra.rollout.router.config import BACKEND, CANARY, RuntimeAddress
from infra.rollout.router.runtime import HAProxyRuntime
from infra.rollout.store import RolloutStore
from infra.targets.local import LocalTarget
from infra.targets.local_state import local_token
from pipeline.catalog import (
    PARAM_APPROVED_BY,
    PARAM_CANARY_FAULT,
    PARAM_DIGEST,
    PARAM_EMULATOR,
    PARAM_TARGET,
)
from pipeline.release.entries import promotion
from pipeline.release.entries.context import EntryContext
from tests.integration.infra.rollout.harness import create_table

pytestmark = [pytest.mark.router, pytest.mark.emulator, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[4]
REGION = "eu-west-1"
T = datetime(2026, 3, 1, tzinfo=UTC)


def rehearsal_config() -> EnvironmentConfig:
    """Prod's plan and metrics, in seconds: intervals of 20 s run as 2 s (scale 0.1)."""
    rollout = RolloutConfig.model_validate(
        {
            "steps": [
                {"kind": "set_weight", "weight": 10},
                {"kind": "analysis", "duration_s": 60, "interval_s": 20},
                {"kind": "set_weight", "weight": 50},
                {"kind": "analysis", "duration_s": 40, "interval_s": 20},
                {"kind": "set_weight", "weight": 100},
            ],
            "post_promotion_watch": {"duration_s": 20, "interval_s": 20},
            "templates": {
                "canary": {
                    "metrics": [{"metric": name.value} for name in MetricName],
                    "min_requests": 5,
                }
            },
            "local_time_scale": 0.1,
        }
    )
    return load_environment("prod").model_copy(update={"rollout": rollout})


def bundle_variant(source: Path, folder: Path, label: str) -> tuple[str, Path]:
    """The built bundle plus a marker file: another release of the same app (its own digest)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"lambda-{label}.zip"
    shutil.copyfile(source, path)
    with zipfile.ZipFile(path, "a") as archive:
        info = zipfile.ZipInfo("release-label.txt", date_time=(1980, 1, 1, 0, 0, 0))
        archive.writestr(info, label)
    return sha256_of(path), path


def green_in_staging(moto: str, digest: str) -> None:
    """What a release through staging leaves: deploy + smoke passed, a Successful perf run."""
    clients = LocalTarget(moto).clients(REGION)
    table = ItemTable(clients, load_environment("staging").names.deployments_table)
    smoked = (f"smoke passed at {T.isoformat()}",)
    record = DeploymentRecord(f"d-{digest[:6]}", "staging", "local", digest, "c" * 40, "ci", T,
                              Outcome.SUCCEEDED, T, notes=smoked)  # fmt: skip
    RecordStore(table, "staging").save(record)
    run = PerfRecord(f"p-{digest[:6]}", "staging", "local", digest, "c" * 40, T, T,
                     PerfVerdict.SUCCESSFUL, "smoke", 500, 0, 50.0)  # fmt: skip
    PerfRecords(table, "staging").save(run)


@dataclass
class Watch:
    """Steady load through the router (version, status per request, by start time) and the
    canary's weight read back from HAProxy's runtime API."""

    repo: Path
    url: str = ""
    token: str = ""
    seen: list[tuple[float, str, int]] = field(default_factory=list)
    weights: list[tuple[float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def emit(self, line: str) -> None:
        print(line, flush=True)
        marker = "the router answers at "
        if marker in line and not self._threads:
            self.url = line.split(marker, 1)[1].split()[0]
            for target in (self._load, self._load, self._weights):
                thread = threading.Thread(target=target, daemon=True)
                thread.start()
                self._threads.append(thread)

    def _load(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, timeout=5, headers=headers) as client:
            while not self._stop.is_set():
                started = time.time()
                try:
                    response = client.get(f"/sites/{DEMO_SITES[0]}/readings")
                    self.seen.append(
                        (started, response.headers.get("x-app-version", "?"), response.status_code)
                    )
                except httpx.HTTPError:
                    time.sleep(0.05)  # the router is not up yet, or already stopped

    def _weights(self) -> None:
        while not self._stop.is_set():
            found = read_router_file(self.repo / ROUTER_DIR)
            if found is not None:
                try:
                    servers = HAProxyRuntime(RuntimeAddress(port=found.runtime_port)).servers(
                        BACKEND
                    )
                    total = sum(s.weight for s in servers.values()) or 1
                    self.weights.append((time.time(), round(100 * servers[CANARY].weight / total)))
                except (RolloutError, OSError, KeyError):
                    pass
            time.sleep(0.1)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def canary_weights(self) -> list[int]:
        """The distinct canary weights in the order they were seen."""
        out: list[int] = []
        for _, weight in self.weights:
            if not out or out[-1] != weight:
                out.append(weight)
        return out

    def versions_after(self, moment: float) -> set[str]:
        return {version for started, version, status in self.seen if started > moment and status}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app's Lambda bundle: the one `./pipeline build` left, else built here the same way
    (the integration stage's container starts from a clean tree)."""
    left = REPO / "build" / "artifacts" / "lambda.zip"
    if left.is_file():
        return left
    return build_bundle(REPO, tmp_path_factory.mktemp("bundle")).path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def tables(moto_endpoint: str) -> str:
    clients = LocalTarget(moto_endpoint).clients(REGION)
    create_table(clients, load_environment("staging").names.deployments_table)
    return moto_endpoint


def promote(repo: Path, moto: str, digest: str, watch: Watch, fault: str = "") -> RolloutRecord:
    environ = {
        PARAM_TARGET: "local",
        PARAM_EMULATOR: moto,
        PARAM_DIGEST: digest,
        PARAM_APPROVED_BY: "rita",
        **({PARAM_CANARY_FAULT: fault} if fault else {}),
    }
    ctx = EntryContext(rehearsal_config(), repo, environ, watch.emit)
    try:
        promotion.promote(ctx)
    except promotion.RolledBack as exc:
        print(f"rolled back: {exc}")
    finally:
        watch.stop()
    latest = RolloutStore(
        ItemTable(LocalTarget(moto).clients(REGION), "energy-insights-prod-deployments"), "prod"
    ).latest()
    assert latest is not None
    return latest


def test_first_release_then_a_good_canary_then_a_faulty_one_rolled_back(
    repo: Path, tables: str, haproxy: str, built: Path
) -> None:
    releases = repo / "build" / "artifacts"
    a, _ = bundle_variant(built, releases, "a")
    b, _ = bundle_variant(built, releases, "b")
    c, _ = bundle_variant(built, releases, "c")
    for digest in (a, b, c):
        green_in_staging(tables, digest)
    token = local_token(repo)
    started = time.monotonic()

    first = promote(repo, tables, a, Watch(repo, token=token))
    assert first.status is Status.SUCCEEDED and first.weight == 100
    assert not first.backup_arn  # nothing live yet: nothing to back up
    assert any("first release" in note for note in first.notes)

    good_watch = Watch(repo, token=token)
    good = promote(repo, tables, b, good_watch)
    assert good.status is Status.SUCCEEDED, (good.verdict, good.verdict_message, good.notes)
    # Every promotion of a live prod backs its data table up before any weight moves.
    assert good.backup_arn and "/backup/" in good.backup_arn, good.notes
    assert good.stable_version == a[:12] and good.canary_version == b[:12]
    weights = good_watch.canary_weights()
    assert [w for w in weights if w in (10, 50, 100)] == [10, 50, 100], weights
    assert {m.source for m in good.measurements} >= {"router", "probe", "alarms"}
    done = good.finished_at.timestamp() if good.finished_at else 0
    assert good_watch.versions_after(done) <= {b[:12]}

    bad_watch = Watch(repo, token=token)
    bad = promote(repo, tables, c, bad_watch, fault="1.0")
    assert bad.status is Status.ROLLED_BACK, (bad.status, bad.notes)
    assert bad.stable_version == b[:12] and bad.weight == 0
    assert bad.cause, "a rollback names the measurements that caused it"
    seen = bad_watch.canary_weights()
    assert 10 in seen and seen[-1] == 0, seen
    assert 50 not in seen and 100 not in seen, seen
    at_10 = next(t for t, w in bad_watch.weights if w == 10)
    at_0 = next(t for t, w in bad_watch.weights if t > at_10 and w == 0)
    interval_s = 20 * rehearsal_config().rollout.local_time_scale
    assert at_0 - at_10 <= interval_s + 5, "back to 0 % within one analysis interval + 5 s"
    print(f"rehearsal: the faulty canary had traffic for {at_0 - at_10:.1f} s")
    rolled_back_at = bad.finished_at.timestamp() if bad.finished_at else 0
    assert c[:12] not in bad_watch.versions_after(rolled_back_at)
    served_5xx = [s for _, v, s in bad_watch.seen if v == c[:12] and s >= 500]
    assert served_5xx, "the drill made the canary answer 5xx under load"
    print(f"rehearsal: three promotions in {time.monotonic() - started:.1f} s")
