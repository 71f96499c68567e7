"""Where a deploy goes: real AWS (standard credential chain) or the local emulator."""
