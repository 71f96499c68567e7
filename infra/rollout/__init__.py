"""Progressive delivery to production: the canary plan, pure analysis, a controller that
persists every step and rolls back by itself, traffic shifters (Lambda alias, HAProxy) and
metric providers, and the entry functions of the release manager's commands.

Entry points: `commands.promote|hotfix|undo|resume|promote_now|abort`, `status.read_status`,
`retire.retire`; each takes its effects as ports (`commands.RolloutPorts`).
"""
