"""estimate_many(): every row equals the scalar estimate, for every table kind; errors name column and row."""

from __future__ import annotations

import math
from typing import Any

import pytest

import aifootprint as af

np = pytest.importorskip("numpy")

MODELS = [
    "openai/gpt-4o-mini",
    "anthropic/claude-sonnet-4-5",
    "mistral/mistral-small-latest",
    "openai/gpt-4o",
]
ZONES = [None, "FRA", "USA", "aws:eu-west-3"]
COLUMNS = ("energy_kwh", "gwp_kgco2eq", "adpe_kgsbeq", "pe_mj", "water_l")
ATTRS = ("energy", "gwp", "adpe", "pe", "water")


def make_rows(n: int = 40, seed: int = 1) -> dict[str, list[Any]]:
    rng = np.random.default_rng(seed)
    lat = rng.uniform(0.5, 30, n)
    lat[rng.uniform(size=n) < 0.5] = np.nan
    return {
        "model": [MODELS[i % len(MODELS)] for i in range(n)],
        "output_tokens": rng.integers(0, 3000, n).tolist(),
        "input_tokens": rng.integers(0, 50_000, n).tolist(),
        "latency_s": lat.tolist(),
        "zone": [ZONES[(i // 3) % len(ZONES)] for i in range(n)],
    }


def assert_rows_equal_scalar(rows: dict[str, list[Any]], get: Any) -> None:
    for i in range(len(rows["model"])):
        lat = rows["latency_s"][i]
        imp = af.estimate(
            rows["model"][i],
            output_tokens=rows["output_tokens"][i],
            input_tokens=rows["input_tokens"][i],
            latency_s=None if math.isnan(lat) else lat,
            zone=rows["zone"][i],
        )
        for col, attr in zip(COLUMNS, ATTRS, strict=True):
            q = getattr(imp, attr)
            assert get(col, i) == q.value, (i, col)
            assert get(col + "_low", i) == q.low, (i, col)
            assert get(col + "_high", i) == q.high, (i, col)
        assert set(filter(None, get("warnings", i).split(","))) == set(imp.warnings)


def test_dict_of_arrays() -> None:
    rows = make_rows()
    table = {k: np.asarray(v, dtype=object if k in ("model", "zone") else None) for k, v in rows.items()}
    out = af.estimate_many(table)
    assert set(out) >= {c + s for c in COLUMNS for s in ("", "_low", "_high")}
    assert_rows_equal_scalar(rows, lambda c, i: out[c][i])


def test_pandas() -> None:
    pd = pytest.importorskip("pandas")
    rows = make_rows()
    df = pd.DataFrame(rows)
    out = af.estimate_many(df)
    assert isinstance(out, pd.DataFrame) and len(out) == len(df)
    assert list(out.columns[: len(df.columns)]) == list(df.columns)
    assert_rows_equal_scalar(rows, lambda c, i: out[c].iloc[i])
    cat = df.assign(model=df["model"].astype("category"))
    out2 = af.estimate_many(cat)
    assert (out2["gwp_kgco2eq"].to_numpy() == out["gwp_kgco2eq"].to_numpy()).all()


def test_polars() -> None:
    pl = pytest.importorskip("polars")
    rows = make_rows()
    df = pl.DataFrame(rows, strict=False)
    out = af.estimate_many(df)
    assert isinstance(out, pl.DataFrame)
    assert_rows_equal_scalar(rows, lambda c, i: out[c][i])


def test_arrow() -> None:
    pa = pytest.importorskip("pyarrow")
    rows = make_rows()
    table = pa.table(rows)
    out = af.estimate_many(table)
    assert isinstance(out, pa.Table)
    assert_rows_equal_scalar(rows, lambda c, i: out.column(c)[i].as_py())


def test_large_batch_matches_scalar_spot_checks() -> None:
    n = 200_000
    rng = np.random.default_rng(7)
    table = {
        "model": np.asarray([MODELS[i] for i in rng.integers(0, len(MODELS), n)], dtype=object),
        "output_tokens": rng.integers(1, 2000, n),
        "input_tokens": rng.integers(0, 8000, n),
    }
    out = af.estimate_many(table, zone="FRA")
    for i in (0, 1, 65_535, 65_536, n - 1):
        imp = af.estimate(
            table["model"][i],
            output_tokens=int(table["output_tokens"][i]),
            input_tokens=int(table["input_tokens"][i]),
            zone="FRA",
        )
        assert out["gwp_kgco2eq"][i] == imp.gwp.value
        assert out["water_l_high"][i] == imp.water.high


def test_keyword_arguments_apply_to_every_row() -> None:
    out = af.estimate_many(
        {"model": ["openai/gpt-4o-mini"], "output_tokens": [400]},
        boundary="gpu",
        zone="SWE",
        batch_size=(32, 128),
    )
    imp = af.estimate(
        "openai/gpt-4o-mini", output_tokens=400, boundary="gpu", zone="SWE", batch_size=(32, 128)
    )
    assert out["energy_kwh_low"][0] == imp.energy.low and out["energy_kwh_high"][0] == imp.energy.high


def test_requests_column_multiplies() -> None:
    out = af.estimate_many(
        {"model": ["openai/gpt-4o-mini"] * 2, "output_tokens": [400, 400], "requests": [1, 1000]}
    )
    assert out["gwp_kgco2eq"][1] == pytest.approx(1000 * out["gwp_kgco2eq"][0], rel=1e-12)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"output_tokens": [1]}, "model: required column is missing"),
        ({"model": ["openai/gpt-4o-mini"]}, "output_tokens: required column is missing"),
        (
            {"model": ["openai/gpt-4o-mini", "openai/gpt-4o-mini"], "output_tokens": [1, -3]},
            "output_tokens: row 1",
        ),
        ({"model": ["openai/gpt-4o-mini"], "output_tokens": [1.5]}, "output_tokens: row 0"),
        ({"model": ["openai/gpt-4o-mini"], "output_tokens": [float("nan")]}, "output_tokens: row 0"),
        (
            {"model": ["openai/gpt-4o-mini"], "output_tokens": [1], "input_tokens": [-1]},
            "input_tokens: row 0",
        ),
        ({"model": ["", "x"], "output_tokens": [1, 2]}, "model: row 0"),
        ({"model": ["openai/gpt-4o-mini"], "output_tokens": [1], "latency_s": [-2.0]}, "latency_s: row 0"),
        ({"model": ["openai/gpt-4o-mini"], "output_tokens": ["many"]}, "output_tokens"),
    ],
)
def test_bad_tables_name_column_and_row(table: dict[str, list[Any]], message: str) -> None:
    with pytest.raises(ValueError) as err:
        af.estimate_many(table)
    assert message in str(err.value)


def test_unknown_model_in_batch_raises_with_suggestions() -> None:
    with pytest.raises(af.UnknownModelError, match="close matches"):
        af.estimate_many({"model": ["openai/gpt-4o-mni"], "output_tokens": [1]})


def test_rejects_other_objects() -> None:
    with pytest.raises(ValueError, match="table"):
        af.estimate_many([1, 2, 3])
