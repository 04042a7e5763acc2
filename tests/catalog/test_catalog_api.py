"""The catalogue through the API: every model and alias resolves and estimates; every zone and GPU works."""

from __future__ import annotations

import pytest

import aifootprint as af
from aifootprint.catalog import load_catalog


def test_every_model_and_alias_resolves_and_estimates() -> None:
    cat = load_catalog()
    est = af.make_estimator(catalog=cat)
    models = cat.models()
    assert len(models) > 500
    for m in models:
        assert cat.resolve_model(m.id) == (m, "exact")
        for alias in m.aliases:
            found, how = cat.resolve_model(f"{m.provider}/{alias}")
            assert found is m and how == "alias", (m.id, alias)
        imp = af.estimate(m, output_tokens=500, input_tokens=1000, estimator=est)
        for q in (imp.energy, imp.gwp, imp.adpe, imp.pe, imp.water):
            assert 0 <= q.low <= q.value <= q.high, (m.id, q)
        assert imp.energy.value > 0
        assert m.sources, m.id


def test_required_providers_are_covered() -> None:
    cat = load_catalog()
    providers = set(cat.providers())
    for p in (
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
    ):
        assert p in providers, p
        assert cat.datacenter(p).zone


@pytest.mark.parametrize(
    "zone",
    [
        "WOR",
        "FRA",
        "USA",
        "US-VA",
        "CA-QC",
        "CN-BJ",
        "SE3",
        "aws:us-east-1",
        "gcp:europe-west4",
        "azure:swedencentral",
    ],
)
def test_zone_kinds_estimate(zone: str) -> None:
    imp = af.estimate("openai/gpt-4o-mini", output_tokens=100, zone=zone)
    assert imp.zone.lower() == zone.lower() and imp.gwp.value > 0


def test_every_zone_has_sane_factors() -> None:
    for z in load_catalog().zones():
        lo, val, hi = z.gwp_kgco2eq_per_kwh
        assert 0 <= lo <= val <= hi < 2, z.code
        assert z.water_l_per_kwh >= 0 and z.pe_mj_per_kwh > 0 and z.adpe_kgsbeq_per_kwh > 0, z.code
        assert z.gwp_source and z.adpe_source and z.pe_source and z.water_source, z.code


def test_every_accelerator_estimates() -> None:
    cat = load_catalog()
    for acc in cat.accelerators():
        imp = af.estimate(af.Model(total_params_b=8), output_tokens=100, gpu=acc.key, zone="FRA")
        assert imp.energy.value > 0, acc.key
        for alias in acc.aliases:
            assert cat.accelerator(alias) is acc
