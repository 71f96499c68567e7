"""Templates over CloudFormation's 51,200-byte TemplateBody limit go by TemplateURL: uploaded
once to the artifact bucket under their content digest, planned as a step, read back by the
change set. Smaller ones still go as TemplateBody."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from infra.aws import AwsClients, Endpoint
from infra.aws.cloudformation import Stacks
from infra.aws.s3 import Buckets
from infra.config import EnvironmentConfig
from infra.deploy.artifact_store import ArtifactBucket
from infra.deploy.changeset import MAX_TEMPLATE_BODY, compact_template, fits_template_body
from infra.deploy.planner import template_source
from infra.deploy.steps import Preparation, UploadTemplate
from infra.targets.base import Connection
from infra.templates.contract import template_key
from tests.unit.infra.deploy.conftest import FakeClock
from tests.unit.infra.deploy.test_deployer_in_process import (
    dev,  # noqa: F401 (fixture)
    request,
    run,
    template,  # noqa: F401 (fixture)
)

BUCKET = "energy-insights-dev-artifacts-123456789012-eu-west-1"
DIGEST = "a" * 64


def test_the_real_templates_are_over_the_body_limit(template: str) -> None:  # noqa: F811
    # Why this path exists: the Cognito trigger and the monitoring stack pushed them over.
    assert not fits_template_body(compact_template(template))


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("eu-west-1", f"https://{BUCKET}.s3.eu-west-1.amazonaws.com/templates/{DIGEST}.json"),
        ("cn-north-1", f"https://{BUCKET}.s3.cn-north-1.amazonaws.com.cn/templates/{DIGEST}.json"),
    ],
)
def test_template_url_names_the_bucket_region_and_partition(region: str, url: str) -> None:
    bucket = ArtifactBucket(Buckets(None), BUCKET, "123456789012")  # type: ignore[arg-type]
    assert bucket.template_url(DIGEST, region) == url
    assert bucket.template_location(DIGEST) == f"s3://{BUCKET}/templates/{DIGEST}.json"


@pytest.mark.parametrize("digest", ["", "A" * 64, "a" * 63, "../x"])
def test_template_key_refuses_anything_but_a_sha256(digest: str) -> None:
    with pytest.raises(ValueError, match="template digest must be 64 lowercase hex"):
        template_key(digest)


@dataclass
class RecordingCloudFormation:
    calls: list[dict[str, Any]] = field(default_factory=list)

    def create_change_set(self, **kwargs: Any) -> dict[str, str]:
        self.calls.append(kwargs)
        return {"Id": "arn:cs"}


@dataclass
class StubClients:
    cloudformation: RecordingCloudFormation
    endpoint: Endpoint = field(default_factory=lambda: Endpoint("eu-west-1", emulator=True))


@pytest.mark.parametrize(
    ("url", "sent", "absent"),
    [(None, "TemplateBody", "TemplateURL"), ("https://b/k", "TemplateURL", "TemplateBody")],
)
def test_a_change_set_gets_the_body_or_the_url_never_both(
    url: str | None, sent: str, absent: str
) -> None:
    cf = RecordingCloudFormation()
    stacks = Stacks(StubClients(cf))  # type: ignore[arg-type]
    stacks.create_change_set("s", "cs", "{}", {}, "UPDATE", None, url)
    (call,) = cf.calls
    assert sent in call and absent not in call
    assert call[sent] == (url or "{}")


def test_a_template_that_fits_goes_as_body_with_no_upload(
    dev: EnvironmentConfig,  # noqa: F811
    make_zip: Callable[[str], Path],
) -> None:
    small = json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}})
    req = request(dev, small, make_zip("one"))
    prepare: list[Preparation] = []
    in_place: list[str] = []
    bucket = ArtifactBucket(Buckets(None), BUCKET, "123456789012")  # type: ignore[arg-type]
    assert template_source(req, bucket, True, prepare, in_place) is None
    assert prepare == [] and in_place == []


def test_a_large_template_is_uploaded_once_and_read_back_by_the_change_set(
    in_process: Connection,
    clock: FakeClock,
    dev: EnvironmentConfig,  # noqa: F811
    template: str,  # noqa: F811
    make_zip: Callable[[str], Path],
) -> None:
    body = compact_template(template)
    digest = hashlib.sha256(body.encode()).hexdigest()
    artifact = make_zip("one")
    lines: list[str] = []
    first = run(in_process, clock, request(dev, template, artifact), lines)
    plan = first.deploy_plan
    assert plan is not None
    (upload,) = [step for step in plan.prepare if isinstance(step, UploadTemplate)]
    bucket = dev.names.artifact_bucket(in_process.account_id, dev.region)
    assert upload.location == f"s3://{bucket}/templates/{digest}.json"
    assert (upload.size, upload.limit) == (len(body.encode()), MAX_TEMPLATE_BODY)
    assert plan.template_url == f"https://{bucket}.s3.{dev.region}.amazonaws.com/" + (
        f"templates/{digest}.json"
    )
    assert f"uploaded the template to {upload.location}" in lines
    assert any("over the 51,200-byte TemplateBody limit" in line for line in lines)

    clients: AwsClients = in_process.clients
    stored = clients.s3.get_object(Bucket=bucket, Key=f"templates/{digest}.json")
    assert stored["Body"].read().decode() == body
    live = Stacks(clients).template(dev.names.stack)
    assert live == json.loads(template)  # the stack runs the uploaded template

    second = run(in_process, clock, request(dev, template, artifact))
    again = second.deploy_plan
    assert again is not None
    assert not any(isinstance(step, UploadTemplate) for step in again.prepare)
    assert f"template {upload.location}" in again.in_place
    assert again.template_url == plan.template_url
