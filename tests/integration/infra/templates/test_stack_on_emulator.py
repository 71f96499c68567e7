"""The synthesized stack creates in the local AWS emulator (moto) with the outputs it supports.

Guards the emulator workarounds in the template: no output reads FunctionVersion.Version (that
wipes every output), no output GetAtt on a type moto skips, and the alias permission is off
with DeployTarget=local.
"""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from typing import Any

import boto3
import pytest

from infra.config import LAMBDA_RUNTIME, load_environment
from infra.deploy.changeset import compact_template, fits_template_body
from infra.templates import contract, render_template

pytestmark = pytest.mark.emulator
REGION = "eu-west-1"
# Outputs of resources moto's CloudFormation skips: they are absent locally.
SKIPPED_BY_EMULATOR = {contract.OUT_API_ID, contract.OUT_ALIAS_ARN}


def client(service: str, endpoint: str) -> Any:
    make: Any = boto3.client  # typed per service name; these tests only need Any
    return make(service, endpoint_url=endpoint, region_name=REGION)


def test_dev_stack_creates_with_its_outputs(aws_env: str) -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("app/lambda_handler.py", "def handler(event, context):\n    return {}\n")
    body = archive.getvalue()
    digest = hashlib.sha256(body).hexdigest()
    s3 = client("s3", aws_env)
    s3.create_bucket(
        Bucket="artifacts-test", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    s3.put_object(Bucket="artifacts-test", Key=contract.artifact_key(digest), Body=body)

    config = load_environment("dev")
    # Over TemplateBody's 51,200 bytes (moto would not refuse it; AWS does): by TemplateURL,
    # as the deployer sends it.
    template = compact_template(render_template(config))
    assert not fits_template_body(template)
    template_digest = hashlib.sha256(template.encode()).hexdigest()
    key = contract.template_key(template_digest)
    s3.put_object(Bucket="artifacts-test", Key=key, Body=template.encode())
    cloudformation = client("cloudformation", aws_env)
    cloudformation.create_stack(
        StackName=config.names.stack,
        TemplateURL=f"https://artifacts-test.s3.{REGION}.amazonaws.com/{key}",
        Capabilities=["CAPABILITY_IAM"],
        Parameters=[
            {"ParameterKey": contract.PARAM_ARTIFACT_BUCKET, "ParameterValue": "artifacts-test"},
            {"ParameterKey": contract.PARAM_ARTIFACT_DIGEST, "ParameterValue": digest},
            {"ParameterKey": contract.PARAM_GIT_COMMIT, "ParameterValue": "abc1234"},
            {"ParameterKey": contract.PARAM_DEPLOY_TARGET, "ParameterValue": "local"},
        ],
    )
    deadline = time.monotonic() + 30
    while True:
        stack = cloudformation.describe_stacks(StackName=config.names.stack)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert stack["StackStatus"] == "CREATE_COMPLETE"

    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    assert set(outputs) == set(contract.OUTPUTS) - SKIPPED_BY_EMULATOR
    assert outputs[contract.OUT_DATA_TABLE] == config.names.data_table
    assert outputs[contract.OUT_FUNCTION_NAME] == config.names.function
    assert outputs[contract.OUT_REPORTS_BUCKET] == config.names.reports_bucket(
        "123456789012", REGION
    )

    function = client("lambda", aws_env).get_function(FunctionName=config.names.function)
    assert function["Configuration"]["Runtime"] == LAMBDA_RUNTIME
    assert function["Configuration"]["Environment"]["Variables"]["EI_ARTIFACT_DIGEST"] == digest
    table = client("dynamodb", aws_env).describe_table(TableName=config.names.data_table)
    assert [k["AttributeName"] for k in table["Table"]["KeySchema"]] == ["PK", "SK"]
