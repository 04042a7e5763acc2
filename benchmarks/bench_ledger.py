"""Ledger throughput and report time.

    .venv/bin/python benchmarks/bench_ledger.py                 # both parts
    .venv/bin/python benchmarks/bench_ledger.py --record-only   # recording only (seconds)
    .venv/bin/python benchmarks/bench_ledger.py --rows 10000000 # report part on 10 M entries (default)

1. **Recording from one thread.** Entries like those of instrumented calls (lazy impacts, so the writer
   thread computes them) are built first (that is the instrumentation's work, timed by
   bench_instrument.py), then recorded from one thread into a fresh file; the clock runs from the first
   ``record()`` until ``flush()`` returns, so the figure is what the ledger sustains end to end: impacts
   computed, rows and hourly sums written and committed. Target: >= 50,000 entries/s.
2. **Report over 10 M entries.** A ledger of ``--rows`` entries spread over a year (several providers,
   models, zones, labels) is built once through the real write path (``Store.write``, rollup included)
   and kept in /tmp; then ``aifootprint report`` runs as a user would (a new process), by provider,
   by month, by label and on a period whose ends fall inside hours. Target: <= 5 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("AIFOOTPRINT_LEDGER", "off")

MODELS = [
    ("openai", "gpt-4o-mini", None),
    ("openai", "gpt-4o", None),
    ("anthropic", "claude-sonnet-4-5", None),
    ("mistral", "mistral-large-2411", None),
    ("openai", "gpt-4o-mini", "US-VA"),
]
T_YEAR = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def _plans() -> list[tuple[str, str, object]]:
    import aifootprint as af
    from aifootprint._state import default_estimator

    est = default_estimator()
    out = []
    for provider, model, zone in MODELS:
        kw = {"zone": zone} if zone else {}
        out.append(
            (provider, model, est.plan(af.get_catalog().resolve_model(f"{provider}/{model}")[0], **kw))
        )
    return out


def bench_record(n: int) -> dict[str, float]:
    from aifootprint import TokenUsage
    from aifootprint._api import impacts_of_plan
    from aifootprint.ledger import Entry, Ledger

    plans = _plans()
    rng = random.Random(1)
    usages = [TokenUsage(rng.randint(10, 4000), rng.randint(10, 1000)) for _ in range(256)]
    labels = [{"project": p, "feature": f} for p in ("bot", "search") for f in ("triage", "summary")]
    entries = []
    for i in range(n):
        provider, model, plan = plans[i % len(plans)]
        u = usages[i % 256]
        imp = impacts_of_plan(plan, u.input_tokens, u.output_tokens, 1.2, 1, lazy=True)  # type: ignore[arg-type]
        entries.append(
            Entry(
                kind="api",
                ts=T_YEAR + i,
                source=provider,
                impacts=imp,
                provider=provider,
                model=model,
                operation="chat",
                server="api.example.com",
                usage=u,
                latency_s=1.2,
                labels=labels[i % 4],
            )
        )
    with tempfile.TemporaryDirectory() as d:
        led = Ledger(Path(d) / "bench.db")
        t0 = time.perf_counter()
        for e in entries:
            led.record(e)
        t_recorded = time.perf_counter()
        led.flush()
        t1 = time.perf_counter()
        led.close()
        assert led.written == n, (led.written, n)
    return {
        "entries": n,
        "entries_per_s": n / (t1 - t0),
        "record_us": (t_recorded - t0) / n * 1e6,
        "drain_after_s": t1 - t_recorded,
    }


def bench_sqlite_only(n: int) -> float:
    """Rows/s of a bare ``executemany`` of the same rows into a table with the same columns, same pragmas
    (no impacts to compute, no sums): the floor this machine sets at the moment of the run."""
    import sqlite3

    from aifootprint import TokenUsage
    from aifootprint._api import impacts_of_plan
    from aifootprint.ledger import Entry, schema
    from aifootprint.ledger.ledger import row_context

    provider, model, plan = _plans()[0]
    u = TokenUsage(100, 200)
    imp = impacts_of_plan(plan, 100, 200, 1.2, 1)  # type: ignore[arg-type]
    e = Entry(kind="api", ts=T_YEAR, source=provider, impacts=imp, provider=provider, model=model, usage=u)
    row = schema.row_of(e, row_context())
    rows = [(T_YEAR + i, *row[1:]) for i in range(n)]
    with tempfile.TemporaryDirectory() as d:
        db = sqlite3.connect(Path(d) / "bare.db", isolation_level=None)
        db.execute("PRAGMA page_size = 16384")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        cols = ", ".join(f"{c} {t}" for c, t, _ in schema.COLUMNS[1:])
        db.execute(f"CREATE TABLE entries (id INTEGER PRIMARY KEY, {cols})")
        db.execute("CREATE INDEX entries_ts ON entries(ts)")
        t0 = time.perf_counter()
        for k in range(0, n, 10_000):
            db.execute("BEGIN IMMEDIATE")
            db.executemany(schema.insert_sql(), rows[k : k + 10_000])
            db.execute("COMMIT")
        dt = time.perf_counter() - t0
        db.close()
    return n / dt


def build_big(path: Path, rows: int) -> float:
    from aifootprint import TokenUsage
    from aifootprint._api import impacts_of_plan
    from aifootprint.ledger import Entry, Store, schema
    from aifootprint.ledger.ledger import row_context

    plans = _plans()
    ctx = row_context()
    rng = random.Random(2)
    projects = [{"project": f"p{k}", "team": f"t{k % 3}"} for k in range(8)]
    store = Store(path)
    t0 = time.perf_counter()
    step = 365 * 86400 / rows
    batch = []
    # A pool of distinct rows (real impacts), re-stamped: computing 10 M estimates would time the engine.
    pool = []
    for i in range(4096):
        provider, model, plan = plans[i % len(plans)]
        u = TokenUsage(rng.randint(10, 4000), rng.randint(10, 1000))
        imp = impacts_of_plan(plan, u.input_tokens, u.output_tokens, rng.uniform(0.3, 9), 1)  # type: ignore[arg-type]
        e = Entry(
            kind="api",
            ts=0.0,
            source=provider,
            impacts=imp,
            provider=provider,
            model=model,
            usage=u,
            latency_s=1.0,
            labels=projects[i % 8],
            operation="chat",
        )
        pool.append(schema.row_of(e, ctx))
    for i in range(rows):
        r = pool[i % 4096]
        batch.append((T_YEAR + i * step, *r[1:]))
        if len(batch) == 50_000:
            store.write(batch)
            batch = []
            print(f"\r  building: {i + 1:,} rows", end="", file=sys.stderr, flush=True)
    store.write(batch)
    print(file=sys.stderr)
    store.close()
    return time.perf_counter() - t0


def bench_report(rows: int) -> list[tuple[str, float]]:
    path = Path(tempfile.gettempdir()) / f"aifootprint-bench-{rows}.db"
    if not path.exists():
        print(f"building {path} ({rows:,} entries, once)", file=sys.stderr)
        s = build_big(path, rows)
        print(f"  built in {s:.0f} s, {path.stat().st_size / 1e9:.2f} GB", file=sys.stderr)
    cases = [
        ("--by provider", ["--by", "provider"]),
        ("--by month", ["--by", "month"]),
        ("--by label:project,model", ["--by", "label:project,model"]),
        ("--by day --format csv", ["--by", "day", "--format", "csv"]),
        (
            "mid-hour period",
            ["--since", "2026-03-01T10:17:05", "--until", "2026-09-30T18:44:59", "--by", "model"],
        ),
        ("--esrs 2026", ["--esrs", "2026"]),
    ]
    out = []
    exe = [sys.executable, "-m", "aifootprint", "report", "--ledger", str(path)]
    for name, args in cases:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run([*exe, *args], check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - t0)
        out.append((name, statistics.median(times)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--record-only", action="store_true")
    ap.add_argument("--entries", type=int, default=200_000)
    ap.add_argument("--rows", type=int, default=10_000_000)
    a = ap.parse_args()
    print(
        f"# {date.today()} {platform.node()} {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    runs = [bench_record(a.entries) for _ in range(3)]
    best = max(runs, key=lambda r: r["entries_per_s"])
    bare = statistics.median(bench_sqlite_only(a.entries) for _ in range(3))
    rate = statistics.median(r["entries_per_s"] for r in runs)
    record_us = statistics.median(r["record_us"] for r in runs)
    print(
        f"recording from one thread: {rate:,.0f} entries/s (median of 3; best {best['entries_per_s']:,.0f}); "
        f"record() {record_us:.2f} µs on the caller's thread"
    )
    print(f"bare SQLite insert of the same rows at the same time: {bare:,.0f} rows/s (the machine's floor)")
    if a.record_only:
        return
    for name, s in bench_report(a.rows):
        print(f"report {name:<32} {s:6.2f} s  ({a.rows:,} entries, new process included)")


if __name__ == "__main__":
    main()
