"""Shared by every table module: paths, BuildError, CSV/JSON writers, number helpers, source constants."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SCRIPTS_DATA = Path(__file__).resolve().parents[1]  # scripts/data
ROOT = SCRIPTS_DATA.parents[1]
CURATED = SCRIPTS_DATA / "curated"
PERF_FILE = SCRIPTS_DATA / "accelerator_performance.csv"
OUT_DIR = ROOT / "src" / "aifootprint" / "data"
DEFAULT_REF = ROOT.parent / "shared" / "reference-data"

ECOLOGITS = "EcoLogits 0.11.3 (MPL-2.0)"
ECOLOGITS_OLD = "EcoLogits repo mlco2/ecologits@5be90da v0.9.3 (MPL-2.0)"
BOAVIZTA = "BoaviztAPI 2.5.0 (AGPL-3.0)"
CODECARBON = "CodeCarbon 3.3.2 (MIT)"


class BuildError(Exception):
    """Raised when the inputs are inconsistent."""


# ---------------------------------------------------------------------------------------------- helpers


def num(x: float | str) -> float:
    """Round to 6 significant digits (stable float formatting)."""
    v = float(x)
    return float(f"{v:.6g}")


def fmt(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return repr(num(x))
    return str(x)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_csv(header: list[str], rows: Iterable[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([fmt(r.get(h)) for h in header])
    return buf.getvalue().encode("utf-8")


def write_json(obj: Any) -> bytes:
    return (json.dumps(obj, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def fnum(s: str) -> float | None:
    s = (s or "").strip()
    if not s:
        return None
    return float(s)


def span(value: float, others: Iterable[float | None]) -> tuple[float, float, float]:
    vals = [value] + [o for o in others if o is not None]
    return num(value), num(min(vals)), num(max(vals))
