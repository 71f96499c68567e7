"""Where an environment lives: real AWS or the local emulator (`base`: what a target is;
`select`: choosing and opening one; `aws`, `local`: the two targets; `local_emulator`: the moto
server process; `local_apps`, `local_state`, `local_lifecycle`: how the local target serves each
environment's app from the built artifact, around the stages of a run)."""
