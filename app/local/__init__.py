"""Local run of the API against the local AWS emulator (`python -m app.local up|down`).

Development tooling: it is not shipped in the Lambda bundle.
"""

from app.local.run import DownResult, Engine, LocalRunError, down, up
from app.local.state import LocalRun

__all__ = ["DownResult", "Engine", "LocalRun", "LocalRunError", "down", "up"]
