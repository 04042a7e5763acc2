"""Ledger exports: every entry, one row each, streamed as CSV, JSON, JSON Lines or Parquet.

The columns are the ledger's (``schema.COLUMNS``) with the 15 totals (usage + embodied) inserted before
the 30 share columns (the impact vector of aifootprint._layout): ``... zone, boundary, gwp_basis,
energy_low, energy, energy_high, gwp_low, ... water_high, energy_usage_low, energy_usage, ...`` (see
:data:`EXPORT_COLUMNS`). Rows come in recording order, ``chunk`` rows at a time, so memory stays flat on
any ledger size.

- CSV: a header of column names; an empty cell is NULL; floats are written with ``repr`` (the shortest
  text that reads back to the same float); ``labels`` is its JSON text.
- JSON: one array of objects; JSON Lines: one object per line. NULL is ``null``, ``labels`` a nested object.
- Parquet: typed columns (INTEGER -> int64, REAL -> float64, TEXT -> string), one row group per chunk;
  needs ``pyarrow`` (``pip install 'aifootprint[parquet]'``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, BinaryIO, Final

from .._layout import EMBODIED_VALUES, PER_SHARE, SIZE, USAGE_VALUES, share_entries
from .._values import UNITS
from ..errors import ConfigError, InputError
from . import schema
from .store import Store

FORMATS: Final = ("csv", "json", "jsonl", "parquet")

Progress = Callable[[int], None]
Rows = Iterable[Sequence[tuple[Any, ...]]]

#: The 15 total columns (usage + embodied), ``energy_low, energy, energy_high, gwp_low, ...``.
TOTAL_COLUMNS: Final[tuple[str, ...]] = tuple(
    ind if b == "value" else f"{ind}_{b}" for ind, b in share_entries()
)
_FIRST_SHARE: Final = schema.COLUMN_NAMES.index(schema.IMPACT_COLUMNS[0])

#: Exported columns, in order: the ledger's columns with the totals just before the share columns.
EXPORT_COLUMNS: Final[tuple[str, ...]] = (
    *schema.COLUMN_NAMES[:_FIRST_SHARE],
    *TOTAL_COLUMNS,
    *schema.COLUMN_NAMES[_FIRST_SHARE:],
)


def _bound(b: str) -> str:
    return "central value" if b == "value" else f"{b} bound"


#: (name, SQLite type, meaning) of every exported column.
EXPORT_SCHEMA: Final[tuple[tuple[str, str, str], ...]] = (
    *schema.COLUMNS[:_FIRST_SHARE],
    *(
        (name, "REAL", f"{ind} ({UNITS[ind]}), total (usage + embodied), {_bound(b)}")
        for name, (ind, b) in zip(TOTAL_COLUMNS, share_entries(), strict=True)
    ),
    *schema.COLUMNS[_FIRST_SHARE:],
)
_LABELS: Final = EXPORT_COLUMNS.index("labels")


def with_totals(row: Sequence[Any]) -> tuple[Any, ...]:
    """A ledger row (``COLUMN_NAMES`` order) -> an export row (``EXPORT_COLUMNS`` order)."""
    shares = row[_FIRST_SHARE : _FIRST_SHARE + SIZE]
    if shares[0] is None:
        totals: tuple[Any, ...] = (None,) * PER_SHARE
    else:
        totals = tuple(u + e for u, e in zip(shares[USAGE_VALUES], shares[EMBODIED_VALUES], strict=True))
    return (*row[:_FIRST_SHARE], *totals, *row[_FIRST_SHARE:])


def _counted(chunks: Rows, progress: Progress | None) -> Iterable[list[tuple[Any, ...]]]:
    for chunk in chunks:
        yield [with_totals(r) for r in chunk]
        if progress is not None:
            progress(len(chunk))


# -- text formats -------------------------------------------------------------------------------------------
def _cell(v: Any) -> str:
    if v is None:
        return ""
    if type(v) is float:
        return repr(v)
    return str(v)


def write_csv(chunks: Rows, out: BinaryIO, *, progress: Progress | None = None) -> int:
    """Write a header and every row as UTF-8 CSV (``\\n`` line ends); returns the number of rows."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    try:
        w = csv.writer(text, lineterminator="\n")
        w.writerow(EXPORT_COLUMNS)
        n = 0
        for rows in _counted(chunks, progress):
            w.writerows([_cell(v) for v in r] for r in rows)
            n += len(rows)
        text.flush()
    finally:
        text.detach()
    return n


class _LabelCache:
    def __init__(self) -> None:
        self._seen: dict[str, Any] = {}

    def __call__(self, text: str | None) -> Any:
        if text is None:
            return None
        obj = self._seen.get(text)
        if obj is None:
            obj = json.loads(text)
            if len(self._seen) < 4096:
                self._seen[text] = obj
        return obj


def _objects(chunks: Rows, progress: Progress | None) -> Iterable[str]:
    labels = _LabelCache()
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for rows in _counted(chunks, progress):
        for r in rows:
            obj = dict(zip(EXPORT_COLUMNS, r, strict=True))
            obj["labels"] = labels(r[_LABELS])
            yield dumps(obj)


def write_json(chunks: Rows, out: BinaryIO, *, progress: Progress | None = None) -> int:
    """Write one JSON array of objects (streamed); returns the number of rows."""
    n = 0
    out.write(b"[")
    for text in _objects(chunks, progress):
        out.write((",\n" if n else "\n").encode() + text.encode("utf-8"))
        n += 1
    out.write(b"\n]\n" if n else b"]\n")
    return n


def write_jsonl(chunks: Rows, out: BinaryIO, *, progress: Progress | None = None) -> int:
    """Write one JSON object per line; returns the number of rows."""
    n = 0
    for text in _objects(chunks, progress):
        out.write(text.encode("utf-8") + b"\n")
        n += 1
    return n


# -- Parquet ------------------------------------------------------------------------------------------------
def require_pyarrow() -> Any:
    """The ``pyarrow`` module, or a :class:`ConfigError` saying how to install it."""
    try:
        import pyarrow
    except ImportError:
        raise ConfigError(
            "Parquet export needs pyarrow, which is not installed: pip install 'aifootprint[parquet]'"
        ) from None
    return pyarrow


def arrow_schema() -> Any:
    """The Arrow schema of an export (INTEGER -> int64, REAL -> float64, TEXT -> string)."""
    pa = require_pyarrow()
    types = {"INTEGER": pa.int64(), "REAL": pa.float64(), "TEXT": pa.string()}
    return pa.schema(
        [pa.field(name, types[typ], metadata={"description": desc}) for name, typ, desc in EXPORT_SCHEMA]
    )


def write_parquet(chunks: Rows, out: BinaryIO, *, progress: Progress | None = None) -> int:
    """Write a Parquet file, one row group per chunk; returns the number of rows."""
    pa = require_pyarrow()
    import pyarrow.parquet as pq

    sch = arrow_schema()
    n = 0
    with pq.ParquetWriter(out, sch) as writer:
        for rows in _counted(chunks, progress):
            columns = list(zip(*rows, strict=True))
            arrays = [pa.array(col, type=f.type) for col, f in zip(columns, sch, strict=True)]
            writer.write_table(pa.Table.from_arrays(arrays, schema=sch), row_group_size=len(rows))
            n += len(rows)
    return n


_WRITERS: Final[dict[str, Callable[..., int]]] = {
    "csv": write_csv,
    "json": write_json,
    "jsonl": write_jsonl,
    "parquet": write_parquet,
}


def export(
    store: Store,
    out: BinaryIO,
    fmt: str = "csv",
    *,
    since: float | None = None,
    until: float | None = None,
    chunk: int = 10_000,
    progress: Progress | None = None,
) -> int:
    """Write the entries of ``[since, until)`` to the binary file ``out`` in format ``fmt`` (``csv``,
    ``json``, ``jsonl``, ``parquet``); ``progress(n)`` is called after each chunk of ``n`` rows. Returns
    the number of rows written."""
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise InputError("format", f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    if fmt == "parquet":
        require_pyarrow()
    return writer(store.rows(since, until, chunk=chunk), out, progress=progress)
