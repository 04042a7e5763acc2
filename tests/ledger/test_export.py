"""Ledger exports: CSV, JSON, JSON Lines and Parquet read back equal the ledger's rows exactly; the CLI
filters by period, writes atomically and fails on one line."""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

from aifootprint._energy import impacts_from_energy
from aifootprint.ledger import Entry, Store, schema
from aifootprint.ledger import export as ex
from aifootprint.ledger.ledger import row_context
from aifootprint.ledger.when import iso

from .helpers import T0, entry, failed, run_cli

TYPES = dict((name, typ) for name, typ, _ in ex.EXPORT_SCHEMA)
N = 12


def local_run(i: int) -> Entry:
    return Entry(
        kind="local",
        ts=T0 + 600.0 * i + 0.123456789,
        source="codecarbon",
        impacts=impacts_from_energy(0.1 * i + 1 / 3, zone="FRA", pue=1.2),
        operation="finetune",
        duration_s=123.456,
        energy_method="measured",
        labels={"project": "vision"},
        external_id=f"run-{i}",
    )


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    """N entries: API calls with labels that need quoting, a failed call, local runs; 600 s apart."""
    path = tmp_path / "l.db"
    store = Store(path)
    entries: list[Entry] = []
    for i in range(N):
        if i == 4:
            entries.append(failed(i))
        elif i % 3 == 2:
            entries.append(local_run(i))
        else:
            labels = {"team": 'r&d, "core"', "feature": f"f{i % 2}", "note": "é\nligne 2"} if i % 2 else {}
            entries.append(entry(i, labels=labels, zone="FRA" if i % 4 == 1 else None))
    ctx = row_context()
    store.write([schema.row_of(e, ctx) for e in entries])
    store.close()
    return path


def ledger_rows(path: Path, since: float | None = None, until: float | None = None) -> list[tuple[Any, ...]]:
    store = Store(path, create=False)
    try:
        return [r for chunk in store.rows(since, until) for r in chunk]
    finally:
        store.close()


def expected(row: tuple[Any, ...]) -> dict[str, Any]:
    """A ledger row as the export should hold it: totals added as usage + embodied."""
    out = dict(zip(schema.COLUMN_NAMES, row, strict=True))
    for i, name in enumerate(ex.TOTAL_COLUMNS):
        u, e = out[schema.IMPACT_COLUMNS[i]], out[schema.IMPACT_COLUMNS[15 + i]]
        out[name] = None if u is None else u + e
    return out


def from_csv_cell(name: str, text: str) -> Any:
    if text == "":
        return None
    return {"INTEGER": int, "REAL": float, "TEXT": str}[TYPES[name]](text)


def check_equal(got: list[dict[str, Any]], want_rows: list[tuple[Any, ...]], *, nested_labels: bool) -> None:
    assert len(got) == len(want_rows)
    for g, row in zip(got, want_rows, strict=True):
        want = expected(row)
        assert list(g) == list(ex.EXPORT_COLUMNS)
        for name in ex.EXPORT_COLUMNS:
            w = want[name]
            if name == "labels" and nested_labels:
                w = json.loads(w)
            assert g[name] == w, name
            assert type(g[name]) is type(w), name  # 1 stays int, 1.0 stays float


def export_bytes(path: Path, fmt: str, **kwargs: Any) -> bytes:
    buf = io.BytesIO()
    store = Store(path, create=False)
    try:
        ex.export(store, buf, fmt, **kwargs)
    finally:
        store.close()
    return buf.getvalue()


def read_parquet(data: bytes) -> Any:
    import pyarrow.parquet as pq

    return pq.ParquetFile(io.BytesIO(data))


# -- columns -------------------------------------------------------------------------------------------------
def test_totals_sit_between_the_location_columns_and_the_share_columns() -> None:
    cols = ex.EXPORT_COLUMNS
    i = cols.index("gwp_basis")
    assert cols[i + 1 : i + 4] == ("energy_low", "energy", "energy_high")
    assert cols[i + 16] == "energy_usage_low"
    assert ex.TOTAL_COLUMNS[-3:] == ("water_low", "water", "water_high")
    assert [c for c in cols if c not in ex.TOTAL_COLUMNS] == list(schema.COLUMN_NAMES)
    assert [c[0] for c in ex.EXPORT_SCHEMA] == list(cols)


# -- round trips ---------------------------------------------------------------------------------------------
def test_csv_round_trip_is_exact(ledger: Path) -> None:
    text = export_bytes(ledger, "csv", chunk=5).decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    assert tuple(header) == ex.EXPORT_COLUMNS
    got = [{h: from_csv_cell(h, c) for h, c in zip(header, r, strict=True)} for r in reader]
    check_equal(got, ledger_rows(ledger), nested_labels=False)
    assert any(json.loads(g["labels"]).get("team") == 'r&d, "core"' for g in got)  # quoted, not split


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_round_trip_is_exact_with_labels_as_objects(ledger: Path, fmt: str) -> None:
    data = export_bytes(ledger, fmt, chunk=5).decode("utf-8")
    got = json.loads(data) if fmt == "json" else [json.loads(line) for line in data.splitlines()]
    if fmt == "jsonl":
        assert len(data.splitlines()) == N
    check_equal(got, ledger_rows(ledger), nested_labels=True)
    assert any(g["labels"].get("note") == "é\nligne 2" for g in got)


def test_parquet_round_trip_is_exact_typed_and_one_row_group_per_chunk(ledger: Path) -> None:
    pytest.importorskip("pyarrow")
    import pyarrow as pa

    pf = read_parquet(export_bytes(ledger, "parquet", chunk=5))
    assert pf.metadata.num_row_groups == math.ceil(N / 5)
    table = pf.read()
    kinds = {"INTEGER": pa.int64(), "REAL": pa.float64(), "TEXT": pa.string()}
    for field in table.schema:
        assert field.type == kinds[TYPES[field.name]], field.name
    check_equal(table.to_pylist(), ledger_rows(ledger), nested_labels=False)


@pytest.mark.parametrize(("fmt", "text"), [("csv", None), ("json", "[]\n"), ("jsonl", "")])
def test_empty_ledger(tmp_path: Path, fmt: str, text: str | None) -> None:
    Store(tmp_path / "e.db").close()
    data = export_bytes(tmp_path / "e.db", fmt).decode()
    assert data == (",".join(ex.EXPORT_COLUMNS) + "\n" if text is None else text)


def test_empty_ledger_parquet_has_the_schema(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    Store(tmp_path / "e.db").close()
    table = read_parquet(export_bytes(tmp_path / "e.db", "parquet")).read()
    assert table.num_rows == 0
    assert table.column_names == list(ex.EXPORT_COLUMNS)


def test_progress_is_called_per_chunk(ledger: Path) -> None:
    calls: list[int] = []
    export_bytes(ledger, "jsonl", chunk=5, progress=calls.append)
    assert calls == [5, 5, 2]


def test_missing_pyarrow_is_a_config_error_naming_the_extra(
    ledger: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    from aifootprint.errors import ConfigError

    with pytest.raises(ConfigError, match=r"pip install 'aifootprint\[parquet\]'"):
        export_bytes(ledger, "parquet")


# -- command line --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [[], ["-o", "-"]])
def test_cli_exports_csv_to_stdout_by_default(
    ledger: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    code, out, err = run_cli(capsys, "export", "--ledger", str(ledger), *extra)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [int(r["id"]) for r in rows] == list(range(1, N + 1))
    assert err == ""


def test_cli_since_until_select_a_half_open_period(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    since, until = T0 + 600.0 * 3, T0 + 600.0 * 7  # entries 3, 4, 5, 6 (the one at `until` is excluded)
    code, out, err = run_cli(
        capsys,
        "export",
        "--ledger",
        str(ledger),
        "--format",
        "jsonl",
        "--since",
        iso(since),
        "--until",
        iso(until),
    )
    assert code == 0, err
    got = [json.loads(line) for line in out.splitlines()]
    want = ledger_rows(ledger, since, until)
    assert [g["id"] for g in got] == [4, 5, 6, 7]
    check_equal(got, want, nested_labels=True)


def test_cli_output_file_is_written_whole(
    ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "ledger.json"
    target.write_text("old")
    code, out, err = run_cli(capsys, "export", "--ledger", str(ledger), "--format", "json", "-o", str(target))
    assert code == 0, err
    assert out == ""
    assert f"exported {N} entries (json) to {target}" in err
    assert len(json.loads(target.read_text("utf-8"))) == N
    assert [p.name for p in out_dir.iterdir()] == ["ledger.json"]  # no temporary file left


def test_cli_parquet_to_file(ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pyarrow")
    target = tmp_path / "l.parquet"
    code, _, err = run_cli(
        capsys, "export", "--ledger", str(ledger), "--format", "parquet", "-o", str(target)
    )
    assert code == 0, err
    import pyarrow.parquet as pq

    check_equal(pq.read_table(target).to_pylist(), ledger_rows(ledger), nested_labels=False)


def test_cli_failure_midway_leaves_no_partial_file(
    ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "x.csv"
    target.write_text("previous export")

    def broken(chunks: Any, out: Any, *, progress: Any = None) -> int:
        out.write(b"id,ts\n1,2\n")
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(ex._WRITERS, "csv", broken)
    code, _, err = run_cli(capsys, "export", "--ledger", str(ledger), "-o", str(target))
    assert code == 2
    assert err.count("\n") == 1 and "No space left on device" in err
    assert target.read_text() == "previous export"
    assert [p.name for p in out_dir.iterdir()] == ["x.csv"]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--ledger", "{tmp}/missing.db"], "no ledger at"),
        (["-o", "{tmp}/no/such/dir/x.csv"], "does not exist"),
        (["-o", "{tmp}"], "is a directory"),
        (["--since", "2026-13-01"], "--since"),
        (["--since", "2026-02-01", "--until", "2026-01-01"], "is not before"),
    ],
)
def test_cli_bad_inputs_fail_on_one_line(
    ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    if "--ledger" not in args:
        args += ["--ledger", str(ledger)]
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run_cli(capsys, "export", *args)
    assert code == 2
    assert out == ""
    assert err.startswith("aifootprint: error: ") and err.count("\n") == 1 and needle in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing created


def test_cli_unknown_format_is_an_argparse_error(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "export", "--ledger", str(ledger), "--format", "xlsx")
    assert code == 2
    assert "invalid choice: 'xlsx'" in err


def test_cli_parquet_is_not_written_to_a_terminal(
    ledger: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("pyarrow")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, err = run_cli(capsys, "export", "--ledger", str(ledger), "--format", "parquet")
    assert code == 2
    assert out == ""
    assert "not written to a terminal" in err and err.count("\n") == 1


def test_cli_parquet_without_pyarrow(
    ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    code, _, err = run_cli(
        capsys, "export", "--ledger", str(ledger), "--format", "parquet", "-o", str(tmp_path / "x.pq")
    )
    assert code == 2
    assert "pip install 'aifootprint[parquet]'" in err
    assert not (tmp_path / "x.pq").exists()
