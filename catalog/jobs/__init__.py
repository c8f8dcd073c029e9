"""Background work: upload jobs, the registry of live processes, recovery after a crash."""
