"""Shared by the unit (in-process moto) and integration (moto server) tests of data safety:
an environment provisioned like its template, seeded with the app's own item shapes, clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.readings import Metric, StoredReading
from app.sites import SiteIn
from app.storage.table import EnergyTable, ReportRecord
from infra.aws import AwsClients
from infra.config import EnvironmentConfig, load_environment
from infra.config.backup import BackupConfig
from infra.templates import build_template

ACCOUNT = "123456789012"


class FakeClock:
    """Real time shifted by an offset that grows when slept on, by `tick` at every reading,
    or when told; so it agrees with the emulator's own timestamps."""

    def __init__(self, tick: timedelta = timedelta(0)) -> None:
        self.offset = timedelta(0)
        self.tick = tick
        self.slept = 0.0

    def now(self) -> datetime:
        self.offset += self.tick
        return datetime.now(UTC) + self.offset

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.offset += timedelta(seconds=seconds)

    def advance(self, by: timedelta) -> None:
        self.offset += by


def staging(**backup: Any) -> EnvironmentConfig:
    """The real staging config, with some `backup` keys replaced."""
    config = load_environment("staging")
    merged = BackupConfig.model_validate({**config.backup.model_dump(), **backup})
    return config.model_copy(update={"backup": merged})


def _table_properties(config: EnvironmentConfig, logical_id: str) -> dict[str, Any]:
    resources = build_template(config).to_dict()["Resources"]
    return resources[logical_id]["Properties"]  # type: ignore[no-any-return]


def create_table_like_template(
    clients: AwsClients, config: EnvironmentConfig, logical_id: str
) -> str:
    """Create a table with the template's properties (what the stack would create)."""
    props = _table_properties(config, logical_id)
    name = props["TableName"]
    clients.dynamodb.create_table(
        TableName=name,
        BillingMode=props["BillingMode"],
        AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"],
        SSESpecification={"Enabled": props["SSESpecification"]["SSEEnabled"]},
        DeletionProtectionEnabled=False,  # tests delete their tables
    )
    enabled = props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"]
    clients.dynamodb.update_continuous_backups(
        TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": enabled}
    )
    return str(name)


def provision(clients: AwsClients, config: EnvironmentConfig) -> None:
    """Both tables, the reports bucket (versioned, old versions expire per config: what the
    template asks and the emulator's CloudFormation skips) and the artifact bucket."""
    create_table_like_template(clients, config, "DataTable")
    create_table_like_template(clients, config, "DeploymentsTable")
    names = config.names
    s3 = clients.s3
    where = {"LocationConstraint": config.region}
    reports = names.reports_bucket(ACCOUNT, config.region)
    s3.create_bucket(Bucket=reports, CreateBucketConfiguration=where)  # type: ignore[typeddict-item]
    s3.put_bucket_versioning(Bucket=reports, VersioningConfiguration={"Status": "Enabled"})
    days = config.backup.noncurrent_version_expiry_days
    s3.put_bucket_lifecycle_configuration(
        Bucket=reports,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "expire-old-versions",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": days},
                }
            ]
        },
    )
    artifacts = names.artifact_bucket(ACCOUNT, config.region)
    s3.create_bucket(Bucket=artifacts, CreateBucketConfiguration=where)  # type: ignore[typeddict-item]


def seed(clients: AwsClients, table: str, readings: int, site: str = "plant-1") -> None:
    """A site, `readings` power readings a minute apart, and a report record: the app's shapes."""
    store = EnergyTable(clients.dynamodb, table)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    store.put_site(site, SiteIn(name="Plant", capacity_kw=100.0, timezone="UTC"), start)
    batch = [
        StoredReading(start + timedelta(minutes=i), Metric.POWER_KW, float(i % 97) + 0.5)
        for i in range(readings)
    ]
    store.put_readings(site, batch)
    store.put_report(
        ReportRecord(
            report_id="r-1",
            site_id=site,
            metric="power_kw",
            period="day",
            start="2026-01-01T00:00:00Z",
            end="2026-01-02T00:00:00Z",
            created_at="2026-01-02T00:00:01Z",
            bucket_count=1,
            csv_key=f"reports/{site}/r-1/summary.csv",
            json_key=f"reports/{site}/r-1/summary.json",
        )
    )
