"""The SQLite file: creation, validation of foreign/corrupt/newer files, migrations, sums over periods."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from pathlib import Path

import pytest

from aifootprint.errors import LedgerError
from aifootprint.ledger import Store, schema
from aifootprint.ledger import store as store_module
from aifootprint.ledger.ledger import row_context

from .helpers import T0, entry, failed


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_ledger_is_ours_in_wal_mode_at_the_current_schema(tmp_path: Path) -> None:
    store = Store(tmp_path / "sub" / "l.db")
    db = store.db
    assert db.execute("PRAGMA application_id").fetchone()[0] == schema.APPLICATION_ID
    assert store.version == schema.SCHEMA_VERSION == 3
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")} >= {
        "entries",
        "rollup",
    }
    cols = [r[1] for r in db.execute("PRAGMA table_info(entries)")]
    assert tuple(cols) == schema.COLUMN_NAMES
    store.close()


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"name,value\nx,1\n", "not a SQLite database"),
        (b"SQLite format 3\x00" + b"\xff" * 2000, "corrupt"),
    ],
)
def test_files_that_are_not_ledgers_are_refused_and_left_untouched(
    tmp_path: Path, content: bytes, needle: str
) -> None:
    (tmp_path / "d").mkdir()
    path = tmp_path / "d" / "l.db"
    path.write_bytes(content)
    before = digest(path)
    with pytest.raises(LedgerError, match=needle) as info:
        Store(path)
    assert "\n" not in str(info.value)
    assert digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["l.db"]  # no -wal / -shm left behind


def test_another_applications_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE users (id INTEGER, name TEXT)")
    db.execute("INSERT INTO users VALUES (1, 'ada')")
    db.commit()
    db.close()
    before = digest(path)
    with pytest.raises(LedgerError, match=r"another application \(tables: users\)"):
        Store(path)
    assert digest(path) == before


@pytest.mark.parametrize("during", [1, 2], ids=["read-only check", "read-write check"])
def test_a_ledger_another_process_creates_during_the_checks_is_ours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, during: int
) -> None:
    """Another process commits the whole schema between our reads of the file's identity (application id,
    user version) and of its tables: all of them must come from one snapshot, or our own new ledger looks
    like another application's (its tables, with the application id read before they existed)."""
    path = tmp_path / "l.db"
    creating = sqlite3.connect(path, isolation_level=None)
    creating.execute("PRAGMA journal_mode = WAL")  # where a creating process is just before BEGIN IMMEDIATE
    creating.close()
    read_identity = store_module._identity
    calls: list[int] = []

    def identity_then_another_process_creates(db: sqlite3.Connection) -> tuple[int, int]:
        found = read_identity(db)
        calls.append(len(calls) + 1)
        if calls[-1] == during:
            other = Store(path)  # the other process: creates, migrates and commits right now
            other.close()
        return found

    monkeypatch.setattr(store_module, "_identity", identity_then_another_process_creates)
    store = Store(path)
    assert calls[during - 1] == during and len(calls) > during  # it did create in between
    assert read_identity(store.db) == (schema.APPLICATION_ID, schema.SCHEMA_VERSION)
    assert store.count() == 0
    store.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(LedgerError, match="schema version 99, newer than this aifootprint supports"):
        Store(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="no ledger at"):
        Store(tmp_path / "nope.db", create=False)
    assert not (tmp_path / "nope.db").exists()
    with pytest.raises(LedgerError, match="is a directory"):
        Store(tmp_path)


@pytest.mark.parametrize("start", [1, 2])
def test_migrations_build_the_sums_from_the_rows(tmp_path: Path, start: int) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    schema.create_v1(db)
    ctx = row_context()
    rows = [schema.row_of(entry(i, labels={"team": "a" if i % 3 else "b"}), ctx) for i in range(40)]
    rows.append(schema.row_of(failed(3), ctx))
    db.executemany(schema.insert_sql(), rows)
    for version in range(1, start):  # an older aifootprint left the file at version `start`
        schema.MIGRATIONS[version](db)
        db.execute(f"PRAGMA user_version = {version + 1}")
    db.close()
    store = Store(path)
    assert store.version == 3
    direct = store.db.execute("SELECT SUM(gwp_usage) FROM entries").fetchone()[0]
    for table in ("rollup", "rollup_day"):
        n, with_imp, gwp = store.db.execute(
            f"SELECT SUM(entries), SUM(with_impacts), SUM(gwp_usage) FROM {table}"
        ).fetchone()
        assert (n, with_imp) == (41, 40)
        assert gwp == pytest.approx(direct, rel=1e-12)
    store.write([schema.row_of(entry(50), ctx)])  # and it goes on being written
    assert store.count() == 42
    store.close()


def brute_force(
    rows: list[tuple[object, ...]], since: float | None, until: float | None
) -> tuple[int, float]:
    i_ts = schema.COLUMN_NAMES.index("ts")
    i_e = schema.COLUMN_NAMES.index("energy_usage")
    sel = [r for r in rows if (since is None or r[i_ts] >= since) and (until is None or r[i_ts] < until)]
    return len(sel), sum(float(r[i_e] or 0.0) for r in sel)  # type: ignore[arg-type]


def test_sums_over_any_period_match_the_rows(tmp_path: Path) -> None:
    store = Store(tmp_path / "l.db")
    ctx = row_context()
    rng = random.Random(4)
    entries = [entry(i, ts=T0 + rng.uniform(0, 5 * 86400)) for i in range(300)]
    entries += [failed(i) for i in range(5)]
    store.write([schema.row_of(e, ctx) for e in entries])
    all_rows = [r for chunk in store.rows() for r in chunk]
    assert len(all_rows) == 305
    n_idx = 1 + len(schema.ROLLUP_KEYS[1:])
    e_idx = n_idx + len(schema.ROLLUP_COUNTS) + schema.ROLLUP_SUMS.index("energy_usage")
    periods = [(None, None), (T0 + 3600.5, None), (None, T0 + 86400 * 2 + 17), (T0 + 10, T0 + 20)]
    periods += [tuple(sorted((T0 + rng.uniform(-1e4, 5e5), T0 + rng.uniform(-1e4, 5e5)))) for _ in range(20)]
    for since, until in periods:
        sums = store.sums(since, until)
        n = sum(r[n_idx] for r in sums)
        energy = sum(r[e_idx] for r in sums)
        want_n, want_e = brute_force(all_rows, since, until)
        assert n == want_n == store.count(since, until), (since, until)
        assert energy == pytest.approx(want_e, rel=1e-9, abs=1e-15), (since, until)
    store.close()


def test_imported_rows_are_not_added_twice(tmp_path: Path) -> None:
    store = Store(tmp_path / "l.db")
    ctx = row_context()
    rows = [schema.row_of(entry(i, external_id=f"run-{i}"), ctx) for i in range(5)]
    assert store.write(rows, ignore_duplicates=True) == 5
    assert store.write(rows, ignore_duplicates=True) == 0
    assert store.count() == 5
    assert store.db.execute("SELECT SUM(entries) FROM rollup").fetchone()[0] == 5
    store.close()


def test_docs_list_every_column() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "ledger.md").read_text(encoding="utf-8")
    for name in schema.COLUMN_NAMES:
        if name in schema.IMPACT_COLUMNS:
            continue
        assert f"| `{name}` |" in text, name
    assert "`energy_usage_low`, `energy_usage`, `energy_usage_high`" in text


def _sqlite_file(path: Path, *statements: str) -> str:
    db = sqlite3.connect(path)
    for stmt in statements:
        db.execute(stmt)
    db.commit()
    db.close()
    return digest(path)


@pytest.mark.parametrize(
    "statements",
    [
        ("PRAGMA user_version = 1",),  # no tables, but a version of its own
        ("PRAGMA user_version = 2",),
        ("CREATE VIEW v AS SELECT 1",),  # a view, no table
        ("PRAGMA application_id = 7", "PRAGMA user_version = 0"),
    ],
)
def test_other_sqlite_files_are_never_taken_over(tmp_path: Path, statements: tuple[str, ...]) -> None:
    (tmp_path / "d").mkdir()
    path = tmp_path / "d" / "other.db"
    before = _sqlite_file(path, *statements)
    with pytest.raises(LedgerError, match="another application"):
        Store(path)
    assert digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["other.db"]


def test_a_foreign_wal_database_keeps_its_wal_file(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    path = tmp_path / "d" / "app.db"
    keep = sqlite3.connect(path)  # held open: the -wal file stays beside it
    keep.execute("PRAGMA journal_mode = WAL")
    keep.execute("CREATE TABLE t (x)")
    keep.execute("INSERT INTO t VALUES (1)")
    keep.commit()
    wal = path.with_name("app.db-wal")
    assert wal.exists()
    before = digest(wal)
    with pytest.raises(LedgerError, match="another application"):
        Store(path)
    assert wal.exists() and digest(wal) == before
    keep.close()


def test_an_empty_file_is_not_read_as_a_ledger(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    with pytest.raises(LedgerError, match="is an empty file, not a ledger yet"):
        Store(path, create=False)
    assert path.read_bytes() == b""
    Store(path).close()  # where a ledger is to be written, an empty file becomes one
    store = Store(path, create=False)
    assert store.version == schema.SCHEMA_VERSION
    store.close()


def test_batch_evaluation_gives_the_scalar_figures_exactly() -> None:
    from aifootprint._api import impacts_of_plan
    from aifootprint._state import default_estimator
    from aifootprint.ledger import Entry

    est = default_estimator()
    plan = est.plan(est.catalog.resolve_model("openai/gpt-4o-mini")[0])
    calls = [(100 + 37 * i, 20 + 11 * i, None if i % 3 == 0 else 0.2 + i / 10, 1) for i in range(40)]
    lazy = [impacts_of_plan(plan, i, o, lat, r, lazy=True) for i, o, lat, r in calls]
    scalar = [plan.values(i, o, lat, r) for i, o, lat, r in calls]
    schema.evaluate_pending([Entry(kind="api", ts=0.0, source="t", impacts=imp) for imp in lazy])
    assert all(imp.pending is None for imp in lazy)  # filled by the batch, not computed one by one
    assert [imp._v() for imp in lazy] == scalar  # exactly equal


def test_the_sums_written_with_the_rows_are_those_sqlite_computes_from_the_rows(tmp_path: Path) -> None:
    store = Store(tmp_path / "l.db")
    ctx = row_context()
    rows = [schema.row_of(entry(i, labels={"team": "a" if i % 3 else "b"}), ctx) for i in range(30)]
    rows += [schema.row_of(failed(i), ctx) for i in range(0, 30, 7)]  # no impacts, no usage, same hours
    rows += [schema.row_of(entry(i, kind="local"), ctx) for i in range(3)]
    rows += [schema.row_of(failed(100), ctx)]  # an hour with failed entries only
    store.write(rows)
    names = ", ".join(schema._rollup_names("hour"))
    kept = sorted(store.db.execute(f"SELECT {names} FROM rollup").fetchall())
    direct = sorted(store.db.execute(schema.rollup_select_sql()).fetchall())
    assert len(kept) == len(direct) > 3
    n = len(schema.ROLLUP_KEYS) + len(schema.ROLLUP_COUNTS)  # keys and counts exact, sums to rounding
    for a, b in zip(kept, direct, strict=True):
        assert a[:n] == b[:n] and a[n:] == pytest.approx(b[n:], rel=1e-12, abs=0)
    store.close()
