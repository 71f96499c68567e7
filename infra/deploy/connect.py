"""Connect to a target: a boto3 session with the right credentials and endpoint, checked with
one STS call (which also tells us the account, part of bucket names)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from infra.aws import AwsClients, Endpoint, aws_call
from infra.aws.sessions import aws_session, emulator_session
from infra.targets.local_emulator import STATE_DIR, ensure_emulator, running_endpoint
from infra.targets.model import AWS_WAITS, LOCAL_WAITS, TargetKind, WaitPolicy, resolve_kind


@dataclass(frozen=True)
class Connection:
    clients: AwsClients
    kind: TargetKind
    waits: WaitPolicy
    account_id: str
    notes: tuple[str, ...] = ()  # what to tell the user about the target


def connect(
    requested: TargetKind, region: str, start_emulator: bool, state_dir: Path = STATE_DIR
) -> Connection:
    """Clients for the target; starts the emulator when `start_emulator` and none runs."""
    kind = resolve_kind(requested)
    notes: list[str] = []
    if kind is TargetKind.LOCAL:
        if start_emulator:
            state = ensure_emulator(state_dir)
            url = state.endpoint
            if state.started:
                notes.append(f"started the local AWS emulator at {url} (pid {state.pid})")
        else:
            url = running_endpoint(state_dir)
        clients = AwsClients(emulator_session(region), Endpoint(region=region, url=url))
        waits = LOCAL_WAITS
        notes.append(f"target: local emulator at {url} (fake credentials)")
    else:
        session, source = aws_session(region)
        clients = AwsClients(session, Endpoint(region=region))
        waits = AWS_WAITS
        notes.append(f"target: AWS {region} (credentials from {source})")
    with aws_call("sts GetCallerIdentity", clients.endpoint):
        account = clients.sts.get_caller_identity()["Account"]
    if requested is TargetKind.AUTO:
        notes.append(f"--target auto chose {kind.value}")
    return Connection(clients, kind, waits, account, tuple(notes))
