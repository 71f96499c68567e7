"""The security gates of the `scan` stage.

`python -m pipeline.gates bandit|pip-audit|secrets|workflows|iac` runs one gate.

Standard library only: the gates run in the security toolchain venv, which holds the scanners
(called as subprocesses) and none of the project's dependencies. Exit codes: 0 passed, 1 findings,
2 the gate could not run (tool missing, input missing, tool crashed), 3 degraded (pip-audit could
not audit everything).
"""
