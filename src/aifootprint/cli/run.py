"""``aifootprint run -- CMD``: measure a command on this machine, record it, print a summary."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..errors import InputError

EXIT_NOT_FOUND = 127
EXIT_NOT_EXECUTABLE = 126


def cmd_run(args: argparse.Namespace) -> int:
    from ..ledger.ledger import open_default
    from ..local.session import Measurement
    from .transfer import parse_labels

    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    if not cmd:
        raise InputError("CMD", "no command to run: aifootprint run [OPTIONS] -- CMD [ARGS...]")
    if args.ledger is not None:
        open_default(args.ledger)  # a ledger that cannot be used: one-line error before the command runs
    m = Measurement(
        args.name or " ".join(cmd)[:200],
        zone=args.zone,
        pue=args.pue,
        labels=parse_labels(args.label),
        gpu=args.gpu,
        server=args.server,
        lifetime_years=args.lifetime_years,
        cpu_tdp_w=args.cpu_tdp_w,
        cpu_power_w=args.cpu_power_w,
        ram_power_w=args.ram_power_w,
        record=True,
        interval_s=args.interval,
    )
    if args.output is not None and not Path(args.output).resolve().parent.is_dir():
        raise InputError("--output", f"{args.output}: its directory does not exist")
    m.start()
    try:
        child = _spawn(cmd)
    except OSError as exc:  # nothing ran: nothing recorded
        m.stop(record=False)
        code = EXIT_NOT_FOUND if isinstance(exc, FileNotFoundError) else EXIT_NOT_EXECUTABLE
        what = "command not found" if code == EXIT_NOT_FOUND else "cannot run"
        print(f"aifootprint: error: {what}: {cmd[0]} ({exc.strerror or exc})", file=sys.stderr)
        return code
    try:
        code = _wait(child)
    finally:
        m.stop()
    text = _json(m, code) if args.format == "json" else m.summary()
    if args.output is not None:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text, file=sys.stderr)
    return code


def _spawn(cmd: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd)


def _wait(child: subprocess.Popen[bytes]) -> int:
    """Wait for the command; Ctrl-C reaches it (not us), SIGTERM is passed on. Its exit status."""

    def forward(signum: int, frame: Any) -> None:
        child.send_signal(signum)

    old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the terminal sends it to the child too
    old_term = signal.signal(signal.SIGTERM, forward)
    try:
        code = child.wait()
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)
    return 128 - code if code < 0 else code  # killed by signal N: 128 + N, as shells say


def _json(m: Any, code: int) -> str:
    imp = m.impacts
    out = {
        "name": m.name,
        "exit_code": code,
        "duration_s": m.duration_s,
        "energy_method": m.energy_method,
        "devices": {
            d.name: {
                "kind": d.kind,
                "model": d.model,
                "method": d.method,
                "source": d.source,
                "energy_kwh": d.energy.value,
                "energy_kwh_low": d.energy.low,
                "energy_kwh_high": d.energy.high,
            }
            for d in m.energy_by_device.values()
        },
        "impacts": imp.to_dict(),
        "level": m.level,
        "problems": list(m.problems),
        "pid": os.getpid(),
    }
    return json.dumps(out, indent=2, default=str)
