"""The ledger's flat schema: one list of columns for SQLite, CSV, Parquet and JSON, and the migrations.

Schema versions (``PRAGMA user_version``); a new ledger is created at version 1 and migrated, so every
migration runs on every new file:

1. ``entries``: one row per call or run.
2. ``rollup``: hourly sums of ``entries`` per provider, model, zone, labels...; kept in the same
   transaction as the rows, so reports read sums instead of millions of rows. Built from the rows.
3. ``rollup_day``: the same sums per day (a year of hourly sums is still 10^5 rows or more). Built from
   the rows.
"""

from __future__ import annotations

import json
import operator
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from .._layout import SIZE, entries
from .._values import UNITS
from .._version import __version__
from .entry import server_host

if TYPE_CHECKING:
    from .._values import Impacts
    from .entry import Entry

#: ``PRAGMA application_id`` of an aifootprint ledger ("AIFP"): tells our files from other SQLite files.
APPLICATION_ID: Final = 0x41494650
SCHEMA_VERSION: Final = 3
METHODOLOGY_VERSION: Final = "2026.11"  # docs/methodology.md; bump when a formula changes


def impact_column(indicator: str, share: str, bound: str) -> str:
    """``energy_usage``, ``energy_usage_low``, ``gwp_embodied_high``..."""
    return f"{indicator}_{share}" if bound == "value" else f"{indicator}_{share}_{bound}"


#: The impact columns in the order of the impact vector (aifootprint._layout): share, indicator, bound.
IMPACT_COLUMNS: Final[tuple[str, ...]] = tuple(impact_column(ind, share, b) for share, ind, b in entries())

#: (name, SQLite type, meaning). Order is the order of rows in SQLite, CSV, Parquet and JSON.
COLUMNS: Final[tuple[tuple[str, str, str], ...]] = (
    ("id", "INTEGER", "row number in this ledger"),
    ("ts", "REAL", "start of the call or run, Unix time in seconds (UTC)"),
    ("kind", "TEXT", "api (a call to a hosted model) or local (a run on your own hardware)"),
    ("source", "TEXT", "what recorded it: the instrumented SDK (openai, litellm...), measure, codecarbon"),
    ("provider", "TEXT", "API provider (openai, anthropic...); empty for local runs"),
    ("model", "TEXT", "model named in the call (or the run's model)"),
    ("response_model", "TEXT", "model the provider says answered"),
    ("operation", "TEXT", "chat, responses, embeddings, ...; a local run's name"),
    ("stream", "INTEGER", "1 for a streamed call"),
    ("server", "TEXT", "host[:port] of the endpoint (no path, no credentials)"),
    ("input_tokens", "INTEGER", "input tokens (cached ones included)"),
    ("output_tokens", "INTEGER", "output tokens (reasoning included)"),
    ("reasoning_tokens", "INTEGER", "reasoning tokens"),
    ("cached_input_tokens", "INTEGER", "input tokens read from the provider's cache"),
    ("usage_source", "TEXT", "reported (by the provider) or counted (from the text)"),
    ("latency_s", "REAL", "measured latency of the call, s"),
    ("ttft_s", "REAL", "time to first token of a stream, s"),
    ("duration_s", "REAL", "duration of a local run, s"),
    ("complete", "INTEGER", "0 for a stream closed before its end"),
    ("error", "TEXT", "why there are no impacts (model-not-registered, ...); empty otherwise"),
    ("energy_method", "TEXT", "estimated, measured, or mixed (a local run with both kinds of device)"),
    ("zone", "TEXT", "electricity zone of the grid factors"),
    ("boundary", "TEXT", "gpu, server, datacenter or comprehensive"),
    ("gwp_basis", "TEXT", "basis of the grid carbon factor: lifecycle, combustion or co2_combustion"),
    *(
        (
            impact_column(ind, share, b),
            "REAL",
            f"{ind} ({UNITS[ind]}), {share} share, {'central value' if b == 'value' else b + ' bound'}",
        )
        for share, ind, b in entries()
    ),
    ("warnings", "TEXT", "comma-separated warning codes of the estimate"),
    ("labels", "TEXT", "JSON object of the aifootprint.labels(...) in force"),
    ("data_version", "TEXT", "version of the shipped data (catalogue) used"),
    ("methodology_version", "TEXT", "version of the formulas (docs/methodology.md)"),
    ("aifootprint_version", "TEXT", "aifootprint version that recorded the entry"),
    ("external_id", "TEXT", "identifier of an imported row (importing twice adds nothing)"),
)
COLUMN_NAMES: Final[tuple[str, ...]] = tuple(c[0] for c in COLUMNS)
INSERT_COLUMNS: Final[tuple[str, ...]] = COLUMN_NAMES[1:]  # id is assigned by SQLite

#: Rollup grouping keys (empty string for "none"), then its sums.
ROLLUP_KEYS: Final = (
    "hour",
    "kind",
    "source",
    "provider",
    "model",
    "zone",
    "boundary",
    "gwp_basis",
    "energy_method",
    "labels",
)
ROLLUP_COUNTS: Final = ("entries", "with_impacts", "input_tokens", "output_tokens")
ROLLUP_SUMS: Final = ("latency_s", "duration_s", *IMPACT_COLUMNS)


def _ddl_v1() -> list[str]:
    cols = ",\n  ".join(
        "id INTEGER PRIMARY KEY"
        if name == "id"
        else f"{name} {typ}{' NOT NULL' if name in _NOT_NULL else ''}"
        for name, typ, _ in COLUMNS
    )
    return [
        f"CREATE TABLE entries (\n  {cols}\n)",
        "CREATE INDEX entries_ts ON entries(ts)",
        "CREATE UNIQUE INDEX entries_external ON entries(source, external_id) WHERE external_id IS NOT NULL",
    ]


_NOT_NULL: Final = frozenset({"ts", "kind", "source", "complete", "stream", "energy_method"})


#: Rollup tables by period: hourly sums (for periods that start or end inside a day) and daily sums.
ROLLUP_TABLES: Final[dict[str, str]] = {"hour": "rollup", "day": "rollup_day"}
PERIOD_SECONDS: Final[dict[str, int]] = {"hour": 3600, "day": 86400}


def _rollup_names(period: str) -> tuple[str, ...]:
    return (period, *ROLLUP_KEYS[1:], *ROLLUP_COUNTS, *ROLLUP_SUMS)


def _ddl_rollup(period: str) -> list[str]:
    keys = ", ".join(f"{k} TEXT NOT NULL" for k in ROLLUP_KEYS[1:])
    counts = ", ".join(f"{c} INTEGER NOT NULL" for c in ROLLUP_COUNTS)
    sums = ", ".join(f"{c} REAL NOT NULL" for c in ROLLUP_SUMS)
    return [
        f"CREATE TABLE {ROLLUP_TABLES[period]} ({period} INTEGER NOT NULL, {keys}, {counts}, {sums}, "
        f"PRIMARY KEY ({period}, {', '.join(ROLLUP_KEYS[1:])})) WITHOUT ROWID"
    ]


def rollup_select_sql(where: str = "", period: str = "hour") -> str:
    """Aggregate ``entries`` rows into rollup rows (the migration, and reports on partial hours)."""
    keys = ", ".join(
        (f"CAST(ts / {PERIOD_SECONDS[period]} AS INTEGER)", *(f"COALESCE({k}, '')" for k in ROLLUP_KEYS[1:]))
    )
    counts = "COUNT(*), SUM(error IS NULL), COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0)"
    sums = ", ".join(f"COALESCE(SUM({c}), 0.0)" for c in ROLLUP_SUMS)
    return f"SELECT {keys}, {counts}, {sums} FROM entries {where} GROUP BY {keys}"


def _add_rollup(db: sqlite3.Connection, period: str) -> None:
    for stmt in _ddl_rollup(period):
        db.execute(stmt)
    db.execute(f"INSERT INTO {ROLLUP_TABLES[period]} {rollup_select_sql('', period)}")


def _migrate_1_to_2(db: sqlite3.Connection) -> None:
    _add_rollup(db, "hour")


def _migrate_2_to_3(db: sqlite3.Connection) -> None:
    _add_rollup(db, "day")


#: version -> migration from that version to the next, run inside one write transaction.
MIGRATIONS: Final[dict[int, Callable[[sqlite3.Connection], None]]] = {1: _migrate_1_to_2, 2: _migrate_2_to_3}


def create_v1(db: sqlite3.Connection) -> None:
    for stmt in _ddl_v1():
        db.execute(stmt)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.execute("PRAGMA user_version = 1")


# -- entries -> rows ---------------------------------------------------------------------------------------
class RowContext:
    """What a row needs besides its entry: zone -> gwp basis, and the data version (cached per ledger)."""

    def __init__(self, basis_of: Callable[[str], str], data_version: str, catalog: Any = None) -> None:
        self._basis_of = basis_of
        self._basis: dict[str, str] = {}
        self.data_version = data_version
        self.catalog = catalog
        self.generation = getattr(catalog, "generation", None)

    def basis(self, zone: str) -> str:
        b = self._basis.get(zone)
        if b is None:
            try:
                b = self._basis[zone] = self._basis_of(zone)
            except Exception:  # a zone of a private estimator: not cached, tried again next time
                return "unknown"
        return b


_NO_IMPACTS: Final = (None,) * SIZE
_NO_USAGE: Final = (None,) * 5
_labels_json: dict[tuple[tuple[str, str], ...], str] = {}


_labels_by_object: dict[int, tuple[Mapping[str, str], str]] = {}


def labels_json(labels: Mapping[str, str]) -> str:
    """Canonical JSON of a label set (sorted keys); the entries of one ``labels()`` block share one
    mapping object, so the text is cached per object."""
    if not labels:
        return "{}"
    hit = _labels_by_object.get(id(labels))
    if hit is not None and hit[0] is labels:
        return hit[1]
    text = _labels_text(labels)
    if len(_labels_by_object) >= 4096:
        _labels_by_object.clear()
    _labels_by_object[id(labels)] = (labels, text)  # holds the mapping: its id stays its own
    return text


def _labels_text(labels: Mapping[str, str]) -> str:
    key = tuple(sorted(labels.items()))
    text = _labels_json.get(key)
    if text is None:
        text = json.dumps(dict(key), ensure_ascii=False, separators=(",", ":"))
        if len(_labels_json) < 4096:
            _labels_json[key] = text
    return text


_numpy: Any = None  # the numpy module, False when not installed, None before the first try


def evaluate_pending(entries: Sequence[Entry]) -> None:
    """Compute the not-yet-computed impacts of many instrumented calls at once (NumPy, per plan), where
    NumPy is installed; the rest are computed one by one by :func:`row_of`. Each figure is the same."""
    global _numpy  # noqa: PLW0603 - imported once, in the writer thread, only if installed
    if _numpy is None:
        try:
            import numpy

            _numpy = numpy
        except ImportError:
            _numpy = False
    if _numpy is False:
        return
    from ..engine.plan import LazyValues, values_many

    groups: dict[int, list[tuple[Impacts, LazyValues]]] = {}
    for e in entries:
        c = e.call
        imp = e.impacts if c is None else c.impacts
        if imp is not None:
            lazy = imp.pending
            if isinstance(lazy, LazyValues):
                group = groups.get(id(lazy.plan))
                if group is None:
                    groups[id(lazy.plan)] = [(imp, lazy)]
                else:
                    group.append((imp, lazy))
    for group in groups.values():
        if len(group) < 8:
            continue  # not worth the arrays
        for (imp, _), values in zip(group, values_many(_numpy, [lazy for _, lazy in group]), strict=True):
            imp.fill(values)


def row_of(e: Entry, ctx: RowContext, *, failed: bool = False) -> tuple[Any, ...]:
    """The row (``INSERT_COLUMNS`` order) of one entry; computes lazy impacts. ``failed``: the impacts
    could not be computed, the row is written without them (error ``estimation-failed``)."""
    c = e.call
    if c is None:
        imp = None if failed else e.impacts
        head: tuple[Any, ...] = (
            e.ts,
            e.kind,
            e.source,
            e.provider,
            e.model,
            e.response_model,
            e.operation,
            int(e.stream),  # a malformed entry (None) fails here, as the file would refuse it
            server_host(e.server),
        )
        u, lat, ttft, dur, complete = e.usage, e.latency_s, e.ttft_s, e.duration_s, int(e.complete)
        error, method, labels, external_id = e.error, e.energy_method, e.labels, e.external_id
    else:  # an instrumented call: its record's fields, read directly (what the entry's properties give)
        imp = None if failed else c.impacts
        head = (
            c.started_at,
            "api",
            c.instrument or c.provider,
            c.provider,
            c.model or c.response_model,
            c.response_model,
            c.operation,
            1 if c.stream else 0,
            server_host(c.server),
        )
        u, lat, ttft, dur, complete = c.usage, c.latency_s, c.ttft_s, None, 1 if c.complete else 0
        error, method, labels, external_id = c.error, "estimated", c.labels, None
    if imp is not None:
        values: tuple[Any, ...] = imp._v()
        zone = imp.zone
        estimate: tuple[Any, ...] = (None, method, zone, imp.boundary, ctx.basis(zone))
        warnings = ",".join(imp.warnings) or None
    else:
        values, warnings = _NO_IMPACTS, None
        why = error if error and not failed else "estimation-failed"
        estimate = (why, method, None, None, None)
    usage: tuple[Any, ...] = (
        _NO_USAGE
        if u is None
        else (
            u.input_tokens,
            u.output_tokens,
            u.reasoning_tokens,
            u.cached_input_tokens,
            u.source if u.input_source == u.source else "counted",
        )
    )
    return (
        head
        + usage
        + (lat, ttft, dur, complete)
        + estimate
        + values
        + (warnings, labels_json(labels), ctx.data_version, METHODOLOGY_VERSION, __version__, external_id)
    )


def insert_sql(*, ignore_duplicates: bool = False) -> str:
    verb = "INSERT OR IGNORE" if ignore_duplicates else "INSERT"
    marks = ", ".join("?" * len(INSERT_COLUMNS))
    return f"{verb} INTO entries ({', '.join(INSERT_COLUMNS)}) VALUES ({marks})"


_I = {c: i for i, c in enumerate(INSERT_COLUMNS)}
_KEY_COLS: Final = tuple(_I[k] for k in ROLLUP_KEYS[1:])
_I_TS, _I_ERR = _I["ts"], _I["error"]
_I_IN, _I_OUT, _I_LAT, _I_DUR = _I["input_tokens"], _I["output_tokens"], _I["latency_s"], _I["duration_s"]
_I_IMP0 = _I[IMPACT_COLUMNS[0]]
_I_IMP1 = _I_IMP0 + len(IMPACT_COLUMNS)


_key_of = operator.itemgetter(*_KEY_COLS)


def rollup_of(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Hourly sums of rows (``INSERT_COLUMNS`` order) as rollup rows (keys, counts, sums)."""
    groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    for r in rows:
        key = (r[_I_TS] // 3600, _key_of(r))
        g = groups.get(key)
        if g is None:
            groups[key] = [r]
        else:
            g.append(r)
    out = []
    n_imp = len(IMPACT_COLUMNS)
    for (hour, keys), g in groups.items():
        cols = list(zip(*g, strict=True))  # one transposition of the group
        n_ok = cols[_I_ERR].count(None)
        if n_ok == len(g):  # the usual case: every row has impacts
            sums = [sum(col) for col in cols[_I_IMP0:_I_IMP1]]
        elif n_ok:
            ok = [r[_I_IMP0:_I_IMP1] for r in g if r[_I_ERR] is None]
            sums = [sum(col) for col in zip(*ok, strict=True)]
        else:
            sums = [0.0] * n_imp
        out.append(
            (
                int(hour),
                *["" if k is None else k for k in keys],
                len(g),
                n_ok,
                sum(filter(None, cols[_I_IN])),  # None counts as 0
                sum(filter(None, cols[_I_OUT])),
                sum(filter(None, cols[_I_LAT]), 0.0),
                sum(filter(None, cols[_I_DUR]), 0.0),
                *sums,
            )
        )
    return out


def daily_of(hourly: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Daily sums of hourly rollup rows."""
    n_keys = len(ROLLUP_KEYS)
    acc: dict[tuple[Any, ...], list[Any]] = {}
    for r in hourly:
        key = (r[0] // 24, *r[1:n_keys])
        a = acc.get(key)
        if a is None:
            acc[key] = list(r[n_keys:])
        else:
            for j, v in enumerate(r[n_keys:]):
                a[j] += v
    return [(*k, *v) for k, v in acc.items()]


def upsert_rollup_sql(period: str = "hour") -> str:
    names = _rollup_names(period)
    sets = ", ".join(f"{c} = {c} + excluded.{c}" for c in (*ROLLUP_COUNTS, *ROLLUP_SUMS))
    return (
        f"INSERT INTO {ROLLUP_TABLES[period]} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
        f"ON CONFLICT ({period}, {', '.join(ROLLUP_KEYS[1:])}) DO UPDATE SET {sets}"
    )
