"""The perf stage: a locust load of weighted user journeys, a pure gate (absolute thresholds and
the last green run as baseline), the report with plots, `perf#` records, and the capacity report.

Entry points: `run_perf(config, PerfRequest, PerfPorts) -> PerfOutcome` (infra.perf.stage),
`capacity_report(...)` / `render(...)` (infra.perf.capacity), `latest_green(table, env, digest)`
(infra.perf.records) for promotion, and the CLI `python -m infra.perf run|capacity`.
"""
