"""Data-level integrity tests of the shipped catalogue (reads the files directly)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

DATA = resources.files("aifootprint.data")
ROOT = Path(__file__).resolve().parents[2]
BUILDER = ROOT / "scripts" / "data" / "build_catalog.py"
REFERENCE = ROOT.parent / "shared" / "reference-data"

PROVIDERS = {
    "openai",
    "anthropic",
    "mistral",
    "cohere",
    "google",
    "huggingface",
    "groq",
    "together",
    "bedrock",
    "ollama",
    "deepseek",
    "xai",
}
GRID_KINDS = {
    "world",
    "country",
    "region",
    "us_state",
    "ca_province",
    "cn_province",
    "bidding_zone",
    "cloud_region",
}
REQUIRED_EQUIVALENTS = {
    "car_km",
    "phone_charge",
    "led_bulb_hour",
    "water_bottle",
    "google_search",
    "chatgpt_query",
}
HARDWARE_KEYS = {
    "A100-SXM4-40GB",
    "A100-SXM4-80GB",
    "A100-PCIE-40GB",
    "A100-PCIE-80GB",
    "H100-SXM",
    "H100-PCIE",
    "H100-NVL",
    "H200-SXM",
    "H200-NVL",
    "B200",
    "L4",
    "L40S",
    "A10",
    "A10G",
    "T4",
    "V100-SXM2-16GB",
    "V100-SXM2-32GB",
    "V100-PCIE-16GB",
    "V100S-PCIE-32GB",
    "MI300X",
    "MI325X",
}


def read_text(name: str) -> str:
    return DATA.joinpath(name).read_text(encoding="utf-8")


def read_rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(read_text(name))))


def f(s: str) -> float:
    return float(s)


def check_range(row: dict[str, Any], value: str, low: str, high: str, where: str) -> None:
    v, lo, hi = f(row[value]), f(row[low]), f(row[high])
    assert lo <= v <= hi, f"{where}: {low} <= {value} <= {high} violated ({lo}, {v}, {hi})"


@pytest.fixture(scope="module")
def models() -> list[dict[str, Any]]:
    doc = json.loads(read_text("models.json"))
    assert doc["schema_version"] == 1
    return doc["models"]


@pytest.fixture(scope="module")
def grid() -> list[dict[str, str]]:
    return read_rows("grid.csv")


# ------------------------------------------------------------------------------------------------ models


def test_model_keys_unique(models: list[dict[str, Any]]) -> None:
    keys = [(m["provider"], m["name"]) for m in models]
    assert len(keys) == len(set(keys))


def test_model_fields(models: list[dict[str, Any]]) -> None:
    for m in models:
        where = f"{m['provider']}/{m['name']}"
        assert m["provider"] in PROVIDERS, where
        assert m["architecture"] in {"dense", "moe"}, where
        assert m["precision"] in {"bf16", "fp8", "fp4"}, where
        assert isinstance(m["estimated"], bool) and isinstance(m["deprecated"], bool), where
        if m["estimated"]:
            assert m["estimate_note"], where
        assert m["sources"] and all(isinstance(s, str) and s.strip() for s in m["sources"]), where
        t_lo, t_hi = m["total_params_b"]
        a_lo, a_hi = m["active_params_b"]
        assert 0 < t_lo <= t_hi, where
        assert 0 < a_lo <= a_hi, where
        assert a_lo <= t_lo and a_hi <= t_hi, where
        for k in ("tokens_per_s", "ttft_s"):
            assert m[k] is None or m[k] > 0, where


def test_aliases_unique_and_no_collision(models: list[dict[str, Any]]) -> None:
    names: dict[str, set[str]] = {}
    for m in models:
        names.setdefault(m["provider"], set()).add(m["name"])
    seen: set[tuple[str, str]] = set()
    for m in models:
        assert len(m["aliases"]) == len(set(m["aliases"]))
        for a in m["aliases"]:
            assert a and a not in names[m["provider"]], f"{m['provider']}/{a} collides with a model name"
            assert (m["provider"], a) not in seen, f"{m['provider']}/{a} used twice"
            seen.add((m["provider"], a))


@pytest.mark.parametrize(
    ("provider", "name"),
    [
        ("openai", "gpt-4o"),
        ("openai", "gpt-4o-mini"),
        ("openai", "gpt-5"),
        ("anthropic", "claude-sonnet-4-5"),
        ("anthropic", "claude-3-5-sonnet-latest"),
        ("mistral", "mistral-large-latest"),
        ("google", "gemini-2.5-flash"),
        ("cohere", "command-a-03-2025"),
        ("huggingface", "meta-llama/Llama-3.1-8B-Instruct"),
        ("groq", "llama-3.3-70b-versatile"),
        ("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo"),
        ("bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("ollama", "llama3.1:8b"),
        ("ollama", "gpt-oss:20b"),
        ("ollama", "mistral"),
        ("deepseek", "deepseek-chat"),
        ("deepseek", "deepseek-reasoner"),
    ],
)
def test_common_ids_resolve(models: list[dict[str, Any]], provider: str, name: str) -> None:
    hits = [m for m in models if m["provider"] == provider and (m["name"] == name or name in m["aliases"])]
    assert len(hits) == 1, f"{provider}/{name}"


def test_precision_rules(models: list[dict[str, Any]]) -> None:
    by = {(m["provider"], m["name"]): m for m in models}
    assert by[("huggingface", "openai/gpt-oss-120b")]["precision"] == "fp4"
    assert by[("together", "meta-llama/Llama-3.3-70B-Instruct-Turbo")]["precision"] == "fp8"
    assert by[("openai", "gpt-4o-2024-08-06")]["precision"] == "bf16"


# ------------------------------------------------------------------------------------------------ grid


def test_grid(grid: list[dict[str, str]]) -> None:
    zones = [r["zone"] for r in grid]
    assert len(zones) == len(set(zones))
    assert "WOR" in zones and "USA" in zones and "FRA" in zones
    by = {r["zone"]: r for r in grid}
    for r in grid:
        z = r["zone"]
        assert r["kind"] in GRID_KINDS, z
        assert r["gwp_basis"] in {"lifecycle", "combustion", "co2_combustion"}, z
        for col in ("gwp_kgco2eq_per_kwh", "gwp_low", "gwp_high"):
            assert 0 <= f(r[col]) <= 1.5, f"{z} {col}"
        check_range(r, "gwp_kgco2eq_per_kwh", "gwp_low", "gwp_high", z)
        assert 0 < f(r["adpe_kgsbeq_per_kwh"]) < 1e-5, z
        assert 0 < f(r["pe_mj_per_kwh"]) < 50, z
        assert 0 <= f(r["water_l_per_kwh"]) < 50, z
        for col in ("gwp_source", "adpe_source", "pe_source", "water_source"):
            assert r[col].strip(), f"{z} {col}"
        if r["kind"] in {"world", "country", "region"}:
            assert r["parent"] == "", z
        else:
            assert r["parent"] in by and by[r["parent"]]["kind"] == "country", z
    for z in (
        "US-VA",
        "CA-QC",
        "CN-BJ",
        "SE1",
        "NO5",
        "aws:us-east-1",
        "gcp:europe-west4",
        "azure:swedencentral",
    ):
        assert z in by, z


# ------------------------------------------------------------------------------------------------ datacenters


def test_datacenters(models: list[dict[str, Any]], grid: list[dict[str, str]]) -> None:
    rows = read_rows("datacenters.csv")
    zones = {r["zone"] for r in grid}
    keys = [(r["provider"], r["region"]) for r in rows]
    assert len(keys) == len(set(keys))
    for r in rows:
        where = f"{r['provider']}/{r['region']}"
        assert r["zone"] in zones, where
        assert r["source"].strip(), where
        for col in ("pue", "pue_low", "pue_high"):
            assert 1.0 <= f(r[col]) <= 2.0, where
        for col in ("wue_l_per_kwh", "wue_low", "wue_high"):
            assert 0.0 <= f(r[col]) <= 10.0, where
        check_range(r, "pue", "pue_low", "pue_high", where)
        check_range(r, "wue_l_per_kwh", "wue_low", "wue_high", where)
    defaults = {r["provider"] for r in rows if r["region"] == ""}
    for p in {m["provider"] for m in models} | {"azure-openai"}:
        assert p in defaults, f"no default datacenter row for {p}"


# ------------------------------------------------------------------------------------------------ hardware


def test_hardware() -> None:
    rows = read_rows("hardware.csv")
    keys = {r["key"] for r in rows}
    assert keys == HARDWARE_KEYS
    seen: dict[str, str] = {k.lower(): k for k in keys}
    for r in rows:
        k = r["key"]
        assert f(r["memory_gb"]) > 0 and f(r["tdp_w"]) > 0, k
        assert r["spec_source"].strip() and r["embodied_source"].strip(), k
        for ind in ("gwp", "adpe", "pe"):
            main = {"gwp": "embodied_gwp_kgco2eq", "adpe": "embodied_adpe_kgsbeq", "pe": "embodied_pe_mj"}[
                ind
            ]
            assert f(r[main]) > 0, k
            check_range(r, main, f"embodied_{ind}_low", f"embodied_{ind}_high", k)
        for col in ("memory_bandwidth_tb_s", "tflops_bf16_dense", "tflops_fp8_dense", "tflops_fp4_dense"):
            assert r[col] == "" or f(r[col]) > 0, k
        for a in filter(None, r["aliases"].split(";")):
            assert a.lower() not in seen, f"alias {a} of {k} not unique"
            seen[a.lower()] = k
    assert seen["h100"] == "H100-SXM" and seen["a100"] == "A100-SXM4-80GB" and seen["h200"] == "H200-SXM"
    assert seen["a100-40gb"] == "A100-SXM4-40GB"


def test_servers() -> None:
    rows = read_rows("servers.csv")
    hw = {r["key"] for r in read_rows("hardware.csv")}
    keys = {r["key"] for r in rows}
    assert {"hgx-8gpu", "a100-8gpu", "pcie-8gpu"} <= keys
    for r in rows:
        k = r["key"]
        assert r["gpu_key"] in hw, k
        assert int(r["gpu_count"]) >= 1 and f(r["lifetime_years"]) > 0, k
        assert r["source"].strip(), k
        check_range(r, "host_power_w", "host_power_w_low", "host_power_w_high", k)
        for ind, main in (
            ("gwp", "embodied_gwp_kgco2eq"),
            ("adpe", "embodied_adpe_kgsbeq"),
            ("pe", "embodied_pe_mj"),
        ):
            assert f(r[main]) > 0, k
            check_range(r, main, f"embodied_{ind}_low", f"embodied_{ind}_high", k)


# -------------------------------------------------------------------------------- equivalents, defaults


def test_equivalents() -> None:
    rows = read_rows("equivalents.csv")
    keys = [r["key"] for r in rows]
    assert len(keys) == len(set(keys))
    assert set(keys) >= REQUIRED_EQUIVALENTS
    for r in rows:
        assert r["quantity"] in {"gwp", "energy", "water"}, r["key"]
        assert f(r["value"]) > 0 and r["unit"] and r["source"].strip() and r["status"].strip(), r["key"]
    by = {r["key"]: r for r in rows}
    assert by["car_km"]["unit"] == "kgCO2eq/km" and 0.05 < f(by["car_km"]["value"]) < 0.5
    assert by["phone_charge"]["unit"] == "kWh" and by["chatgpt_query"]["unit"] == "kWh"
    assert by["water_bottle"]["unit"] == "L"


def test_defaults() -> None:
    d = json.loads(read_text("defaults.json"))
    hw = {r["key"] for r in read_rows("hardware.csv")}
    servers = {r["key"] for r in read_rows("servers.csv")}
    zones = {r["zone"] for r in read_rows("grid.csv")}
    numeric = (
        "batch_size",
        "memory_overhead",
        "gpus_per_server",
        "hardware_lifetime_years",
        "idle_capacity_factor",
        "pue_industry",
        "wue_industry",
    )
    for k in numeric:
        e = d[k]
        assert e["low"] <= e["value"] <= e["high"], k
        assert e["source"].strip() and "unit" in e, k
    assert 1.0 <= d["pue_industry"]["value"] <= 2.0
    assert d["gpu"]["value"] in hw
    assert d["server"]["value"] in servers
    assert d["zone"]["value"] in zones
    assert d["precision"]["value"] in {"bf16", "fp8", "fp4"}


# -------------------------------------------------------------------------------- manifest, build


def test_manifest_hashes() -> None:
    man = json.loads(read_text("MANIFEST.json"))
    assert man["schema_version"] == 1 and man["data_version"]
    expected = {
        "models.json",
        "grid.csv",
        "datacenters.csv",
        "hardware.csv",
        "servers.csv",
        "equivalents.csv",
        "defaults.json",
    }
    assert expected <= set(man["files"])
    for name, digest in man["files"].items():
        assert hashlib.sha256(DATA.joinpath(name).read_bytes()).hexdigest() == digest, name


@pytest.mark.skipif(not REFERENCE.exists(), reason="../shared/reference-data not available")
def test_builder_check_passes() -> None:
    proc = subprocess.run(
        [sys.executable, str(BUILDER), "--check"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
