"""Docker engine: the emulator and the app as containers of an image holding the project's
locked dependencies (the caller names it: `./pipeline up local --engine docker` builds the
toolchain image). Both use the host network, so the app reaches the emulator on loopback and the
presigned report URLs (which name the emulator's address) work from the developer's shell too.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.serving import uvicorn_argv

VENV_PYTHON = "/opt/venv/bin/python"
SOURCE_DIR = "/src"
LABEL = "energy-insights.local"


class DockerLauncher:
    engine = "docker"

    def __init__(self, repo: Path, image: str, client: Any | None = None) -> None:
        import docker  # only the docker engine pays for docker-py

        self.repo = repo.resolve()
        self.client = client if client is not None else docker.from_env(timeout=60)
        self.image = image
        self.containers: list[str] = []

    def _run(self, name: str, argv: list[str], env: Mapping[str, str]) -> str:
        container = self.client.containers.run(
            self.image,
            argv,
            name=name,
            detach=True,
            network_mode="host",
            environment={"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": SOURCE_DIR, **env},
            volumes={str(self.repo): {"bind": SOURCE_DIR, "mode": "ro"}},
            working_dir=SOURCE_DIR,
            labels={LABEL: "true"},
        )
        self.containers.append(str(container.name))
        return str(container.name)

    def start_emulator(self, port: int) -> str:
        argv = [VENV_PYTHON, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
        return self._run(f"ei-local-emulator-{port}", argv, {})

    def start_app(self, port: int, env: Mapping[str, str]) -> str:
        argv = uvicorn_argv(VENV_PYTHON, port=port)
        return self._run(f"ei-local-app-{port}", argv, env)

    def alive(self) -> bool:
        import docker.errors

        try:
            return all(
                self.client.containers.get(name).status == "running" for name in self.containers
            )
        except docker.errors.NotFound:
            return False

    def stop(self) -> list[str]:
        return stop_containers(self.client, list(reversed(self.containers)))


def stop_containers(client: Any, names: list[str]) -> list[str]:
    """Stop and remove the named containers that carry our label; returns those removed."""
    import docker.errors

    stopped: list[str] = []
    for name in names:
        try:
            container = client.containers.get(name)
        except docker.errors.NotFound:
            continue
        if container.labels.get(LABEL) != "true":
            continue
        container.stop(timeout=10)
        container.remove(force=True)
        stopped.append(name)
    return stopped
