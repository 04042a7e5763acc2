"""Vectorised estimation over tables: pandas / polars DataFrames, Arrow tables, or dicts of arrays.

Rows are grouped by (model, zone); each group's plan is compiled once by the scalar machinery, then the
plan's corner coefficients are gathered per row and evaluated with the very function the scalar path uses
(:func:`aifootprint.engine.plan.evaluate`), so every row equals ``estimate()`` for the same inputs.
Requires NumPy (``pip install 'aifootprint[batch]'``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ._estimator import Estimator
from ._interval import RangeLike
from ._layout import BOUNDS, HIGH, LOW, VALUE, Coefficients
from ._state import default_estimator
from .engine.plan import evaluate, latency_s
from .errors import InputError

#: (output column, indicator) of the totals added to the table.
OUTPUT_COLUMNS = (
    ("energy_kwh", "energy"),
    ("gwp_kgco2eq", "gwp"),
    ("adpe_kgsbeq", "adpe"),
    ("pe_mj", "pe"),
    ("water_l", "water"),
)
#: Column name suffix of each bound.
_SUFFIXES = {"low": "_low", "value": "", "high": "_high"}
_CHUNK = 1 << 16


def _numpy() -> Any:
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is in the test extra
        raise ImportError("estimate_many needs NumPy: pip install 'aifootprint[batch]'") from None
    return np


def _kind(table: object) -> str:
    mod = type(table).__module__.split(".")[0]
    if mod == "pandas" and hasattr(table, "columns"):
        return "pandas"
    if mod == "polars" and hasattr(table, "columns"):
        return "polars"
    if mod == "pyarrow" and hasattr(table, "column_names"):
        return "arrow"
    if isinstance(table, Mapping):
        return "dict"
    raise InputError(
        "table",
        "expected a pandas or polars DataFrame, a pyarrow Table or a dict of arrays, "
        f"got {type(table).__name__}",
    )


def _columns(table: Any, kind: str) -> list[str]:
    if kind == "arrow":
        return list(table.column_names)
    if kind == "dict":
        return list(table.keys())
    return [str(c) for c in table.columns]


def _factorize(table: Any, kind: str, col: str, n: int) -> tuple[Any, list[object]]:
    """Integer codes per row and the distinct values (missing values get their own code, value None)."""
    np = _numpy()
    if kind == "arrow":
        arr = table.column(col).combine_chunks()
        if arr.type.__class__.__name__ != "DictionaryType":
            arr = arr.dictionary_encode()
        idx = arr.indices.to_numpy(zero_copy_only=False)
        uniques: list[object] = list(arr.dictionary.to_pylist())
        if arr.null_count:
            idx = np.where(np.asarray(arr.is_null()), len(uniques), idx)
            uniques.append(None)
        return idx.astype(np.int64, copy=False), uniques
    if kind == "pandas":
        s = table[col]
        if str(s.dtype) == "category":
            codes = s.cat.codes.to_numpy().astype(np.int64)
            uniques = list(s.cat.categories)
        else:
            import pandas as pd

            codes, cats = pd.factorize(s, use_na_sentinel=True)
            uniques = list(cats)
        if (codes < 0).any():
            codes = np.where(codes < 0, len(uniques), codes)
            uniques.append(None)
        return codes, uniques
    values = table[col].to_numpy() if kind == "polars" else np.asarray(table[col], dtype=object)
    if values.shape != (n,):
        raise InputError(col, f"expected {n} values, got shape {values.shape}")
    try:  # hash-based factorisation in C when pandas is there
        import pandas as pd
    except ImportError:
        pass
    else:
        codes, cats = pd.factorize(values, use_na_sentinel=True)
        uniques = [_clean(v) for v in cats]
        if (codes < 0).any():
            codes = np.where(codes < 0, len(uniques), codes)
            uniques.append(None)
        return codes.astype(np.int64, copy=False), uniques
    index: dict[object, int] = {}
    codes = np.fromiter((index.setdefault(_clean(v), len(index)) for v in values), dtype=np.int64, count=n)
    return codes, list(index)


def _dense_groups(group: Any, size: int) -> tuple[Any, Any]:
    """Distinct group keys (sorted) and each row's index into them, in O(rows) when keys are dense."""
    np = _numpy()
    if size > 4 * len(group) + 1024:
        uniq, codes = np.unique(group, return_inverse=True)
        return uniq, codes.reshape(-1)
    present = np.zeros(size, dtype=bool)
    present[group] = True
    uniq = np.flatnonzero(present)
    remap = np.zeros(size, dtype=np.int64)
    remap[uniq] = np.arange(len(uniq))
    return uniq, remap.take(group)


def _clean(v: object) -> object:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return v


def _numeric(table: Any, kind: str, col: str, n: int) -> Any:
    np = _numpy()
    if kind == "arrow":
        arr = table.column(col).to_numpy()
    elif kind in ("pandas", "polars"):
        arr = table[col].to_numpy()
    else:
        arr = np.asarray(table[col])
    if arr.shape != (n,):
        raise InputError(col, f"expected {n} values, got shape {arr.shape}")
    try:
        return arr.astype(np.float64, copy=False)
    except (TypeError, ValueError):
        raise InputError(col, f"must hold numbers, got dtype {arr.dtype}") from None


def _check_tokens(col: str, arr: Any) -> None:
    np = _numpy()
    bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.floor(arr))
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(col, f"row {i}: must be a whole number of tokens >= 0, got {arr[i]!r}")


def estimate_many(
    table: Any,
    *,
    zone: str | None = None,
    region: str | None = None,
    boundary: str | None = None,
    gpu: str | None = None,
    batch_size: RangeLike | None = None,
    pue: RangeLike | None = None,
    wue: RangeLike | None = None,
    provider: str | None = None,
    estimator: Estimator | None = None,
) -> Any:
    """Estimate impacts for every row of ``table`` and return the same kind of table with added columns.

    Input columns: ``model``, ``output_tokens`` (required); ``input_tokens``, ``latency_s`` (NaN: unknown),
    ``zone`` (empty: the ``zone`` argument or the default), ``requests`` (multiplier) (optional).
    Added columns: ``energy_kwh``, ``gwp_kgco2eq``, ``adpe_kgsbeq``, ``pe_mj``, ``water_l``, each with
    ``_low`` and ``_high`` companions, and ``warnings`` (comma-separated codes).
    Keyword arguments apply to every row, as in :func:`aifootprint.estimate`.
    """
    np = _numpy()
    est = estimator or default_estimator()
    kind = _kind(table)
    cols = _columns(table, kind)
    for required in ("model", "output_tokens"):
        if required not in cols:
            raise InputError(required, f"required column is missing (columns: {', '.join(cols)})")
    n = len(table) if kind != "dict" else len(np.asarray(table["output_tokens"]))
    out_t = _numeric(table, kind, "output_tokens", n)
    _check_tokens("output_tokens", out_t)
    in_t = _numeric(table, kind, "input_tokens", n) if "input_tokens" in cols else np.zeros(n)
    _check_tokens("input_tokens", in_t)
    lat = _numeric(table, kind, "latency_s", n) if "latency_s" in cols else None
    if lat is not None and ((lat < 0) | np.isinf(lat)).any():
        i = int(np.argmax((lat < 0) | np.isinf(lat)))
        raise InputError(
            "latency_s", f"row {i}: must be a finite number of seconds >= 0 or empty, got {lat[i]!r}"
        )
    req = _numeric(table, kind, "requests", n) if "requests" in cols else None
    if req is not None and (~np.isfinite(req) | (req < 0)).any():
        i = int(np.argmax(~np.isfinite(req) | (req < 0)))
        raise InputError("requests", f"row {i}: must be a finite number >= 0, got {req[i]!r}")

    m_codes, m_values = _factorize(table, kind, "model", n)
    if "zone" in cols:
        z_codes, z_values = _factorize(table, kind, "zone", n)
    else:
        z_codes, z_values = np.zeros(n, dtype=np.int64), [None]
    group = m_codes * len(z_values) + z_codes
    uniq, codes = _dense_groups(group, len(m_values) * len(z_values))

    corners = (LOW, VALUE, HIGH)
    n_coef = len(Coefficients._fields)
    table_coef = np.empty((len(corners), n_coef, len(uniq)))  # corner x coefficient x group
    warnings: list[str] = []
    for g, key in enumerate(uniq.tolist()):
        model = m_values[key // len(z_values)]
        row_zone = z_values[key % len(z_values)]
        if not isinstance(model, str) or not model.strip():
            i = int(np.argmax(group == key))
            raise InputError("model", f"row {i}: must be a non-empty model id, got {model!r}")
        z = row_zone if isinstance(row_zone, str) and row_zone.strip() else zone
        plan = est.plan(
            model,
            zone=z,
            region=region,
            boundary=boundary,
            gpu=gpu,
            batch_size=batch_size,
            pue=pue,
            wue=wue,
            provider=provider,
        )
        for k in corners:
            table_coef[k, :, g] = plan.corners[k]
        w = plan.warnings
        if plan.latency_source == "modelled":
            w = (*w, "latency-modelled")  # only where latency is missing; refined per row below
        warnings.append(",".join(w))

    # a coefficient equal in every group stays a scalar (no per-row gather)
    per_corner = [[float(row[0]) if (row == row[0]).all() else row for row in table_coef[k]] for k in corners]
    results = {
        f"{name}{suffix}": np.empty(n) for name, _ in OUTPUT_COLUMNS for suffix in ("", "_low", "_high")
    }
    for start in range(0, n, _CHUNK):
        sl = slice(start, min(n, start + _CHUNK))
        c_idx = codes[sl]
        i_t, o_t = in_t[sl], out_t[sl]
        for k in corners:
            coef = Coefficients._make(c if isinstance(c, float) else c.take(c_idx) for c in per_corner[k])
            modelled = latency_s(coef, i_t, o_t)
            if lat is None:
                used = modelled
            else:
                lat_sl = lat[sl]
                used = np.where(np.isnan(lat_sl), modelled, lat_sl)
            e, g_, a, p, w_, eg, ea, ep = evaluate(coef, i_t, o_t, used)
            if req is not None:
                r = req[sl]
                e, g_, a, p, w_, eg, ea, ep = (x * r for x in (e, g_, a, p, w_, eg, ea, ep))
            # energy and water have no embodied share: the scalar path adds 0.0, a no-op for x >= 0
            totals = {"energy": e, "gwp": g_ + eg, "adpe": a + ea, "pe": p + ep, "water": w_}
            for name, indicator in OUTPUT_COLUMNS:
                results[name + _SUFFIXES[BOUNDS[k]]][sl] = totals[indicator]
    # warnings: one code list per group; rows with a measured latency drop "latency-modelled"
    labels = warnings
    warn_codes = codes
    if lat is not None and any("latency-modelled" in w for w in warnings):
        labels = warnings + [_strip_latency(w) for w in warnings]
        warn_codes = np.where(np.isnan(lat), codes, codes + len(warnings))
    return _attach(table, kind, results, warn_codes, labels)


def _strip_latency(w: str) -> str:
    return ",".join(c for c in w.split(",") if c and c != "latency-modelled")


def _attach(table: Any, kind: str, results: dict[str, Any], warn_codes: Any, labels: list[str]) -> Any:
    """Append the result columns; ``warnings`` is dictionary-encoded (categorical) where the kind has it."""
    np = _numpy()
    if kind == "pandas":
        import pandas as pd

        extra = pd.DataFrame(results, index=table.index, copy=False)
        extra["warnings"] = pd.Categorical.from_codes(
            warn_codes, categories=pd.Index(_unique_labels(labels, warn_codes))
        )
        return pd.concat([table, extra], axis=1)
    if kind == "polars":
        import polars as pl

        cats = _unique_labels(labels, warn_codes)
        warn = pl.Series("warnings", cats, dtype=pl.String).gather(warn_codes).cast(pl.Categorical)
        return table.with_columns(*(pl.Series(k, v) for k, v in results.items()), warn)
    if kind == "arrow":
        import pyarrow as pa

        for k, v in results.items():
            table = table.append_column(k, pa.array(v))
        cats = _unique_labels(labels, warn_codes)
        warn = pa.DictionaryArray.from_arrays(
            pa.array(warn_codes.astype(np.int32)), pa.array(cats, pa.string())
        )
        return table.append_column("warnings", warn)
    out = dict(table)
    out.update(results)
    out["warnings"] = np.asarray(labels, dtype=object).take(warn_codes)
    return out


def _unique_labels(labels: list[str], codes: Any) -> list[str]:
    """Categories must be unique: re-map duplicate labels onto their first occurrence, in place."""
    first: dict[str, int] = {}
    remap = [first.setdefault(label, len(first)) for label in labels]
    if len(first) != len(labels):
        codes[...] = _numpy().asarray(remap).take(codes)
    return list(first)
