"""Call rows: ``records`` is their one writer (from the engine's and the call layer's records),
``calllog`` closes what a crash left open and reads a group's call log, ``history`` filters
and pages the call history and the agent log."""
