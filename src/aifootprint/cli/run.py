"""``aifootprint run -- CMD``: measure a command on this machine, record it, print a summary."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError

if TYPE_CHECKING:
    from ..local.session import Measurement

EXIT_NOT_FOUND = 127
EXIT_NOT_EXECUTABLE = 126


def cmd_run(args: argparse.Namespace) -> int:
    from .._state import current_settings
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
    if args.output is not None:
        _check_output(Path(args.output))
    m = Measurement(
        args.name or " ".join(cmd)[:200],
        zone=args.zone or current_settings().zone,  # the configured zone is checked before the command too
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
        cpu_scope=args.cpu_scope,
    )
    m.start()
    code = 1
    try:
        code = _run(cmd)
    except OSError as exc:  # it could not start: nothing ran, nothing is recorded
        m.stop(record=False)
        code = EXIT_NOT_FOUND if isinstance(exc, FileNotFoundError) else EXIT_NOT_EXECUTABLE
        what = "command not found" if code == EXIT_NOT_FOUND else "cannot run"
        print(f"aifootprint: error: {what}: {cmd[0]} ({exc.strerror or exc})", file=sys.stderr)
        return code
    finally:
        m.stop(complete=code == 0)  # a failed or killed command: an incomplete run (no-op once stopped)
    try:  # from here on the command's exit status is what we return, whatever happens to the summary
        text = _json(m, code) if args.format == "json" else m.summary()
        if args.output is not None:
            Path(args.output).write_text(text + "\n", encoding="utf-8")
        else:
            print(text, file=sys.stderr)
    except Exception as exc:
        where = f" {args.output}:" if args.output is not None else ""
        print(f"aifootprint: error: the summary could not be written:{where} {exc}", file=sys.stderr)
    return code


def _check_output(path: Path) -> None:
    """The summary file must be writable, checked before the command runs (its work is not lost then)."""
    if path.is_dir():
        raise InputError("--output", f"{path} is a directory: give a file name")
    parent = path.resolve().parent
    if not parent.is_dir():
        raise InputError("--output", f"{path}: its directory does not exist")
    if not os.access(path if path.exists() else parent, os.W_OK):
        raise InputError("--output", f"{path}: not writable")


#: Passed on to the command. SIGINT and SIGQUIT are not: a terminal sends them to the command as well.
FORWARDED = ("SIGTERM", "SIGHUP", "SIGUSR1", "SIGUSR2")
IGNORED = ("SIGINT", "SIGQUIT")


def _run(cmd: list[str]) -> int:
    """Run the command and wait for it; its exit status (128 + N when signal N ended it, as shells say).
    Raises OSError when it cannot start. A signal to pass on that arrives while it starts is sent once it
    has."""
    started: list[subprocess.Popen[bytes]] = []
    early: list[int] = []

    def forward(signum: int, frame: Any) -> None:
        if started:
            started[0].send_signal(signum)
        else:
            early.append(signum)

    old: dict[int, Any] = {}
    try:
        for name in FORWARDED:  # before the command starts: no moment where a SIGTERM orphans it
            signum = getattr(signal, name, None)
            if signum is not None and signal.getsignal(signum) is not signal.SIG_IGN:
                # an ignored signal (nohup) stays ignored and the command inherits that, as with timeout
                old[signum] = signal.signal(signum, forward)
        child = subprocess.Popen(cmd)
        started.append(child)
        for name in IGNORED:  # after: the command must not inherit "ignored"
            signum = getattr(signal, name, None)
            if signum is not None:
                old[signum] = signal.signal(signum, signal.SIG_IGN)
        for signum in early:
            child.send_signal(signum)
        code = child.wait()
    finally:
        for signum, handler in old.items():
            signal.signal(signum, handler)
    return 128 - code if code < 0 else code


def _json(m: Measurement, code: int) -> str:
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
    }
    return json.dumps(out, indent=2, default=str)
