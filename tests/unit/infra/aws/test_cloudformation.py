from __future__ import annotations

import json

import pytest

from infra.aws import AwsClients
from infra.aws.cloudformation import Stacks
from infra.aws.errors import AwsCallFailed

TEMPLATE = {
    "Parameters": {"Name": {"Type": "String"}},
    "Resources": {
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "Name"}}}
    },
    "Outputs": {"TopicName": {"Value": {"Fn::GetAtt": ["Topic", "TopicName"]}}},
}


def test_a_stack_through_its_change_set(clients: AwsClients) -> None:
    stacks = Stacks(clients)
    assert stacks.stack("s") is None
    assert stacks.template("s") is None
    arn = stacks.create_change_set("s", "first", json.dumps(TEMPLATE), {"Name": "t"}, "CREATE")
    described = stacks.describe_change_set("s", arn)
    assert described.status == "CREATE_COMPLETE"
    assert [c["ResourceChange"]["LogicalResourceId"] for c in described.changes] == ["Topic"]
    review = stacks.stack("s")
    assert review is not None
    assert not review.holds_resources  # REVIEW_IN_PROGRESS: nothing created yet
    stacks.execute_change_set("s", arn)
    state = stacks.stack("s")
    assert state is not None
    assert (state.status, dict(state.parameters)) == ("CREATE_COMPLETE", {"Name": "t"})
    assert state.holds_resources
    assert stacks.template("s") == TEMPLATE
    assert stacks.events("s")


def test_deleting_a_change_set_and_a_stack(clients: AwsClients) -> None:
    stacks = Stacks(clients)
    arn = stacks.create_change_set("s", "first", json.dumps(TEMPLATE), {"Name": "t"}, "CREATE")
    stacks.delete_change_set("s", arn)
    stacks.delete_stack("s")
    assert stacks.stack("s") is None


def test_a_refused_change_set_keeps_its_code(clients: AwsClients) -> None:
    with pytest.raises(AwsCallFailed) as caught:
        Stacks(clients).create_change_set("s", "x", "{not json", {}, "UPDATE")
    assert caught.value.code
