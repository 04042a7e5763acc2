"""The public estimate() API: results, ranges, warnings, explain, lookups and errors."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import aifootprint as af
from aifootprint._values import INDICATORS
from aifootprint.catalog import load_catalog
from aifootprint.engine import formulas
from aifootprint.engine.energy_model import EnergyCoefficients, gpu_energy_terms_j


def check_quantities(imp: af.Impacts) -> None:
    for name in INDICATORS:
        total, usage, embodied = getattr(imp, name), getattr(imp.usage, name), getattr(imp.embodied, name)
        assert total.low <= total.value <= total.high, name
        assert total.low >= 0
        for attr in ("low", "value", "high"):
            assert getattr(total, attr) == pytest.approx(
                getattr(usage, attr) + getattr(embodied, attr), rel=1e-12
            )
    assert imp.energy.unit == "kWh" and imp.gwp.unit == "kgCO2eq" and imp.adpe.unit == "kgSbeq"
    assert imp.pe.unit == "MJ" and imp.water.unit == "L"


def test_issue_examples() -> None:
    imp = af.estimate("openai/gpt-4o-mini", output_tokens=400)
    check_quantities(imp)
    assert imp.energy.value > 0 and imp.gwp.value > 0 and imp.water.value > 0
    assert imp.embodied.gwp.value > 0 and imp.embodied.energy.value == 0
    assert imp.boundary == "datacenter"
    assert "zone-defaulted" in imp.warnings and "model-size-estimated" in imp.warnings

    imp = af.estimate("anthropic/claude-sonnet-4-5", input_tokens=20_000, output_tokens=600, zone="FRA")
    check_quantities(imp)
    assert imp.zone == "FRA" and "zone-defaulted" not in imp.warnings

    imp = af.estimate(
        af.Model(total_params_b=70, active_params_b=70, precision="bf16"),
        output_tokens=400,
        gpu="H100",
        batch_size=64,
        boundary="gpu",
    )
    check_quantities(imp)
    assert imp.boundary == "gpu"
    assert imp.usage.water.value == pytest.approx(
        imp.energy.value * load_catalog().zone(imp.zone).water_l_per_kwh
    )
    text = imp.explain()
    for needle in ("Factors:", "PUE", "accelerator", "H100-SXM", "grid GWP", "kgCO2eq/kWh", "ML.ENERGY"):
        assert needle in text, needle


def test_gpu_boundary_by_hand() -> None:
    """A user model at the gpu boundary: energy is exactly the fitted GPU energy of the request."""
    cat = load_catalog()
    coef = EnergyCoefficients.from_mapping(cat.energy_model)
    acc = cat.accelerator("H100")
    model = af.Model(total_params_b=70, precision="bf16", tokens_per_s=40.0, ttft_s=0.5)
    imp = af.estimate(
        model, input_tokens=1000, output_tokens=400, gpu="H100", batch_size=64, boundary="gpu", zone="FRA"
    )
    n = formulas.gpu_count_required(memory_gb=1.2 * 70 * 2, gpu_memory_gb=acc.memory_gb)
    assert n == 4
    a_in, a_out, a_ctx = gpu_energy_terms_j(
        active_params_b=70,
        total_params_b=70,
        weight_bits=16,
        gpu_count=n,
        batch_size=64,
        gpu_tdp_w=acc.tdp_w,
        gpu_memory_bandwidth_tb_s=acc.memory_bandwidth_tb_s or 0,
        gpu_dense_tflops=acc.tflops[16],
        coefficients=coef,
    )
    gpu_kwh = (a_in * 1000 + a_out * 400 + a_ctx * 400 * (1000 + 200)) / 3.6e6
    assert imp.energy.value == pytest.approx(gpu_kwh, rel=1e-12)
    assert imp.energy.low == imp.energy.value == imp.energy.high  # nothing uncertain in the energy here
    fra = cat.zone("FRA")
    assert imp.usage.gwp.value == pytest.approx(gpu_kwh * fra.gwp_kgco2eq_per_kwh[1], rel=1e-12)
    assert imp.usage.gwp.low == pytest.approx(gpu_kwh * fra.gwp_kgco2eq_per_kwh[0], rel=1e-12)
    # embodied: 4 GPUs held for the catalogue latency (0.5 s + 400/40 s), shared by 64 requests
    latency = 0.5 + 400 / 40.0
    life = cat.default_triple("hardware_lifetime_years")
    expected = latency * 4 * acc.embodied_gwp_kgco2eq[1] / (64 * life[1] * formulas.SECONDS_PER_YEAR)
    assert imp.embodied.gwp.value == pytest.approx(expected, rel=1e-12)


def test_boundaries_nest_and_are_reported() -> None:
    values = [
        af.estimate("openai/gpt-4o-mini", output_tokens=400, boundary=b).energy.value
        for b in ("gpu", "server", "datacenter", "comprehensive")
    ]
    assert values == sorted(values) and len(set(values)) == 4


def test_input_tokens_precision_and_generation() -> None:
    base = af.Model(total_params_b=8, precision="bf16")
    short = af.estimate(base, output_tokens=300, input_tokens=100, zone="USA", gpu="H100")
    long_in = af.estimate(base, output_tokens=300, input_tokens=20_000, zone="USA", gpu="H100")
    assert long_in.energy.value > 1.5 * short.energy.value  # prefill and context are not free
    fp8 = af.estimate(af.Model(total_params_b=8, precision="fp8"), output_tokens=300, zone="USA", gpu="H100")
    assert fp8.energy.value < short.energy.value
    by_gpu = {
        g: af.estimate(base, output_tokens=300, zone="USA", gpu=g, boundary="gpu").energy.value
        for g in ("A100-SXM4-80GB", "H100", "H200", "B200")
    }
    assert by_gpu["B200"] < by_gpu["A100-SXM4-80GB"]
    assert by_gpu["H200"] <= by_gpu["H100"]
    assert len(set(by_gpu.values())) == 4


def test_ranges_widen_and_requests_scale() -> None:
    point = af.estimate("mistral/mistral-small-latest", output_tokens=400, batch_size=64, pue=1.2)
    ranged = af.estimate(
        "mistral/mistral-small-latest", output_tokens=400, batch_size=(32, 128), pue=(1.1, 1.3)
    )
    assert ranged.energy.low < point.energy.low and ranged.energy.high > point.energy.high
    many = af.estimate(
        "mistral/mistral-small-latest", output_tokens=400, batch_size=64, pue=1.2, requests=1e6
    )
    assert many.gwp.value == pytest.approx(point.gwp.value * 1e6, rel=1e-12)
    assert many.requests == 1e6


def test_measured_latency_changes_host_and_embodied_only() -> None:
    a = af.estimate("openai/gpt-4o-mini", output_tokens=400, latency_s=2.0, boundary="gpu")
    b = af.estimate("openai/gpt-4o-mini", output_tokens=400, latency_s=20.0, boundary="gpu")
    assert a.energy.value == b.energy.value
    assert b.embodied.gwp.value == pytest.approx(10 * a.embodied.gwp.value)
    c = af.estimate("openai/gpt-4o-mini", output_tokens=400, latency_s=2.0)
    d = af.estimate("openai/gpt-4o-mini", output_tokens=400, latency_s=20.0)
    assert d.energy.value > c.energy.value


def test_zone_changes_carbon_not_energy() -> None:
    fr = af.estimate("openai/gpt-4o", output_tokens=400, zone="FRA")
    pl = af.estimate("openai/gpt-4o", output_tokens=400, zone="POL")
    assert fr.energy.value == pl.energy.value
    assert fr.usage.gwp.value < pl.usage.gwp.value
    us = af.estimate("openai/gpt-4o", output_tokens=400, zone="US-VA")
    assert "zone-gwp-combustion-only" in us.warnings


def test_aliases_and_how_matched() -> None:
    cat = load_catalog()
    m, how = cat.resolve_model("openai/gpt-4o-mini")
    assert how in ("alias", "exact")
    m2, how2 = cat.resolve_model("OpenAI/GPT-4o-mini")
    assert m2 is m and how2 in ("normalized", "alias")
    m3, _ = cat.resolve_model("anthropic/claude-sonnet-4-5")
    assert m3.name.startswith("claude-sonnet-4-5")
    assert cat.resolve_model("claude-sonnet-4-5")[0] is m3  # bare name, unique across providers
    assert cat.resolve_model("mistralai/mistral-small-latest")[0].provider == "mistral"


def test_unknown_model_lists_close_matches_and_never_guesses() -> None:
    with pytest.raises(af.UnknownModelError) as err:
        af.estimate("openai/gpt-4o-mni", output_tokens=10)
    assert "openai/gpt-4o-mini" in err.value.suggestions or any(
        "gpt-4o-mini" in s for s in err.value.suggestions
    )
    assert "aifootprint models" in str(err.value)
    assert isinstance(err.value, LookupError)


def test_unknown_zone_says_how_to_list() -> None:
    with pytest.raises(af.UnknownZoneError, match="aifootprint zones"):
        af.estimate("openai/gpt-4o-mini", output_tokens=10, zone="XYZ")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"output_tokens": -1}, "output_tokens"),
        ({"output_tokens": float("nan")}, "output_tokens"),
        ({"output_tokens": 10.5}, "output_tokens"),
        ({"output_tokens": "10"}, "output_tokens"),
        ({"output_tokens": 10, "input_tokens": -5}, "input_tokens"),
        ({"output_tokens": 10, "latency_s": -1.0}, "latency_s"),
        ({"output_tokens": 10, "batch_size": 0}, "batch_size"),
        ({"output_tokens": 10, "pue": 0.5}, "pue"),
        ({"output_tokens": 10, "boundary": "planet"}, "boundary"),
        ({"output_tokens": 10, "gpu_count": 0}, "gpu_count"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError) as err:
        af.estimate("openai/gpt-4o-mini", **kwargs)  # type: ignore[arg-type]
    assert field in str(err.value)


def test_bad_model_arguments() -> None:
    with pytest.raises(ValueError, match="model"):
        af.estimate("  ", output_tokens=1)
    with pytest.raises(ValueError, match="active_params_b"):
        af.Model(total_params_b=7, active_params_b=70)
    with pytest.raises(ValueError, match="precision"):
        af.Model(total_params_b=7, precision="fp12")
    with pytest.raises(ValueError, match="total_params_b"):
        af.Model(total_params_b=0)


def test_integral_floats_and_numpy_ints_are_tokens() -> None:
    np = pytest.importorskip("numpy")
    a = af.estimate("openai/gpt-4o-mini", output_tokens=400)
    b = af.estimate("openai/gpt-4o-mini", output_tokens=400.0)
    c = af.estimate("openai/gpt-4o-mini", output_tokens=np.int64(400))
    assert a.energy == b.energy == c.energy


def test_to_dict_is_json_ready() -> None:
    import json

    d = af.estimate("openai/gpt-4o-mini", output_tokens=400).to_dict()
    again = json.loads(json.dumps(d))
    assert again["impacts"]["gwp"]["unit"] == "kgCO2eq"
    assert again["usage"]["energy"]["value"] > 0
    assert all(f["source"] for f in again["factors"])


def test_every_factor_has_a_source() -> None:
    for f in af.estimate(
        "anthropic/claude-sonnet-4-5", output_tokens=400, boundary="comprehensive"
    ).factors():
        assert f.source, f.name


def test_overlay_file_adds_models_datacenters_zones(tmp_path: Path) -> None:
    (tmp_path / "aifootprint.toml").write_text(
        """
boundary = "server"

[zones."DE-ACME"]
parent = "DEU"
gwp_kgco2eq_per_kwh = [0.05, 0.1]
source = "green PPA, 2025 certificate"

[datacenters."acme"]
zone = "DE-ACME"
pue = [1.3, 1.5]
wue_l_per_kwh = 0.2
source = "facility report 2025"

[models."acme/bert-finetuned"]
total_params_b = 0.11
aliases = ["bert-ft"]
source = "internal model card"
""",
        encoding="utf-8",
    )
    imp = af.estimate("acme/bert-finetuned", output_tokens=10, input_tokens=500)
    assert imp.zone == "DE-ACME" and imp.boundary == "server"
    assert af.estimate("bert-ft", output_tokens=10).model == "acme/bert-finetuned"
    sources = {f.name: f.source for f in imp.factors()}
    assert "green PPA" in sources["grid GWP (lifecycle)"]
    assert "inherited from DEU" in sources["grid water"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[models."acme/x"]\nactive_params_b = 1\n', 'models."acme/x": total_params_b is required'),
        ('[models."x"]\ntotal_params_b = 1\n', "provider/name"),
        ('[models."acme/x"]\ntotal_params_b = -1\n', "total_params_b"),
        ('[models."acme/x"]\ntotal_params_b = 1\nsize = 3\n', "unknown key 'size'"),
        ('[datacenters."acme"]\nzone = "ZZZ"\npue = 1.2\n', 'datacenters."acme".zone'),
        ('[datacenters."acme"]\nzone = "FRA"\n', "pue is required"),
        ('[zones."X1"]\nparent = "FRA"\n', "gwp_kgco2eq_per_kwh is required"),
    ],
)
def test_malformed_overlay_names_file_key_and_problem(tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "aifootprint.toml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(af.ConfigError) as err:
        af.estimate("openai/gpt-4o-mini", output_tokens=1)
    assert message in str(err.value)
    assert str(cfg) in str(err.value)


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "aifootprint.toml").write_text('zone = "DEU"\n', encoding="utf-8")
    assert af.estimate("openai/gpt-4o-mini", output_tokens=1).zone == "DEU"
    monkeypatch.setenv("AIFOOTPRINT_ZONE", "SWE")
    af.reset()
    assert af.estimate("openai/gpt-4o-mini", output_tokens=1).zone == "SWE"
    assert af.estimate("openai/gpt-4o-mini", output_tokens=1, zone="FRA").zone == "FRA"


def test_register_api() -> None:
    af.register_zone("XX-LAB", gwp_kgco2eq_per_kwh=0.2, parent="FRA")
    af.register_datacenter("acme", zone="XX-LAB", pue=(1.2, 1.4))
    af.register_model(af.Model(provider="acme", name="tiny", total_params_b=1.5))
    imp = af.estimate("acme/tiny", output_tokens=100)
    assert imp.zone == "XX-LAB"
    assert imp.usage.gwp.value == pytest.approx(imp.energy.value * 0.2, rel=1e-12)
    assert any(m.id == "acme/tiny" for m in af.models("acme"))
    with pytest.raises(ValueError, match="provider"):
        af.register_model(af.Model(total_params_b=1))


def test_catalogue_model_params_drive_ranges() -> None:
    imp = af.estimate("openai/gpt-4o", output_tokens=400, zone="FRA", batch_size=64, pue=1.2)
    m = af.get_catalog().resolve_model("openai/gpt-4o")[0]
    assert m.estimated and m.active_params_b[0] < m.active_params_b[2]
    assert imp.energy.low < imp.energy.value < imp.energy.high
    assert math.isfinite(imp.energy.high)


def test_region_selects_datacenter_and_unknown_region_fails() -> None:
    model = "bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0"
    imp = af.estimate(model, output_tokens=100, region="eu-west-3")
    assert imp.zone == "aws:eu-west-3" and "zone-defaulted" not in imp.warnings
    with pytest.raises(af.UnknownProviderError, match="unknown region 'mars-1'"):
        af.estimate("openai/gpt-4o-mini", output_tokens=100, region="mars-1")


def test_suggestions_prefer_names_containing_the_query() -> None:
    with pytest.raises(af.UnknownModelError) as err:
        af.estimate("llama", output_tokens=1)
    assert err.value.suggestions and all("llama" in s.partition("/")[2] for s in err.value.suggestions)


def test_zone_overlay_keeping_the_inherited_gwp_keeps_its_basis(tmp_path: Path) -> None:
    (tmp_path / "aifootprint.toml").write_text(
        '[zones."US-VA"]\nwater_l_per_kwh = 2.0\nsource = "utility report"\n'
        '[zones."FRA-S2"]\nparent = "FRA"\ngwp_kgco2eq_per_kwh = 0.03\ngwp_basis = "combustion"\n',
        encoding="utf-8",
    )
    cat = af.get_catalog()
    assert cat.zone("US-VA").gwp_basis == "combustion"  # eGRID factor inherited, still combustion-only
    assert cat.zone("FRA-S2").gwp_basis == "combustion"
