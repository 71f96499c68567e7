"""The DynamoDB single table: sites, readings and report metadata (layout in app/README.md).

| item     | PK                                | SK                            |
|----------|-----------------------------------|-------------------------------|
| site     | SITE#{site_id}                    | META                          |
| reading  | SITE#{site_id}#METRIC#{metric}    | {UTC timestamp, fixed width}  |
| report   | REPORT#{report_id}                | META                          |
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.readings import Metric, StoredReading
from app.sites import Site, SiteIn
from app.storage.errors import InvalidCursor, StoreUnavailable, translate_errors

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DEPENDENCY = "dynamodb"
PK = "PK"
SK = "SK"
META = "META"
TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
BATCH_WRITE_LIMIT = 25
UNPROCESSED_RETRIES = 5


def format_ts(moment: datetime) -> str:
    """Fixed-width UTC text, so lexical order is time order."""
    return moment.astimezone(UTC).strftime(TS_FORMAT)


def parse_ts(text: str) -> datetime:
    return datetime.strptime(text, TS_FORMAT).replace(tzinfo=UTC)


def site_key(site_id: str) -> str:
    return f"SITE#{site_id}"


def series_key(site_id: str, metric: Metric) -> str:
    return f"SITE#{site_id}#METRIC#{metric.value}"


def report_key(report_id: str) -> str:
    return f"REPORT#{report_id}"


def encode_cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The sort key a cursor resumes after; InvalidCursor if it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parse_ts(text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursor("cursor is not valid for this query") from None
    return text


@dataclass(frozen=True)
class ReadingsPage:
    readings: list[StoredReading]
    next_cursor: str | None


@dataclass(frozen=True)
class ReportRecord:
    report_id: str
    site_id: str
    metric: str
    period: str
    start: str
    end: str
    created_at: str
    bucket_count: int
    csv_key: str
    json_key: str


class EnergyTable:
    """Typed access to the table; botocore errors leave as StoreUnavailable."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._table = table_name
        self._sleep = sleep

    def ping(self) -> None:
        with translate_errors(DEPENDENCY):
            self._client.describe_table(TableName=self._table)

    # --- sites -----------------------------------------------------------------------------
    def put_site(self, site_id: str, site: SiteIn, now: datetime) -> Site:
        stored = Site(site_id=site_id, updated_at=format_ts(now), **site.model_dump())
        item: dict[str, Any] = {
            PK: {"S": site_key(site_id)},
            SK: {"S": META},
            "name": {"S": stored.name},
            "timezone": {"S": stored.timezone},
            "updated_at": {"S": stored.updated_at},
        }
        if stored.capacity_kw is not None:
            item["capacity_kw"] = {"N": repr(stored.capacity_kw)}
        with translate_errors(DEPENDENCY):
            self._client.put_item(TableName=self._table, Item=item)
        return stored

    def get_site(self, site_id: str) -> Site | None:
        with translate_errors(DEPENDENCY):
            found = self._client.get_item(
                TableName=self._table,
                Key={PK: {"S": site_key(site_id)}, SK: {"S": META}},
                ConsistentRead=True,
            )
        item = found.get("Item")
        if item is None:
            return None
        capacity = item.get("capacity_kw")
        return Site(
            site_id=site_id,
            name=item["name"]["S"],
            timezone=item["timezone"]["S"],
            updated_at=item["updated_at"]["S"],
            capacity_kw=float(capacity["N"]) if capacity else None,
        )

    # --- readings --------------------------------------------------------------------------
    def put_readings(self, site_id: str, readings: Sequence[StoredReading]) -> None:
        """Upsert: the key is (site, metric, timestamp), so a replayed batch changes nothing."""
        for offset in range(0, len(readings), BATCH_WRITE_LIMIT):
            chunk = readings[offset : offset + BATCH_WRITE_LIMIT]
            requests: list[Any] = [
                {
                    "PutRequest": {
                        "Item": {
                            PK: {"S": series_key(site_id, r.metric)},
                            SK: {"S": format_ts(r.timestamp)},
                            "value": {"N": repr(r.value)},
                        }
                    }
                }
                for r in chunk
            ]
            self._write_all(requests)

    def _write_all(self, requests: list[Any]) -> None:
        pending: dict[str, Any] = {self._table: requests}
        for attempt in range(UNPROCESSED_RETRIES + 1):
            with translate_errors(DEPENDENCY):
                result = self._client.batch_write_item(RequestItems=pending)
            pending = dict(result.get("UnprocessedItems") or {})
            if not pending:
                return
            self._sleep(min(0.05 * 2**attempt, 1.0))
        raise StoreUnavailable(DEPENDENCY, "throttled: unprocessed items after retries")

    def _query(
        self,
        site_id: str,
        metric: Metric,
        start: datetime,
        end: datetime,
        after: str | None,
        page_size: int | None = None,
    ) -> Iterator[list[StoredReading]]:
        last = end - timedelta(microseconds=1)  # the range is half-open: [start, end)
        params: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :lo AND :hi",
            "ExpressionAttributeNames": {"#pk": PK, "#sk": SK, "#v": "value"},
            "ExpressionAttributeValues": {
                ":pk": {"S": series_key(site_id, metric)},
                ":lo": {"S": format_ts(start)},
                ":hi": {"S": format_ts(last)},
            },
            "ProjectionExpression": "#sk, #v",
        }
        if page_size is not None:
            params["Limit"] = page_size
        if after is not None:
            params["ExclusiveStartKey"] = {
                PK: {"S": series_key(site_id, metric)},
                SK: {"S": after},
            }
        while True:
            with translate_errors(DEPENDENCY):
                result = self._client.query(**params)
            page = [
                StoredReading(parse_ts(i[SK]["S"]), metric, float(i["value"]["N"]))
                for i in result.get("Items", [])
            ]
            yield page
            last_key = result.get("LastEvaluatedKey")
            if not last_key:
                return
            params["ExclusiveStartKey"] = last_key

    def readings_page(
        self,
        site_id: str,
        metric: Metric,
        start: datetime,
        end: datetime,
        limit: int,
        cursor: str | None,
    ) -> ReadingsPage:
        """One page of readings in [start, end), oldest first."""
        after = decode_cursor(cursor) if cursor else None
        if after is not None and not format_ts(start) <= after < format_ts(end):
            raise InvalidCursor("cursor does not belong to this time range")
        collected: list[StoredReading] = []
        for page in self._query(site_id, metric, start, end, after, page_size=limit + 1):
            collected.extend(page)
            if len(collected) > limit:
                break
        if len(collected) > limit:
            collected = collected[:limit]
            return ReadingsPage(collected, encode_cursor(format_ts(collected[-1].timestamp)))
        return ReadingsPage(collected, None)

    def all_readings(
        self, site_id: str, metric: Metric, start: datetime, end: datetime, max_items: int
    ) -> list[StoredReading] | None:
        """Every reading in [start, end); None if there are more than max_items."""
        collected: list[StoredReading] = []
        for page in self._query(site_id, metric, start, end, None):
            collected.extend(page)
            if len(collected) > max_items:
                return None
        return collected

    # --- reports ---------------------------------------------------------------------------
    def put_report(self, record: ReportRecord) -> None:
        item: dict[str, Any] = {PK: {"S": report_key(record.report_id)}, SK: {"S": META}}
        for name, value in vars(record).items():
            item[name] = {"N": str(value)} if isinstance(value, int) else {"S": value}
        with translate_errors(DEPENDENCY):
            self._client.put_item(TableName=self._table, Item=item)

    def get_report(self, report_id: str) -> ReportRecord | None:
        with translate_errors(DEPENDENCY):
            found = self._client.get_item(
                TableName=self._table,
                Key={PK: {"S": report_key(report_id)}, SK: {"S": META}},
            )
        item = found.get("Item")
        if item is None:
            return None
        return ReportRecord(
            report_id=report_id,
            site_id=item["site_id"]["S"],
            metric=item["metric"]["S"],
            period=item["period"]["S"],
            start=item["start"]["S"],
            end=item["end"]["S"],
            created_at=item["created_at"]["S"],
            bucket_count=int(item["bucket_count"]["N"]),
            csv_key=item["csv_key"]["S"],
            json_key=item["json_key"]["S"],
        )
