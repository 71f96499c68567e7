"""Release: build once, deploy the digest to dev then staging, smoke-test each environment.

`targets` decides local vs aws, `endpoints` where an environment's API answers, `local_app`
serves the built artifact next to the local emulator, `smoke` runs tests/smoke, `stage_entry`
is what the deploy/smoke stages run, and `commands` is the CLI side (`pipeline release` …).
"""
