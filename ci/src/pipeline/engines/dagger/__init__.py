"""The dagger engine: the catalog compiled to Dagger container chains (`pipeline.main` is the
module object). `plan` and `release_plan` are standard library only and table-tested; `stages`,
`release` and `session` talk to the SDK; `app_service` runs inside a container."""
