"""``aifootprint run -- CMD``: the command runs with this terminal, its exit status is ours, the run is
measured, recorded and summarised; bad input gives one line and exit 2."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from .rig import h100_rig, recorded


def run(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from aifootprint.cli import main

    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capfd.readouterr()
    return code, out, err


def run_python(
    capfd: pytest.CaptureFixture[str], ledger: Path, code: str, *options: str
) -> tuple[int, str, str]:
    """``aifootprint run --zone FRA --ledger LEDGER OPTIONS -- python -c CODE``."""
    return run(
        capfd, "run", "--zone", "FRA", "--ledger", str(ledger), *options, "--", sys.executable, "-c", code
    )


def test_runs_the_command_records_and_summarises(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    h100_rig(monkeypatch)
    led = tmp_path / "l.db"
    child = "import sys; print('hello from the child'); sys.exit(3)"
    code, out, err = run_python(capfd, led, child, "--label", "team=nlp")
    assert code == 3
    assert "hello from the child" in out  # the child's output is untouched
    assert "aifootprint:" in err and "Impact level:" in err and "gpu:0" in err
    [row] = recorded(led)
    assert row["kind"] == "local" and row["source"] == "measure" and row["zone"] == "FRA"
    assert json.loads(str(row["labels"])) == {"team": "nlp"}
    assert str(row["operation"]).startswith(sys.executable)


def test_json_summary_to_a_file(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    h100_rig(monkeypatch)
    out_file = tmp_path / "summary.json"
    code, _, err = run_python(
        capfd, tmp_path / "l.db", "pass", "--name", "train", "--format", "json", "-o", str(out_file)
    )
    assert code == 0 and err == ""
    data = json.loads(out_file.read_text())
    assert (
        data["name"] == "train"
        and data["exit_code"] == 0
        and set(data["devices"]) == {"gpu:0", "cpu:0", "ram:0"}
    )
    assert data["impacts"]["zone"] == "FRA" and data["level"] == "Low"


def test_a_command_that_cannot_start_is_not_recorded(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    h100_rig(monkeypatch)
    led = tmp_path / "l.db"
    code, _, err = run(capfd, "run", "--zone", "FRA", "--ledger", str(led), "--", "no-such-command-xyz")
    assert code == 127 and "command not found: no-such-command-xyz" in err
    assert recorded(led) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--zone", "FRA"], "no command to run"),
        (["run", "--zone", "FRA", "--"], "no command to run"),
        (["run", "--zone", "NOWHERE", "--", "true"], "unknown zone"),
        (["run", "--cpu-tdp-w", "-5", "--", "true"], "must be a positive number"),
        (["run", "--label", "novalue", "--", "true"], "key=value"),
        (["run", "-o", "/no/such/dir/x.txt", "--", "true"], "directory does not exist"),
    ],
)
def test_bad_input_is_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: list[str],
    message: str,
) -> None:
    h100_rig(monkeypatch)
    code, _, err = run(capfd, *argv[:1], "--ledger", str(tmp_path / "l.db"), *argv[1:])
    assert code == 2 and message in err.lower() and err.count("\n") == 1 and "Traceback" not in err


def test_a_failed_command_is_an_incomplete_run_and_keeps_its_status(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    h100_rig(monkeypatch)
    led = tmp_path / "l.db"
    code, _, _ = run_python(capfd, led, "exit(4)")
    assert code == 4
    [row] = recorded(led)
    assert row["complete"] == 0


def test_a_summary_that_cannot_be_written_keeps_the_command_status(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from aifootprint.local.session import Measurement

    h100_rig(monkeypatch)

    def broken(self: Measurement) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(Measurement, "summary", broken)
    code, _, err = run_python(capfd, tmp_path / "l.db", "exit(5)")
    assert code == 5 and "the summary could not be written" in err and "disk full" in err


@pytest.mark.parametrize("case", ["output is a directory", "configured zone unknown"])
def test_problems_found_before_the_command_runs(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], tmp_path: Path, case: str
) -> None:
    h100_rig(monkeypatch)
    marker = tmp_path / "ran"
    argv = ["run", "--ledger", str(tmp_path / "l.db")]
    if case == "output is a directory":
        argv += ["--zone", "FRA", "-o", str(tmp_path)]
    else:
        monkeypatch.setenv("AIFOOTPRINT_ZONE", "NOPE")
    code, _, err = run(capfd, *argv, "--", sys.executable, "-c", f"open({str(marker)!r}, 'w')")
    assert code == 2 and err.count("\n") == 1 and not marker.exists()


def test_hangup_is_passed_on_to_the_command(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import os
    import signal
    import threading
    import time

    h100_rig(monkeypatch)
    ready = tmp_path / "ready"
    child = (
        "import signal, sys, time, pathlib\n"
        "signal.signal(signal.SIGHUP, lambda *a: sys.exit(7))\n"
        f"pathlib.Path({str(ready)!r}).touch()\n"
        "time.sleep(20)\n"
    )

    def hang_up() -> None:
        deadline = time.monotonic() + 10
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGHUP)

    t = threading.Thread(target=hang_up)
    t.start()
    code, _, _ = run_python(capfd, tmp_path / "l.db", child)
    t.join()
    assert code == 7  # the command got it and ended its own way; we are still here to record it


def test_a_hangup_ignored_by_the_caller_stays_ignored_for_the_command(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """nohup aifootprint run -- CMD: the command inherits the ignored SIGHUP, as under plain nohup."""
    import signal

    h100_rig(monkeypatch)
    monkeypatch.setattr(signal, "SIGHUP", signal.SIGHUP)
    old = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        child = "import os, signal; os.kill(os.getpid(), signal.SIGHUP); print('survived')"
        code, out, _ = run_python(capfd, tmp_path / "l.db", child)
    finally:
        signal.signal(signal.SIGHUP, old)
    assert code == 0 and "survived" in out
