"""`report daily|weekly --env E`: availability and SLO attainment, alarms, deployments and
DORA metrics, performance trend and cost, as Markdown + JSON + PNG charts."""
