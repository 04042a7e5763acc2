"""The estimation engine: pure functions and the compiled plan; no I/O, no settings, no catalogue."""
