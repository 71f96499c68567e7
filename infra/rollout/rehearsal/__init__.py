"""`pipeline rehearse`: the local rehearsal of a production promotion under steady client load.
The host is the users: `load` sends steady traffic through the local prod's router (each answer
counted by its X-App-Version header; every write read back), `weights` reads the router's
weights; `judge` checks what a rehearsal must show and `timeline` draws it."""
