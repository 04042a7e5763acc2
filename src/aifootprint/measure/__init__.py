"""Energy of work on your own hardware: device counters (RAPL, NVML) and estimates (in progress, issue 5)."""
