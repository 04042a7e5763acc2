"""The SQLite file behind the ledger: open (validate, create, migrate), write batches, read rows and sums.

WAL mode lets readers (reports, exports) run while writers append; ``BEGIN IMMEDIATE`` plus a busy timeout
serialises writers of several threads and processes; ``synchronous=NORMAL`` keeps every committed
transaction across a crash of the process (``kill -9``), though not across a power cut (documented).
A file that is not an aifootprint ledger is never modified.
"""

from __future__ import annotations

import math
import os
import sqlite3
import time
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from ..errors import LedgerError
from . import schema

SQLITE_MAGIC: Final = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS: Final = 10_000


def default_path() -> Path:
    """``<user data dir>/aifootprint/ledger.db`` (``~/.local/share`` on Linux, Application Support on macOS,
    ``%LOCALAPPDATA%`` on Windows)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("aifootprint", appauthor=False)) / "ledger.db"


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise LedgerError(f"ledger {path}: cannot be read ({exc.strerror})") from None
    if head and head != SQLITE_MAGIC:
        raise LedgerError(
            f"ledger {path} is not a SQLite database (another kind of file, or corrupt); it was left "
            "untouched: move it away or point AIFOOTPRINT_LEDGER at another path"
        )


class Store:
    """One connection to a ledger file. Not thread-safe by itself: the :class:`Ledger` serialises writes."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path)
        try:
            exists = self.path.exists()
            is_dir = exists and self.path.is_dir()
            empty = exists and not is_dir and self.path.stat().st_size == 0
        except OSError as exc:  # a name too long, a parent directory that cannot be searched
            raise LedgerError(f"ledger {self.path}: cannot be used ({exc.strerror or exc})") from None
        if exists:
            if is_dir:
                raise LedgerError(
                    f"ledger {self.path} is a directory; give a file path such as {self.path}/ledger.db"
                )
            _check_header(self.path)
            if empty:
                if not create:
                    raise LedgerError(
                        f"ledger {self.path} is an empty file, not a ledger yet: it becomes one when "
                        "aifootprint.instrument() records there"
                    )
            else:
                self._check_readonly()  # before any connection that could write (WAL switch, checkpoint)
        elif not create:
            raise LedgerError(
                f"no ledger at {self.path} yet: instrumented calls are recorded there once "
                "aifootprint.instrument() runs (or set AIFOOTPRINT_LEDGER / --ledger to another file)"
            )
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LedgerError(
                    f"ledger {self.path}: cannot create its directory ({exc.strerror})"
                ) from None
        try:
            self.db = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise LedgerError(f"ledger {self.path}: {_describe(exc)}") from None
        try:
            self._prepare_retrying()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise LedgerError(f"ledger {self.path}: {_describe(exc)}") from None
        except BaseException:
            self.db.close()
            raise

    def _check_readonly(self) -> None:
        """Is the file ours? Asked on a read-only connection, so a foreign file is never touched."""
        uri = "file:" + urllib.parse.quote(str(self.path.absolute())) + "?mode=ro"
        try:
            ro = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except sqlite3.Error:
            return  # not openable read-only here (e.g. a WAL file without its -shm): the checks run again
        try:
            self._check_identity(ro)
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"ledger {self.path}: {_describe(exc)}") from None
        finally:
            ro.close()

    def _check_identity(self, db: sqlite3.Connection) -> tuple[int, int]:
        app_id, version, objects = _identity_and_objects(db)
        if app_id != schema.APPLICATION_ID and (objects or app_id != 0 or version != 0):
            shown = ", ".join(objects[:5]) + (", ..." if len(objects) > 5 else "")
            raise LedgerError(
                f"ledger {self.path} is a SQLite database of another application "
                f"(tables: {shown or 'none'}); it was left untouched: point AIFOOTPRINT_LEDGER at "
                "another path"
            )
        if version > schema.SCHEMA_VERSION:
            raise LedgerError(
                f"ledger {self.path} has schema version {version}, newer than this aifootprint supports "
                f"({schema.SCHEMA_VERSION}): upgrade aifootprint (pip install -U aifootprint)"
            )
        return app_id, version

    def _prepare_retrying(self) -> None:
        """:meth:`_prepare`, retried while another process holds the file: switching a new file to WAL
        mode can fail at once with "database is locked" instead of waiting for the busy timeout."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self._prepare()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _prepare(self) -> None:
        db = self.db
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        app_id, version = self._check_identity(db)
        if app_id == 0 and version == 0:
            # A new file: rows of ~60 columns fill 16 KiB pages better (inserts ~20 % faster). Only
            # possible before the first table is written (and before WAL mode).
            db.execute("PRAGMA page_size = 16384")
        if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        if version < schema.SCHEMA_VERSION:
            self._create_or_migrate()

    def _create_or_migrate(self) -> None:
        db = self.db
        db.execute("BEGIN IMMEDIATE")  # one process creates or migrates; the others wait, then see it done
        try:
            app_id, version = _identity(db)
            if app_id == 0 and version == 0:
                schema.create_v1(db)
                version = 1
            while version < schema.SCHEMA_VERSION:
                schema.MIGRATIONS[version](db)
                version += 1
                db.execute(f"PRAGMA user_version = {version}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    @property
    def version(self) -> int:
        return _identity(self.db)[1]

    def close(self) -> None:
        self.db.close()

    # -- writing --------------------------------------------------------------------------------------------
    def write(self, rows: Sequence[tuple[Any, ...]], *, ignore_duplicates: bool = False) -> int:
        """Insert rows (``schema.INSERT_COLUMNS`` order) and their rollup sums in one transaction.

        With ``ignore_duplicates``, rows whose ``(source, external_id)`` is already there are skipped (and
        left out of the sums). Returns the number of rows inserted."""
        if not rows:
            return 0
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            if ignore_duplicates:  # keep only the rows really inserted, for the sums
                sql = schema.insert_sql(ignore_duplicates=True)
                rows = [r for r in rows if db.execute(sql, r).rowcount == 1]
            else:
                db.executemany(schema.insert_sql(), rows)
            if rows:
                hourly = schema.rollup_of(rows)
                db.executemany(schema.upsert_rollup_sql("hour"), hourly)
                db.executemany(schema.upsert_rollup_sql("day"), schema.daily_of(hourly))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return len(rows)

    # -- reading --------------------------------------------------------------------------------------------
    @staticmethod
    def _where(since: float | None, until: float | None) -> tuple[str, list[float]]:
        clauses, params = [], []
        if since is not None:
            clauses.append("ts >= ?")
            params.append(since)
        if until is not None:
            clauses.append("ts < ?")
            params.append(until)
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params

    def count(self, since: float | None = None, until: float | None = None) -> int:
        where, params = self._where(since, until)
        return int(self.db.execute(f"SELECT COUNT(*) FROM entries {where}", params).fetchone()[0])

    def versions(self, since: float | None = None, until: float | None = None) -> dict[str, list[str]]:
        """Data and methodology versions of the first and last entries of ``[since, until)``."""
        where, params = self._where(since, until)
        cols = "data_version, methodology_version, aifootprint_version"
        found = [
            self.db.execute(
                f"SELECT {cols} FROM entries {where} ORDER BY ts {order} LIMIT 1", params
            ).fetchone()
            for order in ("ASC", "DESC")
        ]
        rows = [r for r in found if r is not None]
        names = ("data_versions", "methodology_versions", "aifootprint_versions")
        return {n: sorted({str(r[i]) for r in rows if r[i] is not None}) for i, n in enumerate(names)}

    def span(self) -> tuple[float, float] | None:
        """Start times of the first and last entries, or None for an empty ledger."""
        lo, hi = self.db.execute("SELECT MIN(ts), MAX(ts) FROM entries").fetchone()
        return None if lo is None else (float(lo), float(hi))

    def rows(
        self, since: float | None = None, until: float | None = None, *, chunk: int = 10_000
    ) -> Iterator[list[tuple[Any, ...]]]:
        """Entries in ``[since, until)`` in recording order, ``chunk`` rows at a time (``COLUMN_NAMES``)."""
        where, params = self._where(since, until)
        cur = self.db.execute(
            f"SELECT {', '.join(schema.COLUMN_NAMES)} FROM entries {where} ORDER BY id", params
        )
        try:
            while batch := cur.fetchmany(chunk):
                yield batch
        finally:
            cur.close()

    def sums(self, since: float | None = None, until: float | None = None) -> list[tuple[Any, ...]]:
        """Sums per UTC day and rollup key over ``[since, until)``: ``(day, *ROLLUP_KEYS[1:], *counts,
        *sums)`` where ``day`` is days since 1970-01-01. Whole days come from the daily sums, whole hours of
        partial days from the hourly sums, and the partial hours at either end from the entries."""
        n_keys = len(schema.ROLLUP_KEYS)
        n_counts = len(schema.ROLLUP_COUNTS)
        acc: dict[tuple[Any, ...], list[Any]] = {}
        cols = ", ".join(f"SUM({c})" for c in (*schema.ROLLUP_COUNTS, *schema.ROLLUP_SUMS))
        group = ", ".join(schema.ROLLUP_KEYS[1:])

        def add(rows: Iterable[tuple[Any, ...]], per_day: int) -> None:
            for r in rows:
                k = (r[0] // per_day, *r[1:n_keys])
                a = acc.get(k)
                if a is None:
                    acc[k] = list(r[n_keys:])
                else:
                    for j, v in enumerate(r[n_keys:]):
                        a[j] += v

        def span(lo: float | None, hi: float | None, period: str | None) -> None:
            """Add ``[lo, hi)``: whole periods from the rollup table, the rest one level finer."""
            if lo is not None and hi is not None and lo >= hi:
                return
            if period is None:  # the entries themselves
                where, params = self._where(lo, hi)
                add(self.db.execute(schema.rollup_select_sql(where), params), 24)
                return
            size = schema.PERIOD_SECONDS[period]
            p0 = None if lo is None else math.ceil(lo / size)
            p1 = None if hi is None else math.floor(hi / size)
            finer = "hour" if period == "day" else None
            if p0 is not None and p1 is not None and p0 >= p1:
                span(lo, hi, finer)  # no whole period inside
                return
            clauses, params2 = [], []
            if p0 is not None:
                clauses.append(f"{period} >= ?")
                params2.append(p0)
            if p1 is not None:
                clauses.append(f"{period} < ?")
                params2.append(p1)
            where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
            table = schema.ROLLUP_TABLES[period]
            sql = f"SELECT {period}, {group}, {cols} FROM {table} {where} GROUP BY {period}, {group}"
            add(self.db.execute(sql, params2), 1 if period == "day" else 24)
            if p0 is not None and lo is not None and lo < p0 * size:
                span(lo, p0 * size, finer)
            if p1 is not None and hi is not None and p1 * size < hi:
                span(p1 * size, hi, finer)

        self.db.execute("BEGIN")  # one snapshot for every query
        try:
            span(since, until, "day")
        finally:
            self.db.execute("COMMIT")
        for a in acc.values():  # SQLite returns floats for SUM over REAL and ints for INTEGER columns
            for j in range(n_counts):
                a[j] = int(a[j])
        return [(*k, *v) for k, v in acc.items()]


def _identity(db: sqlite3.Connection) -> tuple[int, int]:
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    return int(app_id), int(version)


def _identity_and_objects(db: sqlite3.Connection) -> tuple[int, int, list[str]]:
    """Application id, user version and (for a file that is not ours) its schema objects, read in one
    read transaction, hence from one state of the file.

    In autocommit mode each statement reads the latest commit. Another process creating this ledger
    commits its tables and its identity together, but if that commit falls between our reads, its tables
    appear beside the application id read before it: our own new ledger would pass for another
    application's. In a transaction, a WAL-mode file is read from one snapshot while the creator commits;
    before WAL, the transaction's shared lock keeps the creator waiting for a moment.
    """
    db.execute("BEGIN")  # deferred: the first read starts the read transaction
    try:
        app_id, version = _identity(db)
        if app_id == schema.APPLICATION_ID:
            return app_id, version, []
        query = "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        return app_id, version, [r[0] for r in db.execute(query)]
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")  # nothing was written: ends the read transaction


def _describe(exc: sqlite3.Error) -> str:
    msg = str(exc)
    if "not a database" in msg or "malformed" in msg:
        return f"is corrupt ({msg}); it was left untouched: move it away or restore a backup"
    if "readonly" in msg or "unable to open" in msg:
        return (
            f"cannot be opened for writing ({msg}): check that the file and its directory are writable "
            "(SQLite writes -wal and -shm files beside it), or choose another path"
        )
    return msg
