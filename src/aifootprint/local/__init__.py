"""Local measurement: the energy of this machine's GPUs, CPU and RAM over a window, and its impacts.

``aifootprint.measure()`` (:mod:`.session`) is the public entry point; the devices are in :mod:`.nvml`,
:mod:`.amd`, :mod:`.rapl` and :mod:`.estimate`, found by :mod:`.devices` and read by :mod:`.monitor`.
"""
