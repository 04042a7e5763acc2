"""CodeCarbon emissions.csv import: 2.x and 3.x headers, zones from cloud region / country / region / --zone,
energy x our zone factors, idempotent re-import, cumulative flush() rows, all-or-nothing on bad rows."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from aifootprint import _api as api
from aifootprint.errors import InputError, UnknownZoneError
from aifootprint.ledger import Store
from aifootprint.ledger.codecarbon import import_codecarbon, read_codecarbon

from .helpers import run_cli


def columns(text: str) -> list[str]:
    return text.split(",")


# Column lists of EmissionsData in CodeCarbon 2.8.4 and 3.3.2 (codecarbon/output_methods/emissions_data.py),
# the order in which FileOutput writes them; documented at https://docs.codecarbon.io/latest/logging/output
V2 = columns(
    "timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,gpu_power,"
    "ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,country_name,country_iso_code,region,"
    "cloud_provider,cloud_region,os,python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,"
    "longitude,latitude,ram_total_size,tracking_mode,on_cloud,pue"
)
V3 = columns(
    "timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,gpu_power,"
    "ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,water_consumed,country_name,country_iso_code,"
    "region,cloud_provider,cloud_region,os,python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,"
    "gpu_model,longitude,latitude,ram_total_size,tracking_mode,cpu_utilization_percent,gpu_utilization_percent,"
    "ram_utilization_percent,ram_used_gb,on_cloud,pue,wue"
)
V1 = columns(
    "timestamp,experiment_id,project_name,duration,emissions,energy_consumed,country_name,country_iso_code,"
    "region,on_cloud,cloud_provider,cloud_region"
)
DEFAULT_EXPERIMENT = "5b0fa12a-3dd7-45bb-9766-cc326314d9f1"  # CodeCarbon's default experiment_id


def row(
    header: list[str],
    *,
    ts: str,
    run: str,
    duration: float,
    energy: float,
    country: str = "",
    country_name: str = "",
    region: str = "",
    cloud: tuple[str, str] = ("", ""),
    pue: float = 1.0,
    project: str = "codecarbon",
    **extra: str,
) -> dict[str, str]:
    cpu, gpu = energy * 0.2, energy * 0.7
    values = {
        "timestamp": ts,
        "project_name": project,
        "run_id": run,
        "experiment_id": DEFAULT_EXPERIMENT if "run_id" in header else run,
        "duration": repr(duration),
        "emissions": repr(energy * 0.4),  # CodeCarbon's own figure: not imported
        "emissions_rate": repr(energy * 0.4 / duration),
        "cpu_power": "42.5",
        "gpu_power": "301.27",
        "ram_power": "11.92",
        "cpu_energy": repr(cpu),
        "gpu_energy": repr(gpu),
        "ram_energy": repr(energy - cpu - gpu),
        "energy_consumed": repr(energy),
        "water_consumed": "0.0",
        "country_name": country_name,
        "country_iso_code": country,
        "region": region,
        "cloud_provider": cloud[0],
        "cloud_region": cloud[1],
        "os": "Linux-6.8.0-49-generic-x86_64-with-glibc2.39",
        "python_version": "3.12.3",
        "codecarbon_version": "3.3.2" if "wue" in header else "2.8.4",
        "cpu_count": "32",
        "cpu_model": "AMD EPYC 7R13 Processor",
        "gpu_count": "1",
        "gpu_model": "1 x NVIDIA A100-SXM4-40GB",
        "longitude": "2.3",
        "latitude": "48.9",
        "ram_total_size": "125.6",
        "tracking_mode": "machine",
        "cpu_utilization_percent": "37.5",
        "gpu_utilization_percent": "91.0",
        "ram_utilization_percent": "22.1",
        "ram_used_gb": "27.8",
        "on_cloud": "Y" if cloud[0] else "N",
        "pue": repr(pue),
        "wue": "0.0",
        **extra,
    }
    return {k: values.get(k, "") for k in header}


def write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")  # pandas to_csv writes "\n"
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def local_ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()  # CodeCarbon writes the machine's local time


@pytest.fixture
def v3_file(tmp_path: Path) -> Path:
    return write(
        tmp_path / "emissions.csv",
        V3,
        [
            row(V3, ts="2026-11-02T10:15:42", run="run-fr", duration=3600.25, energy=0.84, country="FRA",
                country_name="France", region="ile-de-france", pue=1.2, project="finetune"),
            row(V3, ts="2026-11-03T08:00:05", run="run-va", duration=1800.0, energy=0.5, country="USA",
                country_name="United States", region="virginia", project="eval"),
            row(V3, ts="2026-11-04T12:00:00", run="run-gcp", duration=60.5, energy=0.01, country="USA",
                country_name="United States", region="iowa", cloud=("gcp", "us-central1"), project="eval"),
        ],
    )  # fmt: skip


@pytest.fixture
def v2_file(tmp_path: Path) -> Path:
    return write(
        tmp_path / "emissions_v2.csv",
        V2,
        [
            row(V2, ts="2025-06-30T23:59:59", run="run-qc", duration=120.0, energy=0.02, country="CAN",
                country_name="Canada", region="quebec"),
            row(V2, ts="2025-07-01T09:30:00", run="run-se", duration=7200.0, energy=3.5, country="SWE",
                country_name="Sweden", region="SE3", pue=1.1),
            row(V2, ts="2025-07-02T09:30:00", run="run-cn", duration=10.0, energy=0.001, country="CHN",
                country_name="China", region="Guangdong Province"),
        ],
    )  # fmt: skip


def test_v3_rows_become_local_measured_entries_with_our_zone_factors(v3_file: Path) -> None:
    result = read_codecarbon([v3_file])
    assert (result.rows, result.superseded) == (3, 0)
    fr, va, gcp = result.entries
    cat = api.get_catalog()
    for e in (fr, va, gcp):
        assert (e.kind, e.source, e.energy_method) == ("local", "codecarbon", "measured")
    assert fr.ts == local_ts("2026-11-02T10:15:42") - 3600.25  # the row is written at the end of the run
    assert fr.duration_s == 3600.25
    assert fr.operation == "finetune"
    assert fr.labels == {"project": "finetune", "experiment_id": DEFAULT_EXPERIMENT}
    assert fr.external_id == "run-fr"
    imp = fr.impacts
    assert imp is not None
    assert (imp.zone, imp.boundary) == ("FRA", "datacenter")  # pue 1.2 was applied by CodeCarbon
    assert imp.energy.value == pytest.approx(0.84, rel=1e-15)  # energy_consumed already includes the PUE
    g = cat.zone("FRA").gwp_kgco2eq_per_kwh
    assert imp.gwp.value == pytest.approx(0.84 * g[1], rel=1e-12)
    assert imp.gwp.high == pytest.approx(0.84 * g[2], rel=1e-12)
    assert imp.water.value == pytest.approx(0.84 * cat.zone("FRA").water_l_per_kwh, rel=1e-12)
    assert imp.embodied.gwp.value == 0.0
    assert "embodied-not-included" in imp.warnings
    assert "ile-de-france" not in str(imp.factors())  # no sub-national French zone: the country is used
    assert va.impacts is not None and va.impacts.zone == "US-VA"  # region name -> US state zone
    assert va.impacts.boundary == "server"
    assert va.impacts.gwp.value == pytest.approx(0.5 * cat.zone("US-VA").gwp_kgco2eq_per_kwh[1], rel=1e-12)
    assert "zone-gwp-combustion-only" in va.impacts.warnings
    assert gcp.impacts is not None and gcp.impacts.zone == "gcp:us-central1"  # cloud region wins


def test_v2_rows_and_subnational_regions(v2_file: Path) -> None:
    qc, se, cn = read_codecarbon([v2_file]).entries
    assert qc.impacts is not None and qc.impacts.zone == "CA-QC"
    assert se.impacts is not None and se.impacts.zone == "SE3"  # Nordic bidding zone
    assert se.impacts.energy.value == pytest.approx(3.5, rel=1e-15)
    assert cn.impacts is not None and cn.impacts.zone == "CN-GD"  # "Province" suffix dropped
    assert qc.ts == local_ts("2025-06-30T23:59:59") - 120.0


def test_cli_import_then_reimport_adds_nothing(
    v3_file: Path, v2_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = tmp_path / "sub" / "l.db"
    argv = ("import", "codecarbon", str(v3_file), str(v2_file), "--ledger", str(ledger), "--label", "team=ml")
    code, out, err = run_cli(capsys, *argv)
    assert code == 0, err
    assert out == f"imported 6 runs (0 already in the ledger) into {ledger}\n"
    code, out, err = run_cli(capsys, *argv)
    assert code == 0, err
    assert out == f"imported 0 runs (6 already in the ledger) into {ledger}\n"
    store = Store(ledger, create=False)
    try:
        assert store.count() == 6
        (labels, zone, energy, kind, source, method) = store.db.execute(
            "SELECT labels, zone, energy_usage, kind, source, energy_method FROM entries "
            "WHERE external_id = 'run-se'"
        ).fetchone()
        rollup = store.db.execute("SELECT SUM(entries), SUM(energy_usage) FROM rollup").fetchone()
    finally:
        store.close()
    assert labels == '{"experiment_id":"' + DEFAULT_EXPERIMENT + '","project":"codecarbon","team":"ml"}'
    assert (zone, kind, source, method) == ("SE3", "local", "codecarbon", "measured")
    assert energy == pytest.approx(3.5, rel=1e-15)
    assert rollup[0] == 6  # the rollup counts each run once
    assert rollup[1] == pytest.approx(0.84 + 0.5 + 0.01 + 0.02 + 3.5 + 0.001, rel=1e-12)


def test_flush_rows_of_one_run_are_cumulative_the_last_is_kept(tmp_path: Path) -> None:
    common = {"country": "FRA", "project": "train"}
    f = write(
        tmp_path / "e.csv",
        V3,
        [
            row(V3, ts="2026-11-02T10:00:00", run="r1", duration=600.0, energy=0.1, **common),
            row(V3, ts="2026-11-02T10:10:00", run="r1", duration=1200.0, energy=0.2, **common),
            row(V3, ts="2026-11-02T10:20:00", run="r1", duration=1800.0, energy=0.3, **common),
            row(V3, ts="2026-11-02T11:00:00", run="r2", duration=60.0, energy=0.01, **common),
        ],
    )
    result = read_codecarbon([f])
    assert (result.rows, result.superseded, len(result.entries)) == (4, 2, 2)
    r1 = result.entries[0]
    assert (r1.external_id, r1.duration_s) == ("r1", 1800.0)
    assert r1.ts == local_ts("2026-11-02T10:20:00") - 1800.0


def test_task_files_keep_one_entry_per_task(tmp_path: Path) -> None:
    header = ["task_name", *[c for c in V3 if c not in ("experiment_id", "pue", "wue")]]
    f = write(
        tmp_path / "emissions_base_r1.csv",
        header,
        [
            row(header, ts="2026-11-02T10:00:00", run="r1", duration=30.0, energy=0.01, country="FRA",
                task_name="load"),
            row(header, ts="2026-11-02T10:05:00", run="r1", duration=300.0, energy=0.2, country="FRA",
                task_name="fit"),
        ],
    )  # fmt: skip
    entries = read_codecarbon([f]).entries
    assert [(e.external_id, e.labels.get("task")) for e in entries] == [
        ("r1/load", "load"),
        ("r1/fit", "fit"),
    ]


def test_v1_files_without_run_id_are_identified_by_their_row(tmp_path: Path) -> None:
    f = write(
        tmp_path / "old.csv",
        V1,
        [row(V1, ts="2022-03-16T14:11:13", run="6dc1b8a2-e4c5-47f0-98f2-d18863792c4e", duration=1014.77,
             energy=0.0116, country="FRA", country_name="France")],
    )  # fmt: skip
    store = Store(tmp_path / "l.db")
    try:
        first = import_codecarbon(store, [f])
        again = import_codecarbon(store, [f])
        (ext,) = store.db.execute("SELECT external_id FROM entries").fetchone()
    finally:
        store.close()
    assert (first.inserted, again.inserted, again.already) == (1, 0, 1)
    assert ext.startswith("row-sha256:")
    entry = read_codecarbon([f]).entries[0]
    assert entry.labels == {"project": "codecarbon", "experiment_id": "6dc1b8a2-e4c5-47f0-98f2-d18863792c4e"}
    assert entry.impacts is not None and entry.impacts.boundary == "server"  # no pue column: 1


def test_rows_without_location_use_zone_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(
        tmp_path / "e.csv", V3, [row(V3, ts="2026-11-02T10:00:00", run="r1", duration=60.0, energy=0.05)]
    )
    ledger = tmp_path / "l.db"
    code, _, err = run_cli(capsys, "import", "codecarbon", str(f), "--ledger", str(ledger))
    assert code == 2
    assert f"{f} line 2: column country_iso_code: empty: the row names no location; pass --zone" in err
    assert not ledger.exists()  # nothing written, not even an empty ledger
    code, _, err = run_cli(capsys, "import", "codecarbon", str(f), "--ledger", str(ledger), "--zone", "DEU")
    assert code == 0, err
    assert read_codecarbon([f], zone="DEU").entries[0].impacts.zone == "DEU"  # type: ignore[union-attr]
    with pytest.raises(UnknownZoneError, match="ATLANTIS"):
        read_codecarbon([f], zone="ATLANTIS")


def test_explicit_timezone(tmp_path: Path) -> None:
    f = write(
        tmp_path / "e.csv",
        V3,
        [
            row(V3, ts="2026-01-15T12:00:00", run="a", duration=100.0, energy=0.1, country="FRA"),
            row(V3, ts="2026-01-15T12:00:00+00:00", run="b", duration=100.0, energy=0.1, country="FRA"),
        ],
    )
    a, b = read_codecarbon([f], tz=ZoneInfo("Europe/Paris")).entries
    noon_utc = datetime(2026, 1, 15, 12, tzinfo=timezone.utc).timestamp()
    assert a.ts == noon_utc - 3600 - 100.0  # noon in Paris (UTC+1 in January)
    assert b.ts == noon_utc - 100.0  # an explicit offset is kept


# -- bad inputs: one line naming file, line and column; nothing imported ---------------------------------
BAD = [
    ("energy_consumed", "abc", "line 3: column energy_consumed: 'abc' is not a number of kWh"),
    ("energy_consumed", "-0.5", "line 3: column energy_consumed: '-0.5' must be a finite number >= 0 kWh"),
    ("energy_consumed", "", "line 3: column energy_consumed: is empty"),
    ("duration", "nan", "line 3: column duration: 'nan' must be a finite number"),
    ("timestamp", "yesterday", "line 3: column timestamp: 'yesterday' is not a date-time"),
    ("country_iso_code", "XYZ", "line 3: column country_iso_code: unknown zone 'XYZ'"),
    ("pue", "0.8", "line 3: column pue: '0.8' must be a finite number >= 1"),
]


@pytest.mark.parametrize(("column", "value", "needle"), BAD)
def test_a_bad_row_fails_the_whole_import(
    v2_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], column: str, value: str, needle: str
) -> None:
    good = row(V3, ts="2026-11-02T10:00:00", run="ok", duration=60.0, energy=0.05, country="FRA")
    bad = row(V3, ts="2026-11-02T11:00:00", run="bad", duration=60.0, energy=0.05, country="FRA")
    bad[column] = value
    f = write(tmp_path / "bad.csv", V3, [good, bad])
    ledger = tmp_path / "l.db"
    Store(ledger).close()
    code, out, err = run_cli(capsys, "import", "codecarbon", str(v2_file), str(f), "--ledger", str(ledger))
    assert code == 2
    assert out == ""
    assert err.startswith(f"aifootprint: error: {f} ") and err.count("\n") == 1
    assert needle in err, err
    store = Store(ledger, create=False)
    try:
        assert store.count() == 0  # the good file and the good row were not imported either
    finally:
        store.close()


def test_missing_column(tmp_path: Path) -> None:
    header = [c for c in V3 if c != "energy_consumed"]
    f = write(
        tmp_path / "e.csv", header, [row(header, ts="2026-11-02T10:00:00", run="r", duration=1.0, energy=1.0)]
    )
    with pytest.raises(InputError, match=r"e\.csv line 1: column energy_consumed: missing from the header"):
        read_codecarbon([f])


def test_shifted_row(tmp_path: Path) -> None:
    f = tmp_path / "e.csv"
    good = row(V2, ts="2025-07-01T09:30:00", run="r", duration=1.0, energy=1.0, country="FRA")
    f.write_text(
        ",".join(V2) + "\n" + ",".join(good.values()) + "\n\n" + ",".join(list(good.values())[:-3]) + "\n"
    )
    with pytest.raises(InputError, match=r"e\.csv line 4: 29 fields where the header has 32"):
        read_codecarbon([f])


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["{tmp}/missing.csv"], "missing.csv: cannot be read"),
        (["{tmp}/e.csv", "--label", "team"], "--label 'team': expected KEY=VALUE"),
        (["{tmp}/e.csv", "--label", "9x=1"], "labels.9x: a label name starts with a letter"),
        (["{tmp}/e.csv", "--zone", "ATLANTIS"], "unknown zone 'ATLANTIS'"),
        (["{tmp}/empty.csv"], "empty.csv line 1: the file is empty"),
        (["{tmp}/binary.csv"], "binary.csv: not UTF-8 text"),
    ],
)
def test_cli_bad_arguments_fail_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    write(
        tmp_path / "e.csv",
        V3,
        [row(V3, ts="2026-11-02T10:00:00", run="r", duration=1.0, energy=1.0, country="FRA")],
    )
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00t\x00i")
    ledger = tmp_path / "l.db"
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, out, err = run_cli(capsys, "import", "codecarbon", *args, "--ledger", str(ledger))
    assert code == 2
    assert out == ""
    assert err.startswith("aifootprint: error: ") and err.count("\n") == 1 and needle in err, err
    assert not ledger.exists()


def test_timezone_option_of_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(
        tmp_path / "e.csv",
        V3,
        [row(V3, ts="2026-01-15T12:00:00", run="a", duration=100.0, energy=0.1, country="FRA")],
    )
    ledger = tmp_path / "l.db"
    code, _, err = run_cli(
        capsys, "import", "codecarbon", str(f), "--ledger", str(ledger), "--timezone", "Mars/Base"
    )
    assert code == 2 and "--timezone 'Mars/Base': not a time zone name" in err and not ledger.exists()
    code, _, err = run_cli(
        capsys, "import", "codecarbon", str(f), "--ledger", str(ledger), "--timezone", "Europe/Paris"
    )
    assert code == 0, err
    store = Store(ledger)
    (ts,) = store.db.execute("SELECT ts FROM entries").fetchone()
    store.close()
    assert ts == datetime(2026, 1, 15, 11, tzinfo=timezone.utc).timestamp() - 100.0
