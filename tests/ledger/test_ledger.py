"""The ledger writer: batched off the hot path, lossless under threads and processes, crash-safe, on by
default for instrumented calls."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import aifootprint as af
from aifootprint._values import Impacts
from aifootprint.errors import LedgerError
from aifootprint.ledger import Entry, Ledger, Store, ledger_path, schema

from .helpers import entry, failed, openai_client

ROOT = Path(__file__).resolve().parents[2]


def count(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
    finally:
        db.close()


def test_entries_are_written_with_every_field(tmp_path: Path) -> None:
    led = Ledger(tmp_path / "l.db", flush_interval=60)
    e = entry(3, labels={"project": "bot", "feature": "triage"})
    e.server = "https://user:secret@api.example.com:8443/v1?key=abc"
    led.record(e)
    led.record(failed(4))
    assert led.pending == 2
    assert led.flush() == 2
    store = Store(led.path)
    (chunk,) = list(store.rows())
    rows = [dict(zip(schema.COLUMN_NAMES, r, strict=True)) for r in chunk]
    ok, bad = rows
    imp = e.impacts
    assert imp is not None
    assert ok["kind"] == "api" and ok["provider"] == "openai" and ok["model"] == "gpt-4o-mini"
    assert ok["server"] == "api.example.com:8443"  # no credentials, path or query
    assert ok["input_tokens"] == e.usage.input_tokens and ok["usage_source"] == "reported"  # type: ignore[union-attr]
    assert ok["gwp_usage"] == imp.usage.gwp.value and ok["gwp_usage_low"] == imp.usage.gwp.low
    assert ok["water_embodied_high"] == imp.embodied.water.high
    assert ok["zone"] == imp.zone and ok["boundary"] == "datacenter" and ok["gwp_basis"] == "lifecycle"
    assert json.loads(ok["labels"]) == {"feature": "triage", "project": "bot"}
    assert ok["warnings"] == ",".join(imp.warnings)
    assert ok["data_version"] and ok["methodology_version"] == schema.METHODOLOGY_VERSION
    assert ok["aifootprint_version"] == af.__version__
    assert bad["error"] == "model-not-registered" and bad["gwp_usage"] is None
    assert not any("secret" in str(v) or "sk-" in str(v) for v in ok.values())
    store.close()
    led.close()


def test_impacts_are_computed_by_the_writer_not_the_caller(tmp_path: Path) -> None:
    calls: list[int] = []
    real = entry(0).impacts
    assert real is not None
    values = real._v()

    def compute() -> tuple[float, ...]:
        calls.append(threading.get_ident())
        return values

    lazy = Impacts(
        compute, model="m", zone="FRA", boundary="datacenter", warnings=(), requests=1, explainer=tuple
    )
    led = Ledger(tmp_path / "l.db", flush_interval=0.01)
    e = entry(0)
    e.impacts = lazy
    led.record(e)
    assert calls == [] or calls[0] != threading.get_ident()
    deadline = time.monotonic() + 30
    while led.written == 0 and time.monotonic() < deadline:  # the writer thread wakes every 10 ms
        time.sleep(0.005)
    led.close()
    assert len(calls) == 1 and calls[0] != threading.get_ident() and count(led.path) == 1


def test_many_threads_lose_nothing(tmp_path: Path) -> None:
    led = Ledger(tmp_path / "l.db", flush_interval=0.005, batch_size=500)
    template = entry(1)

    def work(k: int) -> None:
        for i in range(1500):
            e = Entry(kind="api", ts=template.ts + k * 1e5 + i, source="openai", impacts=template.impacts)
            led.record(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    led.close()
    assert count(led.path) == 8 * 1500
    store = Store(led.path)
    assert store.db.execute("SELECT SUM(entries) FROM rollup").fetchone()[0] == 12000
    store.close()


WRITER = textwrap.dedent(
    """
    import os, sys
    os.environ["AIFOOTPRINT_LEDGER"] = "off"
    sys.path.insert(0, {tests!r})
    from ledger.helpers import entry
    from aifootprint.ledger import Ledger, Entry
    led = Ledger(sys.argv[1], flush_interval=0.01, batch_size=100)
    e = entry(1)
    n = int(sys.argv[2])
    for i in range(n):
        led.record(Entry(kind="api", ts=e.ts + i, source="p" + sys.argv[3], impacts=e.impacts))
    {tail}
    """
)


def script(tmp_path: Path, tail: str) -> Path:
    path = tmp_path / "writer.py"
    path.write_text(WRITER.format(tests=str(ROOT / "tests"), tail=tail), encoding="utf-8")
    return path


def test_several_processes_write_at_once_and_flush_at_exit(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    prog = script(tmp_path, "")  # no flush(): the atexit hook writes what is pending
    env = {**os.environ, "AIFOOTPRINT_LEDGER": "off"}
    procs = [
        subprocess.Popen([sys.executable, str(prog), str(db), "3000", str(k)], env=env) for k in range(4)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    assert count(db) == 12000
    store = Store(db)
    per = dict(store.db.execute("SELECT source, COUNT(*) FROM entries GROUP BY source").fetchall())
    assert per == {"p0": 3000, "p1": 3000, "p2": 3000, "p3": 3000}
    store.close()


def test_committed_rows_survive_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "l.db"
    tail = (
        "led.flush()\n"
        "print(led.written, flush=True)\n"
        "for i in range(5000):\n"
        "    led.record(Entry(kind='api', ts=e.ts, source='lost', impacts=e.impacts))\n"
        "os.kill(os.getpid(), 9)\n"
    )
    prog = script(tmp_path, tail)
    env = {**os.environ, "AIFOOTPRINT_LEDGER": "off"}
    res = subprocess.run(  # noqa: PLW1510 - the exit status is the point
        [sys.executable, str(prog), str(db), "2500", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == -signal.SIGKILL
    committed = int(res.stdout.strip())
    assert committed == 2500
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT COUNT(*) FROM entries WHERE source = 'p0'").fetchone()[0] == 2500
    con.close()
    Store(db).close()  # still a valid ledger


def _child(path: str, q: Any) -> None:
    from aifootprint.ledger import ledger as ledger_module

    (led,) = list(ledger_module._open_ledgers)
    q.put(led.pending)
    e = entry(2)
    led.record(Entry(kind="api", ts=e.ts, source="child", impacts=e.impacts))
    led.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_a_forked_child_writes_its_own_entries_and_not_the_parents(tmp_path: Path) -> None:
    led = Ledger(tmp_path / "l.db", flush_interval=60)
    for i in range(10):
        led.record(entry(i))
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(str(led.path), q))
    p.start()
    p.join(60)
    assert p.exitcode == 0
    assert q.get(timeout=5) == 0  # the child forgot the parent's queue
    led.close()
    store = Store(led.path)
    per = dict(store.db.execute("SELECT source, COUNT(*) FROM entries GROUP BY source").fetchall())
    assert per == {"openai": 10, "child": 1}
    store.close()


def test_a_file_that_cannot_be_written_keeps_entries_for_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    led = Ledger(tmp_path / "l.db", flush_interval=60)
    store = led._store
    assert store is not None
    real = store.write
    fail = {"on": True}

    def write(rows: Any, **kw: Any) -> int:
        if fail["on"]:
            raise sqlite3.OperationalError("database is locked")
        return real(rows, **kw)

    monkeypatch.setattr(store, "write", write)
    for i in range(5):
        led.record(entry(i))
    assert led.flush(timeout=0.1) == 0 and led.pending == 5
    assert "could not be written (database is locked); 5 entries kept" in caplog.text
    fail["on"] = False
    assert led.flush() == 5 and led.pending == 0
    led.close()
    assert count(led.path) == 5


def test_when_nothing_can_be_written_memory_stays_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    led = Ledger(tmp_path / "l.db", flush_interval=60, batch_size=10, max_pending=50)
    assert led._store is not None

    def write(rows: Any, **kw: Any) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(led._store, "write", write)
    e = entry(0)
    for _ in range(200):
        led.record(e)
    assert led.pending <= 60 and led.dropped >= 140
    monkeypatch.undo()
    led.close()


# -- where the ledger is, and instrument() -----------------------------------------------------------------
def test_ledger_path_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("AIFOOTPRINT_LEDGER")
    af.reset()
    if sys.platform.startswith("linux"):
        assert ledger_path() == tmp_path / "xdg" / "aifootprint" / "ledger.db"
    for off in ("off", "OFF", "false", "0", "none"):
        monkeypatch.setenv("AIFOOTPRINT_LEDGER", off)
        af.reset()
        assert ledger_path() is None
    monkeypatch.setenv("AIFOOTPRINT_LEDGER", str(tmp_path / "env.db"))
    af.reset()
    assert ledger_path() == tmp_path / "env.db"
    assert ledger_path(False) is None and ledger_path(tmp_path / "x.db") == tmp_path / "x.db"
    monkeypatch.delenv("AIFOOTPRINT_LEDGER")
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "aifootprint.toml").write_text('ledger = "data/ledger.db"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path / "proj")
    af.reset()
    assert ledger_path() == tmp_path / "proj" / "data" / "ledger.db"  # relative to the config file
    (tmp_path / "proj" / "aifootprint.toml").write_text("ledger = false\n", encoding="utf-8")
    af.reset()
    assert ledger_path() is None
    (tmp_path / "proj" / "aifootprint.toml").write_text("ledger = 3\n", encoding="utf-8")
    af.reset()
    with pytest.raises(af.ConfigError, match="ledger=3 must be a file path"):
        ledger_path()


def test_instrumented_calls_land_in_the_ledger_with_their_labels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("openai")
    path = tmp_path / "calls.db"
    monkeypatch.setenv("AIFOOTPRINT_LEDGER", str(path))
    af.reset()
    af.instrument(["openai"])
    try:
        client = openai_client()
        with af.labels(project="support-bot", feature="triage"):
            r1 = client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
            )
        r2 = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
        led = af.get_ledger()
        assert led is not None and led.path == path
        assert af.flush() == 2
    finally:
        af.uninstrument()
    store = Store(path)
    (chunk,) = list(store.rows())
    rows = [dict(zip(schema.COLUMN_NAMES, r, strict=True)) for r in chunk]
    assert [json.loads(r["labels"]) for r in rows] == [{"feature": "triage", "project": "support-bot"}, {}]
    assert rows[0]["gwp_usage"] == r1.impacts.usage.gwp.value
    assert rows[1]["input_tokens"] == 14 and rows[1]["response_model"] == "gpt-4o-mini-2024-07-18"
    assert rows[0]["server"] == "api.openai.com"
    text = json.dumps(rows)
    assert "Hi" not in text and "Paris" not in text and "sk-test" not in text and "pw" not in text
    assert r2.impacts is not None
    store.close()


def test_instrument_with_the_ledger_off_records_nothing(tmp_path: Path) -> None:
    pytest.importorskip("openai")
    af.instrument(["openai"], ledger=False)
    try:
        r = openai_client().chat.completions.create(model="gpt-4o-mini", messages=[])
        assert r.impacts is not None and af.get_ledger() is None
    finally:
        af.uninstrument()


def test_instrument_refuses_a_foreign_ledger_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("my notes\n", encoding="utf-8")
    with pytest.raises(LedgerError, match="not a SQLite database"):
        af.instrument(["openai"], ledger=path)
    af.uninstrument()
    assert path.read_text(encoding="utf-8") == "my notes\n"


def _mp_child(path: str) -> None:
    from aifootprint.ledger import ledger as ledger_module

    (led,) = list(ledger_module._open_ledgers)
    e = entry(2)
    for i in range(50):
        led.record(Entry(kind="api", ts=e.ts + i, source="mp-child", impacts=e.impacts))
    # no flush, no close: a multiprocessing child made by fork ends with os._exit()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_multiprocessing_fork_children_write_their_entries(tmp_path: Path) -> None:
    led = Ledger(tmp_path / "l.db", flush_interval=60)
    led.record(entry(0))
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_mp_child, args=(str(led.path),)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    led.close()
    store = Store(led.path)
    per = dict(store.db.execute("SELECT source, COUNT(*) FROM entries GROUP BY source").fetchall())
    assert per == {"openai": 1, "mp-child": 150}
    store.close()


def test_malformed_entries_are_dropped_without_blocking_the_others(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    led = Ledger(tmp_path / "l.db", flush_interval=60)
    good = entry(1)
    led.record(good)
    led.record(Entry(kind="api", ts=good.ts, source="openai", impacts=None, stream=None))  # type: ignore[arg-type]
    led.record(Entry(kind="api", ts=good.ts, source=None, impacts=None))  # type: ignore[arg-type]  # NOT NULL
    led.record(entry(2))
    assert led.flush(timeout=1) == 2
    assert led.pending == 0 and led.dropped == 2
    led.record(entry(3))  # the ledger goes on
    led.close()
    assert count(led.path) == 3


def test_overflow_on_a_writable_file_drops_nothing(tmp_path: Path) -> None:
    led = Ledger(tmp_path / "l.db", flush_interval=0.01, batch_size=50, max_pending=120)
    template = entry(1)

    def work(k: int) -> None:
        for i in range(2000):
            led.record(Entry(kind="api", ts=template.ts + i, source=f"t{k}", impacts=template.impacts))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    led.close()
    assert led.dropped == 0 and count(led.path) == 8000


def test_the_path_is_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    led = Ledger("rel.db")
    assert led.path == tmp_path / "rel.db" and led.path.is_absolute()
    led.close()


def test_an_unusable_default_place_does_not_stop_instrument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.delenv("AIFOOTPRINT_LEDGER")
    monkeypatch.setattr(
        "aifootprint.ledger.ledger.default_path", lambda: blocker / "aifootprint" / "ledger.db"
    )
    af.reset()
    af.instrument(["openai"])  # e.g. a read-only home in a container: no ledger, one warning
    try:
        assert af.get_ledger() is None
        assert (
            "aifootprint: no ledger: ledger" in caplog.text and "cannot create its directory" in caplog.text
        )
    finally:
        af.uninstrument()
    with pytest.raises(LedgerError, match="cannot create its directory"):
        af.instrument(["openai"], ledger=blocker / "x" / "ledger.db")  # asked for: an error
    af.uninstrument()


def test_a_lazy_ledger_opens_on_its_first_write_and_an_unusable_file_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from aifootprint._log import reset_log_once

    reset_log_once()
    lazy = Ledger(tmp_path / "new" / "l.db", flush_interval=60, lazy=True)
    assert lazy._store is None and not (tmp_path / "new").exists()  # nothing touched yet
    lazy.record(entry(1))
    assert lazy.flush() == 1 and lazy._store is not None
    lazy.close()
    assert count(lazy.path) == 1
    foreign = tmp_path / "notes.txt"
    foreign.write_text("my notes\n", encoding="utf-8")
    with pytest.raises(LedgerError, match="not a SQLite database"):
        Ledger(foreign)  # a ledger named by the user fails at once
    bad = Ledger(foreign, flush_interval=60, lazy=True)  # created for a measurement: never raises
    bad.record(entry(1))
    assert bad.flush() == 0 and bad.dropped == 1
    bad.record(entry(2))  # ignored from now on
    assert bad.pending == 0
    bad.close()
    assert "no ledger: ledger" in caplog.text and "not a SQLite database" in caplog.text
    assert foreign.read_text(encoding="utf-8") == "my notes\n"


def test_a_lazy_ledger_with_nothing_to_write_creates_no_file(tmp_path: Path) -> None:
    lazy = Ledger(tmp_path / "l.db", lazy=True)
    assert lazy.flush() == 0
    lazy.close()
    assert not (tmp_path / "l.db").exists()


def test_instrument_opens_a_ledger_a_measurement_created_and_fails_as_for_a_named_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aifootprint.ledger.ledger import default_for_measurement, open_default

    foreign = tmp_path / "notes.txt"
    foreign.write_text("my notes\n", encoding="utf-8")
    monkeypatch.setenv("AIFOOTPRINT_LEDGER", str(foreign))
    af.reset()
    lazy = default_for_measurement()  # a measurement's start: no file opened, nothing raised
    assert lazy is not None and lazy._store is None
    with pytest.raises(LedgerError, match="not a SQLite database"):
        open_default()  # instrument(): the configured ledger cannot be used -> say so now
    assert af.get_ledger() is None and lazy.closed
    good = tmp_path / "good.db"
    monkeypatch.setenv("AIFOOTPRINT_LEDGER", str(good))
    af.reset()
    lazy = default_for_measurement()
    assert lazy is not None and open_default() is lazy and lazy._store is not None  # opened now


def test_the_entry_of_a_call_holds_its_record_and_copies_nothing(tmp_path: Path) -> None:
    pytest.importorskip("openai")
    seen: list[Entry] = []
    from aifootprint.ledger import hub

    unsubscribe = hub.subscribe(seen.append)
    af.instrument(["openai"], ledger=tmp_path / "l.db")
    try:
        with af.labels(feature="triage"):
            r = openai_client().chat.completions.create(model="gpt-4o-mini", messages=[])
    finally:
        unsubscribe()
        af.uninstrument()
    rec = af.record_of(r)
    assert rec is not None and len(seen) == 1
    e = seen[0]
    assert isinstance(e, Entry) and e.call is rec  # the record itself, not a copy of its fields
    assert (e.kind, e.ts, e.source, e.provider) == ("api", rec.started_at, "openai", rec.provider)
    assert e.model == rec.model == "gpt-4o-mini"
    assert (e.response_model, e.operation, e.stream, e.server) == (
        rec.response_model,
        rec.operation,
        rec.stream,
        rec.server,
    )
    assert e.usage is rec.usage and e.impacts is rec.impacts and e.labels is rec.labels
    assert (e.latency_s, e.ttft_s, e.complete, e.error) == (rec.latency_s, rec.ttft_s, True, None)
    assert (e.duration_s, e.energy_method, e.external_id) == (None, "estimated", None)
    with pytest.raises(AttributeError):
        e.model = "other"  # type: ignore[misc]
    assert entry(0).call is None  # local runs, imports and hand-made entries hold their own fields


def test_an_entry_whose_impacts_fail_is_written_without_them_and_its_record_is_untouched(
    tmp_path: Path,
) -> None:
    from aifootprint import CallRecord

    def broken() -> tuple[float, ...]:
        raise ZeroDivisionError

    imp = Impacts(
        broken, model="m", zone="FRA", boundary="datacenter", warnings=(), requests=1, explainer=tuple
    )
    rec = CallRecord(
        "openai", "gpt-4o-mini", None, "chat", False, None, 1.0, impacts=imp, instrument="openai"
    )
    led = Ledger(tmp_path / "l.db", flush_interval=60)
    led.record(Entry.from_call(rec))
    assert led.flush() == 1
    led.close()
    store = Store(led.path)
    (chunk,) = list(store.rows())
    store.close()
    row = dict(zip(schema.COLUMN_NAMES, chunk[0], strict=True))
    assert row["error"] == "estimation-failed" and row["gwp_usage"] is None and row["model"] == "gpt-4o-mini"
    assert rec.impacts is imp and rec.error is None  # what the caller holds is not changed by the writer


@pytest.mark.parametrize("with_impacts", [True, False])
def test_the_row_of_a_call_is_the_row_of_the_same_entry_made_by_hand(with_impacts: bool) -> None:
    from aifootprint import CallRecord
    from aifootprint.ledger.ledger import row_context

    template = entry(2, labels={"feature": "triage"})
    rec = CallRecord(
        "openai",
        None,  # no requested model: the entry's model is the response model
        "gpt-4o-mini-2024-07-18",
        "chat",
        True,
        "https://api.openai.com/v1",
        template.ts,
        latency_s=1.5,
        ttft_s=0.25,
        usage=template.usage,
        impacts=template.impacts if with_impacts else None,
        error=None if with_impacts else "model-not-registered",
        complete=False,
        instrument="litellm",
        labels=template.labels,
    )
    by_hand = Entry(
        kind="api",
        ts=rec.started_at,
        source="litellm",
        impacts=rec.impacts,
        provider="openai",
        model="gpt-4o-mini-2024-07-18",
        response_model="gpt-4o-mini-2024-07-18",
        operation="chat",
        stream=True,
        server="https://api.openai.com/v1",
        usage=rec.usage,
        latency_s=1.5,
        ttft_s=0.25,
        complete=False,
        error=rec.error,
        labels=rec.labels,
    )
    ctx = row_context()
    row = schema.row_of(Entry.from_call(rec), ctx)
    assert row == schema.row_of(by_hand, ctx) and len(row) == len(schema.INSERT_COLUMNS)
    assert schema.row_of(Entry.from_call(rec), ctx, failed=True) == schema.row_of(by_hand, ctx, failed=True)


def test_an_unusable_ledger_file_costs_one_try_not_a_thread_per_measurement(tmp_path: Path) -> None:
    """A measurement's ledger whose file cannot be used (here: a path below a regular file) is tried once;
    its writer thread ends, and later measurements neither make new ledgers nor start threads."""
    from aifootprint.ledger.ledger import default_for_measurement

    (tmp_path / "file").write_text("x", encoding="utf-8")
    os.environ["AIFOOTPRINT_LEDGER"] = str(tmp_path / "file" / "l.db")
    try:
        af.reset()
        first = default_for_measurement()
        assert first is not None
        first.flush()  # waits for the writer's first pass
        for _ in range(20):
            if first._thread is None or not first._thread.is_alive():
                break
            time.sleep(0.05)
        assert first.closed and not first._thread.is_alive()  # type: ignore[union-attr]
        assert [default_for_measurement() for _ in range(5)] == [None] * 5
        assert sum(t.name == "aifootprint-ledger" for t in threading.enumerate()) == 0
    finally:
        del os.environ["AIFOOTPRINT_LEDGER"]
        af.reset()
        from aifootprint.ledger.ledger import close_default

        close_default()


def test_a_path_the_system_refuses_is_a_ledger_error_not_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="cannot be used"):
        Store(tmp_path / ("x" * 300) / "l.db")  # a name longer than the file system allows
