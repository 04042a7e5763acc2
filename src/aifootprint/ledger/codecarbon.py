"""Import CodeCarbon ``emissions.csv`` files into the ledger (``aifootprint import codecarbon FILE...``).

What CodeCarbon writes (checked in the sources of 2.3.4, 2.8.4 and 3.3.2, ``emissions_tracker.py`` and
``output_methods/``, and in its output reference, https://docs.codecarbon.io/latest/logging/output):

- one row per ``tracker.stop()`` (and per ``tracker.flush()``: with ``on_csv_write="append"``, the default,
  each flush appends a row with the run's totals so far, under the same ``run_id``);
- ``timestamp`` is ``datetime.now().strftime("%Y-%m-%dT%H:%M:%S")``: the **local time of the machine**
  when the row was written (the end of the run), without a UTC offset; ``duration`` is in seconds;
- ``energy_consumed`` (kWh) is the sum of ``cpu_energy``, ``gpu_energy`` and ``ram_energy``, each already
  **multiplied by** ``pue`` (``energy *= self._pue`` in ``_do_measurements``);
- headers differ between versions (1.x: ``experiment_id`` and no ``run_id``; 2.x adds ``run_id``,
  powers, hardware and ``pue``; 3.x adds ``water_consumed``, ``wue`` and utilisation columns) and the
  column order may vary; only the columns read here matter.

Each run becomes one ``Entry(kind="local", source="codecarbon", energy_method="measured")`` whose impacts
are recomputed with aifootprint's zone factors (CodeCarbon's own ``emissions`` figure is not used: one
ledger, one set of factors). Parsing is all-or-nothing: any problem raises an :class:`InputError` naming
the file, line and column, before anything is written.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Final

from .._labels import MAX_VALUE_CHARS, check_labels
from ..errors import AifootprintError, InputError
from .entry import Entry
from .when import iso_datetime

if TYPE_CHECKING:
    from .._estimator import Estimator
    from .._values import Impacts
    from ..catalog import Catalog
    from .store import Store

SOURCE: Final = "codecarbon"
REQUIRED: Final = ("timestamp", "duration", "energy_consumed")
#: Sub-national zone kinds a CodeCarbon ``region`` can name (US states, Canadian and Chinese provinces,
#: Nordic bidding zones).
_SUBNATIONAL: Final = frozenset({"us_state", "ca_province", "cn_province", "bidding_zone"})
_CN_SUFFIX: Final = re.compile(r"\s+(autonomous region|municipality|province|sheng|shi|zizhiqu)\Z")


@dataclass(frozen=True)
class ImportResult:
    """Entries parsed from CodeCarbon files; ``superseded`` counts the earlier ``flush()`` rows of runs
    whose final row was kept."""

    entries: list[Entry]
    rows: int
    superseded: int


@dataclass(frozen=True)
class ImportSummary:
    """What :func:`import_codecarbon` did: entries ``inserted``, ``already`` in the ledger, ``superseded``
    intermediate rows."""

    inserted: int
    already: int
    superseded: int


class _Where:
    __slots__ = ("file", "line")

    def __init__(self, file: str, line: int) -> None:
        self.file, self.line = file, line

    def error(self, column: str | None, problem: str) -> InputError:
        where = f"{self.file} line {self.line}"
        return InputError(where, f"column {column}: {problem}" if column else problem)


def _number(where: _Where, column: str, text: str, unit: str, *, minimum: float = 0.0) -> float:
    s = text.strip()
    if not s:
        raise where.error(
            column, f"is empty; CodeCarbon writes a number of {unit} there: fix or remove the row"
        )
    try:
        x = float(s)
    except ValueError:
        raise where.error(column, f"{text!r} is not a number of {unit}: fix or remove the row") from None
    if not math.isfinite(x) or x < minimum:
        raise where.error(
            column, f"{text!r} must be a finite number >= {minimum:g} {unit}: fix or remove the row"
        )
    return x


def _timestamp(where: _Where, text: str, tz: tzinfo | None) -> float:
    try:
        dt = iso_datetime(text)
    except ValueError:
        raise where.error(
            "timestamp", f"{text!r} is not a date-time such as 2026-01-31T14:05:09: fix or remove the row"
        ) from None
    if dt.tzinfo is None and tz is not None:
        dt = dt.replace(tzinfo=tz)
    return dt.timestamp()  # naive: local time of this machine (CodeCarbon writes its machine's local time)


class _Zones:
    """CodeCarbon location columns -> catalogue zone, cached per distinct location."""

    def __init__(self, catalog: Catalog, default: str | None) -> None:
        self.cat = catalog
        self.default = default
        self._sub: dict[tuple[str, str], str] = {}
        for z in catalog.zones():
            if z.kind in _SUBNATIONAL and z.parent:
                for key in (z.name, z.code, z.code.rpartition("-")[2]):
                    self._sub.setdefault((z.parent.upper(), _norm(key)), z.code)
        # location -> (zone, where it comes from) or (None, column, problem)
        self._cache: dict[tuple[str, str, str, str], tuple[str | None, str, str]] = {}

    def _code(self, code: str) -> str | None:
        try:
            return self.cat.zone(code).code
        except LookupError:
            return None

    def resolve(
        self, where: _Where, provider: str, cloud_region: str, country: str, region: str
    ) -> tuple[str, str]:
        key = (provider, cloud_region, country, region)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._find(*key)
        code, origin, problem = found
        if code is None:
            raise where.error(origin, problem)
        return code, origin

    def _find(
        self, provider: str, cloud_region: str, country: str, region: str
    ) -> tuple[str | None, str, str]:
        cloud = f"{provider.lower()}:{cloud_region.lower()}" if provider and cloud_region else ""
        code = self._code(cloud) if cloud else None
        if code is not None:
            return code, f"cloud_provider and cloud_region of the CodeCarbon row ({cloud})", ""
        if country:
            code = self._code(country)
            if code is None:
                return (
                    None,
                    "country_iso_code",
                    (
                        f"unknown zone {country!r}: CodeCarbon writes ISO 3166 alpha-3 codes (FRA, USA...); "
                        "fix the row, or add the zone to the config file's [zones] overlay"
                    ),
                )
            if region:
                name = _CN_SUFFIX.sub("", _norm(region)) if code == "CHN" else _norm(region)
                sub = self._sub.get((code, name))
                if sub is not None:
                    return sub, f"country_iso_code and region of the CodeCarbon row ({country}, {region})", ""
            return code, f"country_iso_code of the CodeCarbon row ({country})", ""
        if self.default is not None:
            return self.cat.zone(self.default).code, "--zone (the CodeCarbon row names no country)", ""
        if cloud:
            return (
                None,
                "cloud_region",
                (
                    f"cloud region {cloud!r} is not in the catalogue and the row names no country: "
                    "pass --zone CODE (see `aifootprint zones`)"
                ),
            )
        return (
            None,
            "country_iso_code",
            ("empty: the row names no location; pass --zone CODE (e.g. --zone FRA, see `aifootprint zones`)"),
        )


def _norm(s: str) -> str:
    return " ".join(s.lower().replace("_", " ").split())


def read_codecarbon(
    files: Sequence[str | os.PathLike[str]],
    *,
    zone: str | None = None,
    labels: Mapping[str, str] | None = None,
    tz: tzinfo | None = None,
    estimator: Estimator | None = None,
) -> ImportResult:
    """Parse CodeCarbon ``emissions.csv`` files into ledger entries (nothing is written).

    ``zone`` is used for rows that name no country (and no known cloud region); ``labels`` are added to
    every entry (after ``project``, ``experiment_id`` and ``task`` taken from the row); ``tz`` is the
    timezone of the machine that wrote the files (default: this machine's local time). Rows of the same run
    (``run_id``, and ``task_name`` in task files) are cumulative: the one with the longest duration is
    kept. Raises :class:`InputError` ("FILE line N: column X: problem") on the first bad row.
    """
    from .._state import default_estimator

    est = estimator or default_estimator()
    catalog = est.catalog
    if zone is not None:
        catalog.zone(zone)  # unknown -> UnknownZoneError now, not on some later row
    extra = {k: v for k, v in check_labels(dict(labels or {})).items() if v is not None}
    zones = _Zones(catalog, zone)
    kept: dict[str, tuple[float, Entry]] = {}
    rows = 0
    for f in files:
        for duration, entry in _read_file(Path(f), zones, extra, tz, est):
            rows += 1
            assert entry.external_id is not None
            prev = kept.get(entry.external_id)
            if prev is None or duration >= prev[0]:
                kept[entry.external_id] = (duration, entry)
    entries = sorted((e for _, e in kept.values()), key=lambda e: e.ts)
    return ImportResult(entries=entries, rows=rows, superseded=rows - len(entries))


def _read_file(
    path: Path, zones: _Zones, extra: Mapping[str, str], tz: tzinfo | None, est: Estimator
) -> Iterable[tuple[float, Entry]]:
    name = str(path)
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise AifootprintError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
            if header is None:
                raise InputError(f"{name} line 1", "the file is empty: expected CodeCarbon's header line")
            cols = {c.strip(): i for i, c in enumerate(header)}
            for c in REQUIRED:
                if c not in cols:
                    raise InputError(
                        f"{name} line 1",
                        f"column {c}: missing from the header: is this a CodeCarbon emissions.csv? "
                        f"(columns found: {', '.join(list(cols)[:8])}{', ...' if len(cols) > 8 else ''})",
                    )
            for raw in reader:
                if not raw or (len(raw) == 1 and not raw[0].strip()):
                    continue  # blank line
                where = _Where(name, reader.line_num)
                if len(raw) != len(header):
                    raise where.error(
                        None,
                        f"{len(raw)} fields where the header has {len(header)}: the row is cut or its "
                        "columns are shifted (some CodeCarbon versions dropped empty columns on append); "
                        "fix or remove the row",
                    )
                yield _entry(where, raw, cols, zones, extra, tz, est)
        except UnicodeDecodeError as exc:
            raise AifootprintError(
                f"{name}: not UTF-8 text ({exc.reason}): is this a CodeCarbon emissions.csv?"
            ) from None
        except csv.Error as exc:
            raise InputError(f"{name} line {reader.line_num}", f"not valid CSV ({exc})") from None


def _entry(
    where: _Where,
    raw: Sequence[str],
    cols: Mapping[str, int],
    zones: _Zones,
    extra: Mapping[str, str],
    tz: tzinfo | None,
    est: Estimator,
) -> tuple[float, Entry]:
    from .._energy import impacts_from_energy

    def get(column: str) -> str:
        i = cols.get(column)
        return "" if i is None else raw[i].strip()

    end = _timestamp(where, get("timestamp"), tz)
    duration = _number(where, "duration", get("duration"), "seconds")
    energy = _number(where, "energy_consumed", get("energy_consumed"), "kWh")
    pue = _number(where, "pue", get("pue"), "(PUE)", minimum=1.0) if get("pue") else 1.0
    zone, zone_origin = zones.resolve(
        where, get("cloud_provider"), get("cloud_region"), get("country_iso_code").upper(), get("region")
    )
    project, run_id, task = get("project_name"), get("run_id"), get("task_name")
    labels: dict[str, str] = {}
    for label, column in (
        ("project", "project_name"),
        ("experiment_id", "experiment_id"),
        ("task", "task_name"),
    ):
        value = get(column)
        if len(value) > MAX_VALUE_CHARS:
            raise where.error(column, f"longer than {MAX_VALUE_CHARS} characters (a label value): shorten it")
        if value:
            labels[label] = value
    labels.update(extra)
    if run_id:
        external_id = f"{run_id}/{task}" if task else run_id
    else:  # CodeCarbon 1.x files have no run_id: the row itself identifies the run
        external_id = "row-sha256:" + hashlib.sha256("\x1f".join(raw).encode("utf-8")).hexdigest()[:32]
    impacts: Impacts = impacts_from_energy(
        energy / pue,
        zone=zone,
        pue=pue,
        name=f"CodeCarbon run {project}" if project else "CodeCarbon run",
        energy_source=f"CodeCarbon energy_consumed / pue ({where.file} line {where.line})",
        pue_source="CodeCarbon pue column",
        zone_source=zone_origin,
        estimator=est,
    )
    entry = Entry(
        kind="local",
        ts=end - duration,
        source=SOURCE,
        impacts=impacts,
        operation=project or None,
        duration_s=duration,
        energy_method="measured",
        labels=labels,
        external_id=external_id,
    )
    return duration, entry


def import_codecarbon(
    store: Store,
    files: Sequence[str | os.PathLike[str]],
    *,
    zone: str | None = None,
    labels: Mapping[str, str] | None = None,
    tz: tzinfo | None = None,
) -> ImportSummary:
    """Parse every file, then write all runs in one transaction; runs already in the ledger (same
    ``external_id``) are skipped, so importing the same files twice adds nothing."""
    return write_runs(store, read_codecarbon(files, zone=zone, labels=labels, tz=tz))


def write_runs(store: Store, result: ImportResult) -> ImportSummary:
    """Write parsed runs in one transaction, skipping those already in the ledger."""
    from . import schema
    from .ledger import row_context

    ctx = row_context()
    rows = [schema.row_of(e, ctx) for e in result.entries]
    inserted = store.write(rows, ignore_duplicates=True)
    return ImportSummary(inserted=inserted, already=len(rows) - inserted, superseded=result.superseded)
