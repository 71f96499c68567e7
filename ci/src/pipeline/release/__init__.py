"""Release: build once, deploy the digest to dev then staging, smoke-test each environment.

`entries` is what each per-environment stage runs in its container (infra as a library),
`target_run` the host side of a run on a target (params, secrets, the target's lifecycle),
`smoke` the smoke step, `app_runners`/`app_image` what runs a local app. See README.md.
"""
