"""Reports: totals equal the entries' sums; bases never mixed; market-based factors; ESRS summary; CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import aifootprint as af
from aifootprint.ledger import Entry, Store, schema
from aifootprint.ledger.esrs import esrs
from aifootprint.ledger.ledger import row_context
from aifootprint.ledger.market import parse_market
from aifootprint.ledger.totals import build, parse_by
from aifootprint.ledger.when import parse_when

from .helpers import T0, entry, failed, run_cli

DAY = 86400.0


def fill(path: Path, entries: list[Entry]) -> Store:
    store = Store(path)
    ctx = row_context()
    store.write([schema.row_of(e, ctx) for e in entries])
    return store


def mixed() -> list[Entry]:
    out = []
    for i in range(60):
        model = ("openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5", "mistral/mistral-large-2411")[i % 3]
        zone = "US-VA" if i % 5 == 0 else None  # eGRID state: combustion-only factor
        out.append(entry(i, model=model, zone=zone, labels={"project": "bot" if i % 2 else "search"}))
    out.append(failed(7))
    return out


def expected(entries: list[Entry], keep: object = None) -> dict[str, float]:
    acc = {"n": 0.0, "gwp": 0.0, "gwp_low": 0.0, "gwp_high": 0.0, "energy": 0.0, "water_emb": 0.0}
    for e in entries:
        if keep is not None and not keep(e):  # type: ignore[operator]
            continue
        acc["n"] += 1
        if e.impacts is None:
            continue
        acc["gwp"] += e.impacts.gwp.value
        acc["gwp_low"] += e.impacts.gwp.low
        acc["gwp_high"] += e.impacts.gwp.high
        acc["energy"] += e.impacts.energy.value
        acc["water_emb"] += e.impacts.embodied.water.value
    return acc


def test_totals_by_provider_and_label_match_the_entries(tmp_path: Path) -> None:
    entries = mixed()
    store = fill(tmp_path / "l.db", entries)
    rep = build(store, by=["provider", "label:project"])
    assert rep.keys == ["provider", "label:project", "basis"]
    for key, t in rep.groups:
        provider, project, basis = key

        def keep(e: Entry, provider: str = provider, project: str = project, basis: str = basis) -> bool:
            b = "" if e.impacts is None else ("combustion" if e.impacts.zone == "US-VA" else "lifecycle")
            return e.provider == provider and e.labels.get("project", "") == project and b == basis

        want = expected(entries, keep)
        assert t.entries == want["n"]
        assert t.total("gwp") == pytest.approx((want["gwp_low"], want["gwp"], want["gwp_high"]), rel=1e-9)
        assert t.total("energy")[1] == pytest.approx(want["energy"], rel=1e-9)
        assert t.embodied("water")[1] == pytest.approx(want["water_emb"], rel=1e-9)
    bases = {k[-1] for k, _ in rep.groups}
    assert bases == {"lifecycle", "combustion", ""}
    totals = dict(rep.totals)
    assert set(totals) == {"lifecycle", "combustion", "", "all"}
    assert totals["all"].entries == 61 and totals["all"].with_impacts == 60
    assert totals["all"].total("gwp")[1] == pytest.approx(expected(entries)["gwp"], rel=1e-9)
    store.close()


def test_by_day_month_and_period(tmp_path: Path) -> None:
    entries = [entry(i, ts=T0 + i * DAY / 4) for i in range(40)]  # 10 days, 4 a day
    store = fill(tmp_path / "l.db", entries)
    since, until = T0 + 2 * DAY + 100, T0 + 5 * DAY - 7
    rep = build(store, since=since, until=until, by=["day"])
    days = [k[0] for k, _ in rep.groups]
    assert days == sorted(days) and len(days) == 4
    want = expected(entries, lambda e: since <= e.ts < until)
    assert sum(t.entries for _, t in rep.groups) == want["n"]
    assert sum(t.total("gwp")[1] for _, t in rep.groups) == pytest.approx(want["gwp"], rel=1e-9)
    months = build(store, by=["month"])
    assert [k[0] for k, _ in months.groups] == ["2026-09", "2026-10"]
    store.close()


def test_market_based_factors_apply_to_usage_energy_only(tmp_path: Path) -> None:
    entries = [entry(i, model="openai/gpt-4o-mini") for i in range(10)]
    entries += [entry(i, model="anthropic/claude-sonnet-4-5") for i in range(10)]
    store = fill(tmp_path / "l.db", entries)
    market = parse_market({"openai": {"gwp_kgco2eq_per_kwh": 0.02, "source": "PPA 2026"}}, "test")
    rep = build(store, by=["provider"], market=market)
    groups = {k[0]: t for k, t in rep.groups}
    oa, an = groups["openai"], groups["anthropic"]
    usage_kwh = sum(e.impacts.usage.energy.value for e in entries[:10])  # type: ignore[union-attr]
    embodied = sum(e.impacts.embodied.gwp.value for e in entries[:10])  # type: ignore[union-attr]
    assert oa.gwp_market()[1] == pytest.approx(usage_kwh * 0.02 + embodied, rel=1e-9)
    assert oa.market_coverage == pytest.approx(1.0)
    assert an.gwp_market() == pytest.approx(an.total("gwp"), rel=1e-12)  # no factor: location-based
    assert an.market_coverage == 0.0
    assert rep.market_used == {"openai"}
    store.close()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"x": {"gwp_kgco2eq_per_kwh": 0.1}}, "source is required"),
        ({"x": {"gwp_kgco2eq_per_kwh": -1, "source": "s"}}, "must be a number >= 0"),
        ({"x": {"gwp_kgco2eq_per_kwh": 0.1, "source": "s", "factor": 2}}, "unknown key"),
        ({"x": {"gwp_kgco2eq_per_kwh": 0.1, "source": "s", "gwp_basis": "green"}}, "gwp_basis must be"),
        ({"x": 3}, "must be a table"),
    ],
)
def test_bad_market_tables(table: dict[str, object], message: str) -> None:
    with pytest.raises(af.ConfigError, match=message):
        parse_market(table, "aifootprint.toml")


def test_parse_by() -> None:
    assert parse_by(["provider,label:team", "month", "provider"]) == ["provider", "label:team", "month"]
    with pytest.raises(af.InputError, match=r"--by: unknown key 'team' \(known: provider"):
        parse_by(["team"])
    with pytest.raises(af.InputError, match="label: needs a label name"):
        parse_by(["label:"])


def test_parse_when() -> None:
    assert parse_when("2026-01-01", "--since") == 1767225600.0
    assert parse_when("2026-01-01T01:00+01:00", "--since") == 1767225600.0
    assert parse_when("2026-01-01T00:00Z", "--since") == 1767225600.0
    assert parse_when("30d", "--since", now=1e9) == 1e9 - 30 * DAY
    with pytest.raises(af.InputError, match="--until: '2026-13-01' is not a date"):
        parse_when("2026-13-01", "--until")


def local_entry(i: int, zone: str, site: str | None = None) -> Entry:
    e = entry(i, zone=zone, kind="local", labels={"site": site} if site else {})
    e.duration_s = 3600.0
    e.energy_method = "measured"
    return e


def test_esrs_summary(tmp_path: Path) -> None:
    api = [entry(i) for i in range(6)]
    lab = [local_entry(i, "US-VA", "lab") for i in range(4)]  # combustion factor, contract at 0
    other = [local_entry(i, "US-VA") for i in range(2)]  # combustion factor, no contract
    fra = [local_entry(i, "FRA") for i in range(3)]  # life-cycle factor, no contract
    local = [*lab, *other, *fra]
    store = fill(tmp_path / "l.db", [*api, *local, failed(9)])
    market = parse_market({"site:lab": {"gwp_kgco2eq_per_kwh": 0.0, "source": "GO certificates"}}, "t")
    points = {p.name: p for p in esrs(store, 2026, market)}

    def gwp(entries: list[Entry]) -> float:
        return sum(e.impacts.usage.gwp.value for e in entries) / 1e3  # type: ignore[union-attr]

    energy = points["Energy consumption of own operations: AI runs on owned hardware"]
    kwh = sum(e.impacts.usage.energy.value for e in local)  # type: ignore[union-attr]
    assert energy.unit == "MWh" and energy.value == pytest.approx(kwh / 1e3, rel=1e-9)
    s2 = points["Gross Scope 2 GHG emissions, location-based"]
    assert s2.unit == "tCO2eq" and s2.value == pytest.approx(gwp([*lab, *other]), rel=1e-9)
    lc = next(p for n, p in points.items() if n.startswith("Gross Scope 2 location-based + upstream"))
    assert lc.value == pytest.approx(gwp(fra), rel=1e-9)
    mb = points["Gross Scope 2 GHG emissions, market-based"]
    assert mb.value == pytest.approx(gwp(other), rel=1e-9)  # lab at 0; FRA is not mixed in
    assert "contractual factors on combustion basis" in mb.note
    fb = next(p for n, p in points.items() if n.startswith("Gross Scope 2 market-based, runs without"))
    assert fb.value == pytest.approx(gwp(fra), rel=1e-9)
    cat1 = points["Gross Scope 3 category 1 (purchased goods and services): AI API calls"]
    assert cat1.value == pytest.approx(sum(e.impacts.gwp.value for e in api) / 1e3, rel=1e-9)  # type: ignore[union-attr]
    assert "1 entry without impacts is not counted" in cat1.note
    assert esrs(store, 2025)[0].value == 0
    store.close()


# -- the command line --------------------------------------------------------------------------------------


def test_report_command_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "l.db"
    fill(db, mixed()).close()
    code, out, err = run_cli(capsys, "report", "--ledger", str(db), "--by", "provider")
    assert code == 0, err
    assert "Provider" in out and "openai" in out and "life-cycle" in out and "combustion" in out
    assert "TOTAL" in out and "all (mixed bases)" in out and "≈" in out
    code, out, _ = run_cli(capsys, "report", "--ledger", str(db), "--by", "model", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and {"model", "basis", "entries", "gwp_location_kgCO2eq", "gwp_market_kgCO2eq"} <= set(
        rows[0]
    )
    assert sum(int(r["entries"]) for r in rows if r["model"] != "TOTAL") == 61
    code, out, _ = run_cli(capsys, "report", "--ledger", str(db), "--by", "label:project", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["metadata"]["group_by"] == ["label:project", "basis"]
    assert doc["metadata"]["data_versions"] and doc["metadata"]["time_zone"] == "UTC"
    code, out, _ = run_cli(capsys, "report", "--ledger", str(db), "--format", "markdown")
    assert code == 0 and out.startswith("| Grid factors | Entries |") and "|---|---:|" in out
    target = tmp_path / "out" / "esrs.csv"
    target.parent.mkdir()
    code, out, _ = run_cli(
        capsys, "report", "--ledger", str(db), "--esrs", "2026", "--format", "csv", "-o", str(target)
    )
    assert code == 0 and out == "" and target.read_text(encoding="utf-8").startswith("year,datapoint,esrs")
    code, out, _ = run_cli(capsys, "report", "--ledger", str(db), "--format", "csv", "-o", "-")
    assert code == 0 and out.startswith("basis,entries,")  # "-" is stdout, not a file named "-"
    code, out, err = run_cli(capsys, "report", "--ledger", str(db), "-o", str(tmp_path / "nodir" / "r.txt"))
    assert code == 2 and out == "" and "the directory" in err and "does not exist" in err


def test_report_reads_market_factors_from_the_config_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "l.db"
    fill(db, [entry(i) for i in range(5)]).close()
    (tmp_path / "aifootprint.toml").write_text(
        '[market."openai"]\ngwp_kgco2eq_per_kwh = 0.0\nsource = "Supplier disclosure 2026"\n',
        encoding="utf-8",
    )
    af.reset()
    code, out, _ = run_cli(capsys, "report", "--ledger", str(db), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["metadata"]["market_factors"]["openai"]["source"] == "Supplier disclosure 2026"
    (row,) = [r for r in doc["rows"]]
    assert row["gwp_market_kgCO2eq"] == pytest.approx(row["gwp_embodied_kgCO2eq"], rel=1e-9)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--by", "team"], "--by: unknown key 'team'"),
        (["--since", "yesterday"], "--since: 'yesterday' is not a date"),
        (["--since", "2026-02-01", "--until", "2026-01-01"], "is not before --until"),
        (["--esrs", "26"], "is not a year"),
        (["--esrs", "9999"], "is not a year"),
        (["--esrs", "2026", "--since", "2026-02-01"], "--esrs: a calendar-year summary"),
    ],
)
def test_bad_report_arguments_give_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    db = tmp_path / "l.db"
    fill(db, [entry(0)]).close()
    before = db.read_bytes()
    code, out, err = run_cli(capsys, "report", "--ledger", str(db), *argv)
    assert code == 2 and out == "" and needle in err and err.count("\n") == 1
    assert db.read_bytes() == before


def test_foreign_or_missing_ledger_gives_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "photo.jpg"
    other.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    code, _, err = run_cli(capsys, "report", "--ledger", str(other))
    assert code == 2 and "not a SQLite database" in err and err.count("\n") == 1
    assert other.read_bytes() == b"\xff\xd8\xff\xe0" + b"\x00" * 100
    code, _, err = run_cli(capsys, "report", "--ledger", str(tmp_path / "none.db"))
    assert code == 2 and "no ledger at" in err and not (tmp_path / "none.db").exists()
    code, _, err = run_cli(capsys, "report")
    assert code == 2 and "the ledger is switched off" in err  # AIFOOTPRINT_LEDGER=off in the tests


def test_ledger_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "l.db"
    fill(db, [entry(i) for i in range(3)]).close()
    code, out, _ = run_cli(capsys, "ledger", "--ledger", str(db), "--json")
    info = json.loads(out)
    assert code == 0 and info["entries"] == 3 and info["schema_version"] == 3
    code, out, _ = run_cli(capsys, "ledger", "--ledger", str(db))
    assert code == 0 and "entries  3" in out
