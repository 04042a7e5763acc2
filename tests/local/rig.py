"""A measurement rig: fake devices on a fake clock, installed as the process's devices."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from aifootprint.local import devices
from aifootprint.local.monitor import Monitor


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@dataclass
class FakeDevice:
    name: str
    model: str = ""
    method: str = "measured"
    j: float = 0.0
    kind: str = field(init=False)
    source: str = "fake counter"

    def __post_init__(self) -> None:
        self.kind = self.name.split(":", 1)[0]

    def energy_j(self) -> float:
        return self.j


class Rig:
    def __init__(
        self, monkeypatch: pytest.MonkeyPatch, *devs: FakeDevice, problems: tuple[str, ...] = ()
    ) -> None:
        self.clock = Clock()
        self.devices = {d.name: d for d in devs}
        monitor = Monitor(list(devs), clock=self.clock, threaded=False)
        self.setup = devices.Setup(monitor, problems, dict(self.devices))
        self.options: list[devices.Options] = []

        def setup(options: devices.Options) -> devices.Setup:
            self.options.append(options)
            return self.setup

        monkeypatch.setattr(devices, "setup", setup)

    def run(self, seconds: float, **joules: float) -> None:
        """``seconds`` pass while each named device (``gpu_0=...``) draws that many joules."""
        self.clock.t += seconds
        for key, j in joules.items():
            self.devices[key.replace("_", ":")].j += j


def h100_rig(monkeypatch: pytest.MonkeyPatch) -> Rig:
    return Rig(
        monkeypatch,
        FakeDevice("gpu:0", "NVIDIA H100 80GB HBM3"),
        FakeDevice("cpu:0"),
        FakeDevice("ram:0"),
    )


def recorded(path: Path) -> list[dict[str, Any]]:
    """Every entry of the ledger at ``path`` (closed first, so everything pending is written)."""
    from aifootprint.ledger.ledger import close_default
    from aifootprint.ledger.schema import COLUMN_NAMES
    from aifootprint.ledger.store import Store

    close_default()
    store = Store(path, create=False)
    try:
        return [dict(zip(COLUMN_NAMES, t, strict=True)) for batch in store.rows() for t in batch]
    finally:
        store.close()


def run_script(tmp_path: Path, source: str) -> Path:
    """Run ``source`` as a Python program of its own (its exit hooks included) with a ledger in
    ``tmp_path``; returns the ledger's path."""
    import os
    import subprocess
    import sys

    script, ledger = tmp_path / "program.py", tmp_path / "program.db"
    script.write_text(source, encoding="utf-8")
    env = {**os.environ, "AIFOOTPRINT_LEDGER": str(ledger)}
    subprocess.run([sys.executable, str(script)], env=env, check=True, timeout=60)
    return ledger
