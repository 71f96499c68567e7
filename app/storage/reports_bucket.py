"""The S3 bucket holding rendered report artifacts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.storage.errors import translate_errors

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

DEPENDENCY = "s3"


class ReportsBucket:
    """Writes report files and hands out short-lived download URLs."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def ping(self) -> None:
        with translate_errors(DEPENDENCY):
            self._client.head_bucket(Bucket=self._bucket)

    def put(self, key: str, body: bytes, content_type: str) -> None:
        with translate_errors(DEPENDENCY):
            self._client.put_object(
                Bucket=self._bucket, Key=key, Body=body, ContentType=content_type
            )

    def download_url(self, key: str, ttl_s: int) -> str:
        """A presigned GET URL (signing is local: no call to S3 happens here)."""
        with translate_errors(DEPENDENCY):
            return self._client.generate_presigned_url(
                "get_object", Params={"Bucket": self._bucket, "Key": key}, ExpiresIn=ttl_s
            )
