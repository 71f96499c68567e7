"""Monitoring as code: the alarm catalog, dashboard, log metric filters, notification routing,
and the local evaluator that gives alarms a state where the emulator never evaluates them.

What the release side wires (see the module of each):
- `catalog.build_catalog(config)`: the alarms of an environment, as data.
- `local_setup.ensure_local_monitoring(clients, config)`: create + verify them on the emulator.
- `alarm_source.AwsAlarmSource` / `local_source.LocalAlarmSource`: alarm states, one protocol.
- `alarm_source.alarm_rows(states)` and `any_p0_in_alarm(states)`: `alarms` command, rollout.
- `notify.build_notifier(...)`: the Notifier that routes by severity.
"""
