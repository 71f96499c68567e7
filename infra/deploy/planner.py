"""Plan a deploy with read calls only (DescribeStacks, GetTemplate, HeadBucket, HeadObject):
which effects it needs, and a preview of its resource changes. Refusals (wrong account, a dead
first stack, an artifact found nowhere) happen here, before anything changed."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from infra.aws.cloudformation import Stacks, StackState
from infra.deploy.artifact_store import ArtifactBucket
from infra.deploy.bucket_policy import NEW_BUCKET, bucket_fixes
from infra.deploy.changeset import MAX_TEMPLATE_BODY, compact_template, fits_template_body
from infra.deploy.errors import ArtifactNotFound, DeployError, DeployUsageError
from infra.deploy.monitoring_step import plan_monitoring
from infra.deploy.plan import Plan
from infra.deploy.request import DeployRequest, stack_parameters
from infra.deploy.steps import (
    BootstrapStack,
    CreateBucket,
    DeployPlan,
    LockedApply,
    Preparation,
    SecureBucket,
    UploadArtifact,
    UploadTemplate,
)
from infra.deploy.template_diff import resource_changes
from infra.targets.base import Connection, TargetKind


def check_account(conn: Connection, req: DeployRequest) -> None:
    """Refuse credentials for another account than the environment's (AWS only)."""
    expected = req.config.account_id
    if conn.kind is TargetKind.AWS and expected and expected != conn.account_id:
        raise DeployUsageError(
            f"the AWS credentials are for account {conn.account_id}, but environment "
            f"{req.config.name} lives in account {expected} (account_id in its config); "
            "use credentials for that account"
        )


def parse_template(req: DeployRequest) -> dict[str, Any]:
    try:
        template = json.loads(req.template_body)
    except ValueError as exc:
        raise DeployUsageError(f"template {req.template_name} is not JSON: {exc}") from None
    if not isinstance(template, dict):
        raise DeployUsageError(f"template {req.template_name} is not a JSON object")
    return template


def check_stack(state: StackState | None) -> None:
    if state is not None and state.status == "ROLLBACK_COMPLETE":
        raise DeployError(
            f"stack {state.name} is ROLLBACK_COMPLETE: its first creation failed and was "
            "rolled back, and CloudFormation cannot update it. Delete it (`aws cloudformation "
            f"delete-stack --stack-name {state.name}`) and deploy again"
        )


def plan_deploy(
    conn: Connection, bucket: ArtifactBucket, req: DeployRequest, deployment_id: str
) -> DeployPlan:
    """Every effect of this deploy, in order, and what is already in place (no writes)."""
    check_account(conn, req)
    template = parse_template(req)
    names = req.config.names
    stacks = Stacks(conn.clients)
    state = stacks.stack(names.stack)
    check_stack(state)
    params = stack_parameters(req, bucket.bucket, conn.kind.value)
    prepare: list[Preparation] = []
    in_place: list[str] = []
    bucket_exists = bucket.exists()
    uploaded = bucket_exists and bucket.has(req.artifact.digest)
    on_emulator = conn.clients.endpoint.is_emulator
    fixes = bucket_fixes(
        bucket.security() if bucket_exists else NEW_BUCKET, on_emulator=on_emulator
    )
    if bucket_exists and not fixes:
        in_place.append(f"artifact bucket {bucket.bucket} (meets the reports bucket's policy)")
    if not bucket_exists:
        prepare.append(CreateBucket(bucket.bucket))
    if fixes:
        prepare.append(SecureBucket(bucket.bucket, fixes, bucket_exists, tls_skipped=on_emulator))
    location = bucket.location(req.artifact.digest)
    if uploaded:
        in_place.append(f"artifact {location}")
    elif req.artifact.path is None:
        raise ArtifactNotFound(req.artifact.digest, (f"{req.options.build_dir}/*.zip", location))
    else:
        prepare.append(UploadArtifact(req.artifact.path, location))
    template_url = template_source(req, bucket, bucket_exists, prepare, in_place)
    creates = state is None or not state.holds_resources
    if creates:
        prepare.append(BootstrapStack(names.stack, names.deployments_table))
    current = None if creates else stacks.template(names.stack)
    current_params = {} if state is None or creates else dict(state.parameters)
    preview = Plan(
        names.stack,
        resource_changes(current, current_params, template, params),
        creates_stack=creates,
    )
    return DeployPlan(
        env=req.config.name,
        target=conn.kind.value,
        digest=req.artifact.digest,
        deployment_id=deployment_id,
        prepare=tuple(prepare),
        apply=LockedApply(
            req.config.name, names.stack, names.deployments_table, req.options.break_lock
        ),
        preview=preview,
        parameters=params,
        template=template,
        in_place=tuple(in_place),
        role_arn=req.config.deploy.cloudformation_role_arn(conn.account_id, req.config.region),
        monitoring=plan_monitoring(req.config, on_emulator),
        template_url=template_url,
    )


def template_source(
    req: DeployRequest,
    bucket: ArtifactBucket,
    bucket_exists: bool,
    prepare: list[Preparation],
    in_place: list[str],
) -> str | None:
    """None: the compact template fits TemplateBody. Else its TemplateURL in the artifact
    bucket, with the upload as a step unless that content is there already."""
    body = compact_template(req.template_body)
    if fits_template_body(body):
        return None
    digest = hashlib.sha256(body.encode()).hexdigest()
    location = bucket.template_location(digest)
    if bucket_exists and bucket.has_template(digest):
        in_place.append(f"template {location}")
    else:
        prepare.append(UploadTemplate(location, len(body.encode()), MAX_TEMPLATE_BODY))
    return bucket.template_url(digest, req.config.region)
