"""What the local target keeps under `.pipeline/local/`: per environment, where its app answers
(port, digest, what runs it), and the local release's keypair (its tokens are what the apps
accept). Ports are chosen here: an environment keeps its port across redeploys."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from app.local.dev_keys import DevKeys, generate_keys, mint_token
from app.local.ports import free_port, loopback_url

LOCAL_DIR = Path(".pipeline/local")
APPS_DIR = LOCAL_DIR / "apps"
KEYS_FILE = LOCAL_DIR / "release-keys.json"


@dataclass(frozen=True)
class ServedApp:
    """One environment's local app: where it answers and what runs it."""

    env: str
    url: str
    port: int
    digest: str
    runner: str  # docker | host
    handle: str  # container name, or process id


def app_file(repo: Path, env: str) -> Path:
    return repo / APPS_DIR / f"{env}.json"


def read_app(repo: Path, env: str) -> ServedApp | None:
    try:
        data = json.loads(app_file(repo, env).read_text(encoding="utf-8"))
        return ServedApp(**{k: data[k] for k in ServedApp.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def served_envs(repo: Path) -> list[str]:
    """Every environment with an app record, by name."""
    return sorted(path.stem for path in (repo / APPS_DIR).glob("*.json"))


def write_app(repo: Path, app: ServedApp) -> None:
    path = app_file(repo, app.env)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(app), indent=2) + "\n", encoding="utf-8")


def remove_app(repo: Path, env: str) -> None:
    app_file(repo, env).unlink(missing_ok=True)


def reserve_port(repo: Path, env: str) -> int:
    """The env's recorded port (a redeploy keeps its URL), else a free loopback port."""
    served = read_app(repo, env)
    return served.port if served is not None else free_port()


def app_url(port: int) -> str:
    return loopback_url(port)


def local_keys(repo: Path) -> DevKeys:
    """The local release's RSA keypair (created once, owner-readable only)."""
    path = repo / KEYS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return DevKeys(private_pem=str(data["private_pem"]), public_pem=str(data["public_pem"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    keys = generate_keys()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(asdict(keys), handle)
    return keys


def local_token(repo: Path) -> str:
    """A bearer token the local apps accept (signed with the local release keypair)."""
    return mint_token(local_keys(repo))
