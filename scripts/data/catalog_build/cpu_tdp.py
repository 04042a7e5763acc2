"""cpu_tdp.csv: CodeCarbon's CPU TDP table with canonical names."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .common import CODECARBON, BuildError, num, read_csv

#: Short source codes of cpu_tdp.csv (one value for thousands of rows: a code keeps the file small). The
#: runtime (``aifootprint.local.estimate.TDP_SOURCES``) and docs/data.md spell them out.
CPU_SOURCE_CODES = {
    "cc": f"{CODECARBON} data/hardware/cpu_power.csv",
    "cc-max": f"{CODECARBON} data/hardware/cpu_power.csv, largest of its rows for this name",
}

# Name canonicalisation of cpu_tdp.csv: the form the runtime reduces CPU brand strings to, so that a lookup is
# one exact (case-insensitive) search in the file. tests/local/test_estimate.py checks that every shipped
# name is (case-insensitively) a fixed point of the runtime normalisation
# (aifootprint.local.estimate.normalise_cpu_name).
_CPU_DROP = re.compile(r"\((?:R|TM)\)|[\u00ae\u2122\u200b]|\bCPU\b|\bProcessor\b|\(OEM Only\)", re.IGNORECASE)


def cpu_canonical(name: str) -> str:
    s = " ".join(_CPU_DROP.sub(" ", name.replace("\u00a0", " ")).split())
    return s.replace(" Microsoft Surface Edition", "")


def build_cpu_tdp(ref: Path) -> list[dict[str, Any]]:
    """CodeCarbon's CPU TDP table (W per package) with canonical names.

    Rows whose names become equal (case-insensitively) are merged: same TDP -> one row; different TDP -> the
    largest, with source ``cc-max``. Rows without a usable TDP (garbled like ``27.29.5``, or 0) are skipped.
    """
    best: dict[str, dict[str, Any]] = {}
    for r in read_csv(ref / "cpu_tdp_codecarbon.csv"):
        name = cpu_canonical(r["cpu_name"])
        try:
            tdp = num(float(r["tdp_w"]))
        except ValueError:
            continue
        if not name or not tdp > 0:
            continue
        row = {"name": name, "tdp_w": int(tdp) if tdp.is_integer() else tdp, "source": "cc"}
        key = name.lower()
        old = best.get(key)
        if old is None:
            best[key] = row
        elif old["tdp_w"] != row["tdp_w"]:
            keep = max(old, row, key=lambda x: (x["tdp_w"], x["name"]))
            best[key] = {**keep, "source": "cc-max"}
        else:
            same = min(old, row, key=lambda x: x["name"])  # deterministic whatever the input order
            best[key] = {**same, "source": old["source"]}
    if len(best) < 4000 or any(r["source"] not in CPU_SOURCE_CODES for r in best.values()):
        raise BuildError(f"cpu_tdp: {len(best)} rows, or a source code without a meaning")
    return [best[k] for k in sorted(best)]


CPU_TDP_HEADER = ["name", "tdp_w", "source"]
