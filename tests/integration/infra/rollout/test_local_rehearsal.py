"""The local rehearsal of production, through the promote entry (what `pipeline promote --env
prod` runs in its stage): the prod stack deployed on a real moto server, the app versions
served from their bundles (uvicorn processes) behind a real HAProxy, steady client load
through the router counted by X-App-Version, weights read back from HAProxy's runtime API.

A first release goes live without a canary; a good release goes 10 -> 50 -> 100 %; a release
whose canary answers 5xx (the rehearsal's fault drill) is rolled back automatically and
serves nothing after. Durations are the config's, scaled by `rollout.local_time_scale`. The
client and the weight reader are `pipeline rehearse`'s (infra.rollout.rehearsal)."""

from __future__ import annotations

import shutil
import time
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.local.dev_keys import mint_token
from app.local.ports import free_port
from infra.artifact import build_bundle
from infra.artifact.digest import sha256_of
from infra.aws.items import ItemTable
from infra.config import load_environment
from infra.config.model import EnvironmentConfig
from infra.config.rollout import MetricName, RolloutConfig
from infra.deploy.records import DeploymentRecord, Outcome, RecordStore
from infra.perf.gate import Verdict as PerfVerdict
from infra.perf.records import PerfRecord, PerfRecords
from infra.rollout.record import RolloutRecord, Status
from infra.rollout.rehearsal.judge import distinct_weights
from infra.rollout.rehearsal.load import READ, SITE, WRITE, Ledger, SteadyClient
from infra.rollout.rehearsal.weights import WeightReader
from infra.rollout.store import RolloutStore
from infra.targets.local import LocalTarget
from infra.targets.local_state import local_keys
from pipeline.catalog import (
    PARAM_APPROVED_BY,
    PARAM_CANARY_FAULT,
    PARAM_DIGEST,
    PARAM_EMULATOR,
    PARAM_ROUTER_PORTS,
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
    """Prod's plan and metrics, in seconds: intervals of 20 s run as 5 s (scale 0.25): a 10 %
    canary sees ~7 of the steady client's 15 req/s per interval (min_requests 5)."""
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
            "local_time_scale": 0.25,
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
    """The users of the local prod while a promotion runs: the rehearsal's steady client
    through the router (version and status of every answer) and the canary's weight read back
    from HAProxy's runtime API, on router ports chosen here (`PIPELINE_LOCAL_PROD_PORTS`)."""

    token: str
    ledger: Ledger = field(default_factory=lambda: Ledger.starting(datetime.now(UTC)))
    listen: int = field(default_factory=free_port)
    runtime: int = field(default_factory=free_port)
    client: SteadyClient | None = None
    reader: WeightReader | None = None

    def start(self) -> None:
        url = f"http://127.0.0.1:{self.listen}"
        mix = {READ: 2.0, WRITE: 1.0, SITE: 1.0}
        self.client = SteadyClient(url, self.token, "rehearsal", 15.0, self.ledger, mix)
        self.reader = WeightReader(self.runtime)
        self.client.start()
        self.reader.start()

    def stop(self) -> None:
        if self.client is not None and self.reader is not None:
            self.client.stop()
            self.reader.stop()

    @property
    def weights(self) -> list[tuple[float, int]]:
        return list(self.reader.samples) if self.reader else []

    @property
    def seen(self) -> list[tuple[float, str, int]]:
        samples = self.client.samples if self.client else []
        return [(s.started, s.version, s.status) for s in samples if s.answered]

    def canary_weights(self) -> list[int]:
        """The distinct canary weights in the order they were seen."""
        return distinct_weights(self.weights)

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
        PARAM_ROUTER_PORTS: f"{watch.listen},{watch.runtime}",
        **({PARAM_CANARY_FAULT: fault} if fault else {}),
    }
    ctx = EntryContext(rehearsal_config(), repo, environ)
    watch.start()
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
    token = mint_token(local_keys(repo), sites=("rehearsal",))
    started = time.monotonic()

    first = promote(repo, tables, a, Watch(token))
    assert first.status is Status.SUCCEEDED and first.weight == 100
    assert not first.backup_arn  # nothing live yet: nothing to back up
    assert any("first release" in note for note in first.notes)

    good_watch = Watch(token)
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

    bad_watch = Watch(token)
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
