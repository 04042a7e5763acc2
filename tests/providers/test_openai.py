"""OpenAI specifics and the instrumentation behaviour shared by every provider (tested through OpenAI)."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
from pathlib import Path
from typing import Any

import pytest

openai = pytest.importorskip("openai")
import httpx  # noqa: E402

import aifootprint as af  # noqa: E402
from aifootprint.errors import ConfigError  # noqa: E402
from aifootprint.providers.openai import provider_for_url  # noqa: E402

from .conftest import Records  # noqa: E402
from .exchanges import Exchange, load  # noqa: E402

MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]


def client(ex: Exchange, base_url: str | None = None) -> Any:
    return openai.OpenAI(
        api_key="test-key",
        base_url=base_url,
        http_client=httpx.Client(transport=ex.transport(httpx)),
        max_retries=0,
    )


def chat(ex: Exchange, model: str = "gpt-4o-mini", base_url: str | None = None) -> Any:
    return client(ex, base_url).chat.completions.create(model=model, messages=MESSAGES)


@pytest.mark.parametrize(
    ("url", "provider", "datacenter"),
    [
        ("https://api.openai.com/v1/", "openai", None),
        ("https://my-res.openai.azure.com/openai/", "openai", "azure-openai"),
        ("https://api.groq.com/openai/v1", "groq", None),
        ("https://api.together.xyz/v1", "together", None),
        ("https://api.deepseek.com", "deepseek", None),
        ("https://openrouter.ai/api/v1", "", None),
        ("http://localhost:11434/v1", "ollama", None),
        ("http://10.0.0.5:8000/v1", "openai-compatible", None),
    ],
)
def test_base_url_attribution(url: str, provider: str, datacenter: str | None) -> None:
    assert provider_for_url(url) == (provider, datacenter)


def test_groq_endpoint_is_estimated_as_groq(records: Records) -> None:
    ex = load("openai/chat_completion")
    ex.data["request"].pop("path")
    r = chat(ex, model="llama-3.3-70b-versatile", base_url="https://api.groq.com/openai/v1")
    assert r.impacts.model == "groq/llama-3.3-70b-versatile"
    assert records.items[0].provider == "groq"


def test_azure_runs_openai_models_in_azure_datacenters(records: Records) -> None:
    ex = load("openai/chat_completion")
    ex.data["request"].pop("path")
    c = openai.AzureOpenAI(
        api_key="k",
        api_version="2024-10-21",
        azure_endpoint="https://my-res.openai.azure.com",
        http_client=httpx.Client(transport=ex.transport(httpx)),
        max_retries=0,
    )
    r = c.chat.completions.create(model="my-deployment", messages=MESSAGES)  # deployment name: unknown
    assert r.impacts.model == "openai/gpt-4o-mini-2024-07-18"  # found through the response's model
    assert "datacenter-defaulted" not in r.impacts.warnings
    model = af.get_catalog().resolve_model("openai/gpt-4o-mini")[0]
    expected = af.estimate(
        model,
        provider="azure-openai",
        input_tokens=19,
        output_tokens=10,
        latency_s=records.items[0].latency_s,
    )
    assert r.impacts.energy.value == expected.energy.value


def test_self_hosted_endpoint_from_config_file(tmp_path: Path) -> None:
    (tmp_path / "aifootprint.toml").write_text(
        '[endpoints."http://10.0.0.5:8000/v1"]\nzone = "FRA"\ngpu = "A100-SXM4-80GB"\npue = 1.3\n', "utf-8"
    )
    af.reset()
    af.instrument(["openai"], strict=True)
    ex = load("openai/chat_completion")
    r = chat(ex, model="meta-llama/Llama-3.1-8B-Instruct", base_url="http://10.0.0.5:8000/v1")
    assert r.impacts.model == "huggingface/meta-llama/Llama-3.1-8B-Instruct"
    assert r.impacts.zone == "FRA"
    lat = af.record_of(r).latency_s
    expected = af.estimate(
        "huggingface/meta-llama/Llama-3.1-8B-Instruct",
        input_tokens=19,
        output_tokens=10,
        latency_s=lat,
        zone="FRA",
        gpu="A100-SXM4-80GB",
        pue=1.3,
    )
    assert r.impacts.gwp.value == expected.gwp.value


def _factor(imp: Any, name: str) -> Any:
    (f,) = [f for f in imp.factors() if f.name == name]
    return f


@pytest.mark.parametrize(
    ("model", "entry", "pue", "wue"),
    [
        # found under huggingface (Hugging Face's AWS+Google row); the entry gives a PUE, no WUE
        ("meta-llama/Llama-3.1-8B-Instruct", {"zone": "FRA", "pue": 1.3}, "endpoint", "wue_industry"),
        # unknown name, found through the response's model: gpt-4o-mini (OpenAI on Azure); nothing given
        ("my-finetune", {"gpu": "A100-SXM4-80GB"}, "pue_industry", "wue_industry"),
        # everything given
        (
            "meta-llama/Llama-3.1-8B-Instruct",
            {"zone": "DEU", "pue": [1.1, 1.2], "wue": 0.2},
            "endpoint",
            "endpoint",
        ),
    ],
)
def test_self_hosted_endpoint_never_takes_a_cloud_providers_datacenter(
    model: str, entry: dict[str, Any], pue: str, wue: str
) -> None:
    url = "http://10.0.0.5:8000/v1"
    af.instrument(["openai"], strict=True, endpoints={url: entry})
    r = chat(load("openai/chat_completion"), model=model, base_url=url)
    imp = r.impacts
    cat = af.get_catalog()
    for name, given, row in (("PUE", pue, "pue"), ("on-site WUE", wue, "wue")):
        f = _factor(imp, name)
        if given == "endpoint":
            from aifootprint._interval import parse_range

            assert (f.low, f.value, f.high) == parse_range(row, entry[row])
            assert f.source == f"[endpoints] entry {url} (a server you run)"
        else:
            d = cat.default(given)
            assert (f.low, f.value, f.high) == d.value and f.source == d.source
    assert ("datacenter-defaulted" in imp.warnings) == ("industry" in pue + wue)
    zone = _factor(imp, "zone")
    if "zone" in entry:
        assert imp.zone == entry["zone"] and "zone-defaulted" not in imp.warnings
    else:  # no provider location to default to: the world average
        assert imp.zone == cat.default_text("zone") and "zone-defaulted" in imp.warnings
        assert url in zone.source
    shown = imp.explain()
    assert not [dc for dc in cat.datacenters() if dc.source in shown]  # no provider's row, for any figure


def test_an_ollama_endpoint_keeps_the_local_machine_row() -> None:
    """Ollama's catalogue row is the user's own machine already (PUE 1, no cooling water)."""
    af.instrument(["openai"], strict=True, endpoints={"http://localhost:11434/v1": {"zone": "FRA"}})
    r = chat(load("openai/chat_completion"), model="llama3.2", base_url="http://localhost:11434/v1")
    assert r.impacts is not None and r.impacts.zone == "FRA"
    local = af.get_catalog().datacenter("ollama")
    assert (_factor(r.impacts, "PUE").value, _factor(r.impacts, "on-site WUE").value) == (
        local.pue[1],
        local.wue_l_per_kwh[1],
    )


def test_bad_endpoint_config_fails_at_instrument() -> None:
    with pytest.raises(ConfigError, match=r"endpoints\['http://x'\]: unknown key\(s\) zonee"):
        af.instrument(["openai"], endpoints={"http://x": {"zonee": "FRA"}})


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"gpu": "A99"}, r"gpu: unknown accelerator 'A99'.*known: .*H100"),
        ({"zone": "XXX"}, r"zone: unknown zone 'XXX'.*aifootprint zones"),
        ({"pue": 0.9}, r"pue: must be >= 1, got 0\.9; write a number \(pue = 1\.3\)"),
        ({"datacenter": "nowhere"}, r"datacenter: no datacenter for provider 'nowhere'.*\[datacenters"),
        ({"datacenter": "bedrock", "region": "mars-1"}, r"datacenter/region: unknown region 'mars-1'"),
    ],
)
def test_endpoint_the_catalogue_cannot_serve_fails_at_instrument(
    tmp_path: Path, entry: dict[str, Any], message: str
) -> None:
    lines = "".join(f"{k} = {v!r}\n" for k, v in entry.items())
    (tmp_path / "aifootprint.toml").write_text(f'[endpoints."http://10.0.0.5:8000/v1"]\n{lines}', "utf-8")
    af.reset()
    with pytest.raises(
        ConfigError, match=r"aifootprint\.toml: endpoints\['http://10\.0\.0\.5:8000/v1'\]: "
    ) as info:
        af.instrument()  # strict=False: the configuration is checked all the same
    assert re.search(message, str(info.value)) and "\n" not in str(info.value)
    assert af.instrumentation.instrumented() == ()


def test_a_target_that_fails_to_resolve_is_not_resolved_again(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from aifootprint._estimator import Estimator

    calls: list[object] = []

    def failing_plan(self: Estimator, model: object, **kwargs: object) -> Any:
        calls.append(model)
        raise ConfigError("the catalogue changed under the endpoint")

    monkeypatch.setattr(Estimator, "plan", failing_plan)
    af.instrument(["openai"])
    with caplog.at_level(logging.WARNING, logger="aifootprint"):
        results = [chat(load("openai/chat_completion")) for _ in range(3)]
    assert len(calls) == 1
    for r in results:
        rec = af.record_of(r)
        assert rec is not None and rec.error == "estimation-failed" and r.impacts is None
        assert rec.message is not None and "the catalogue changed under the endpoint" in rec.message
    assert len([m for m in caplog.records if "internal error" in m.getMessage()]) == 1


def test_unknown_model_never_fails_the_call(caplog: pytest.LogCaptureFixture) -> None:
    af.instrument(["openai"])
    ex = load("openai/chat_completion")
    with caplog.at_level(logging.WARNING, logger="aifootprint"):
        r1 = chat(ex, model="my-finetune", base_url="http://10.9.9.9:8000/v1")
        r2 = chat(ex, model="my-finetune", base_url="http://10.9.9.9:8000/v1")
    assert r1.choices[0].message.content == "Paris is the capital of France."
    # The response's own model (gpt-4o-mini) is known here, so use a body naming an unknown one:
    ex2 = Exchange(
        "x",
        {
            **ex.data,
            "response": {
                **ex.data["response"],
                "json": {**ex.data["response"]["json"], "model": "my-finetune"},
            },
        },
    )
    r3 = chat(ex2, model="my-finetune", base_url="http://10.9.9.9:8000/v1")
    assert r3.impacts is None
    with pytest.raises(af.ImpactsUnavailableError) as info:
        af.impacts_of(r3, required=True)
    assert info.value.code == "model-not-registered"
    assert "register_model" in str(info.value) and "aifootprint.toml" in str(info.value)
    assert r1.impacts is not None and r2.impacts is not None
    messages = [r.getMessage() for r in caplog.records if "my-finetune" in r.getMessage()]
    assert len(messages) == 1  # logged once


def test_embeddings_estimated_once_the_model_is_registered(records: Records) -> None:
    ex = load("openai/embeddings")
    r = client(ex).embeddings.create(model="text-embedding-3-small", input="The food was delicious")
    assert r.impacts is None and af.record_of(r).error == "model-not-registered"
    af.register_model(af.Model(provider="openai", name="text-embedding-3-small", total_params_b=(0.1, 1.0)))
    r = client(load("openai/embeddings")).embeddings.create(model="text-embedding-3-small", input="x")
    assert r.impacts is not None and r.impacts.energy.value > 0
    assert records.items[-1].usage == af.TokenUsage(input_tokens=8, output_tokens=0)


def test_image_generation_is_marked_not_modelled(records: Records) -> None:
    r = client(load("openai/images")).images.generate(model="gpt-image-1", prompt="a cat")
    assert r.impacts is None
    rec = af.record_of(r)
    assert rec is not None and rec.error == "operation-not-modelled" and rec.operation == "image"


def test_instrument_is_idempotent_and_uninstrument_restores() -> None:
    from openai.resources.chat.completions.completions import AsyncCompletions, Completions

    originals = (Completions.__dict__["create"], AsyncCompletions.__dict__["create"])
    af.instrument(["openai"])
    wrapped = Completions.__dict__["create"]
    af.instrument(["openai"])
    af.instrument()
    assert Completions.__dict__["create"] is wrapped  # not wrapped twice
    assert af.instrumentation.instrumented().count("openai") == 1
    af.uninstrument()
    assert (Completions.__dict__["create"], AsyncCompletions.__dict__["create"]) == originals
    r = chat(load("openai/chat_completion"))
    assert not hasattr(r, "impacts")


def test_uninstrument_leaves_a_foreign_wrapper_in_place_and_switches_ours_off() -> None:
    import wrapt
    from openai.resources.chat.completions.completions import Completions

    af.instrument(["openai"])
    ours = Completions.__dict__["create"]
    wrapt.wrap_function_wrapper(Completions, "create", lambda w, i, a, k: w(*a, **k))
    af.uninstrument()
    assert Completions.__dict__["create"].__wrapped__ is ours
    r = chat(load("openai/chat_completion"))
    assert not hasattr(r, "impacts")
    Completions.create = ours.__wrapped__  # undo the foreign wrapper for the next tests


def test_unknown_provider_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"unknown provider 'opneai'.*did you mean 'openai'"):
        af.instrument(["opneai"])


def test_unknown_zone_fails_at_instrument() -> None:
    with pytest.raises(af.UnknownZoneError):
        af.instrument(["openai"], zone="XXX")


def test_zone_applies_to_every_call() -> None:
    af.instrument(["openai"], zone="FRA", strict=True)
    r = chat(load("openai/chat_completion"))
    assert r.impacts.zone == "FRA" and "zone-defaulted" not in r.impacts.warnings


def test_strict_reraises_our_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    from aifootprint.instrumentation.runtime import Runtime

    monkeypatch.setattr(Runtime, "estimate", lambda *a, **k: 1 / 0)
    af.instrument(["openai"], strict=True)
    with pytest.raises(ZeroDivisionError):
        chat(load("openai/chat_completion"))


@pytest.mark.parametrize("part", ["request", "observe_response", "observe_chunk"])
def test_a_broken_adapter_leaves_the_call_untouched(
    part: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import dataclasses

    from aifootprint.providers import openai as mod

    def boom(*args: Any) -> Any:
        raise KeyError("broken extractor")

    monkeypatch.setattr(mod, "ADAPTER", dataclasses.replace(mod.ADAPTER, **{part: boom}))
    af.instrument(["openai"])
    plain = chat(load("openai/chat_completion")).model_dump()
    with caplog.at_level(logging.WARNING, logger="aifootprint"):
        r = chat(load("openai/chat_completion"))
        s = client(load("openai/chat_stream_usage")).chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True
        )
        chunks = [c.model_dump() for c in s]
    assert r.model_dump() == plain
    assert len(chunks) == 10
    assert any("internal error" in m.getMessage() for m in caplog.records)


def test_threads_each_get_their_own_impacts(records: Records) -> None:
    results: list[Any] = []

    def work(i: int) -> None:
        ex = load("openai/chat_completion" if i % 2 else "openai/chat_completion_reasoning")
        results.append((i, chat(ex, model="gpt-4o-mini" if i % 2 else "o3-mini")))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(records.items) == 32
    for i, r in results:
        assert r.impacts.model == ("openai/gpt-4o-mini-2024-07-18" if i % 2 else "openai/o3-mini-2025-01-31")


def test_1000_concurrent_async_calls_each_get_their_own_impacts(records: Records) -> None:
    bodies = {}
    for n in range(1, 6):
        ex = load("openai/chat_completion")
        body = ex.data["response"]["json"]
        bodies[n] = {**body, "usage": {**body["usage"], "completion_tokens": 10 * n}}

    async def handler(request: httpx.Request) -> httpx.Response:
        import json

        n = int(json.loads(request.content)["messages"][0]["content"])
        await asyncio.sleep(0.001 * (5 - n))
        return httpx.Response(200, json=bodies[n])

    async def main() -> list[Any]:
        c = openai.AsyncOpenAI(
            api_key="k", http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler))
        )
        calls = [
            c.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": str(1 + i % 5)}]
            )
            for i in range(1000)
        ]
        return list(await asyncio.gather(*calls))

    out = asyncio.run(main())
    assert len(records.items) == 1000
    for i, r in enumerate(out):
        rec = af.record_of(r)
        assert rec.usage.output_tokens == 10 * (1 + i % 5) == r.usage.completion_tokens
        assert r.impacts is rec.impacts


def test_a_stream_abandoned_after_break_is_recorded_when_collected(records: Records) -> None:
    import gc

    def consume_two() -> None:
        s = client(load("openai/chat_stream")).chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True
        )
        for i, _chunk in enumerate(s):
            if i == 2:
                break  # neither exhausted nor closed

    consume_two()
    gc.collect()
    assert len(records.items) == 1
    rec = records.items[0]
    assert not rec.complete and rec.usage is not None and rec.usage.source == "counted"
    assert rec.usage.output_tokens == 2  # "" + "Paris" + " is": 2 content chunks, 8 chars
    assert rec.impacts is not None and "stream-incomplete" in rec.impacts.warnings


def test_reading_impacts_mid_stream_finalises_once(records: Records) -> None:
    s = client(load("openai/chat_stream_usage")).chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    first = next(iter(s))
    early = s.impacts  # what was consumed so far: one chunk
    rest = list(s)
    assert first.choices[0].delta.role == "assistant" and len(rest) == 9
    assert s.impacts is early and len(records.items) == 1
    assert not records.items[0].complete


def test_stream_keeps_sdk_type_and_response(records: Records) -> None:
    s = client(load("openai/chat_stream_usage")).chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    assert isinstance(s, openai.Stream)
    assert s.response.status_code == 200
    with s as entered:
        assert entered is s
        chunks = list(entered)
    assert chunks[-1].usage.completion_tokens == 7
    assert chunks[-1].impacts is s.impacts is af.impacts_of(chunks[-1])


@pytest.mark.parametrize(
    ("exchange", "model", "n", "chars", "chunks"),
    [
        # delta.reasoning (vLLM >= 0.11, OpenRouter) in both choices of n=2, content in the same delta:
        # 13 + 16 + (11 + 3) + (6 + 15) + 12 characters in 5 choice deltas
        ("openai/chat_stream_reasoning_n2", "Qwen/Qwen3-14B", 2, 76, 5),
        # delta.reasoning_content (vLLM 0.10, DeepSeek) next to content in one delta: 21 + (8 + 5) + 1
        ("openai/chat_stream_reasoning_content", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", 1, 35, 3),
    ],
)
def test_counted_usage_reads_every_choice_and_both_reasoning_fields(
    records: Records, exchange: str, model: str, n: int, chars: int, chunks: int
) -> None:
    from aifootprint.providers._base import tokens_from_chars

    s = client(load(exchange), "http://10.0.0.5:8000/v1").chat.completions.create(
        model=model, messages=MESSAGES, stream=True, n=n
    )
    assert len(list(s)) == 4
    (rec,) = records.items
    assert rec.usage is not None and rec.usage.source == "counted"
    assert rec.usage.output_tokens == max(tokens_from_chars(chars), chunks)
    assert rec.usage.input_tokens == 8  # "What is the capital of France?": 30 characters
    assert s.impacts is not None and "usage-counted" in s.impacts.warnings


SECRET_URL = "https://user:s3cret@llm.example.com:8443/v1?api_key=tok123"


def test_credentials_in_the_base_url_are_never_shown_or_stored(caplog: pytest.LogCaptureFixture) -> None:
    af.instrument(
        ["openai"],
        strict=True,
        endpoints={SECRET_URL: {"zone": "FRA", "gpu": "A100-SXM4-80GB"}},  # matched on the real URL
    )
    ex = load("openai/chat_completion")
    ex.data["request"].pop("path")  # the SDK appends its path after the query of such a base URL
    with caplog.at_level(logging.DEBUG, logger="aifootprint"):
        r = chat(ex, model="meta-llama/Llama-3.1-8B-Instruct", base_url=SECRET_URL)
    rec = af.record_of(r)
    # the base URL as the SDK keeps it (newer openai releases add a slash before the query), without secrets
    assert rec is not None and rec.server in (
        "https://llm.example.com:8443/v1/",
        "https://llm.example.com:8443/v1",
    )
    assert r.impacts.zone == "FRA"  # the [endpoints] entry still applies
    shown = [repr(rec), str(rec), r.impacts.explain(), *(m.getMessage() for m in caplog.records)]
    for text in shown:
        assert "s3cret" not in text and "tok123" not in text and "user@" not in text


def test_credentials_in_an_endpoint_key_stay_out_of_error_messages() -> None:
    with pytest.raises(ConfigError) as info:
        af.instrument(["openai"], endpoints={SECRET_URL: {"zonee": "FRA"}})
    assert "llm.example.com:8443/v1" in str(info.value)
    assert "s3cret" not in str(info.value) and "tok123" not in str(info.value)


def test_endpoint_keys_match_whole_segments_ignoring_credentials() -> None:
    from aifootprint.instrumentation.runtime import Runtime, parse_endpoints

    rt = Runtime(
        endpoints=parse_endpoints(
            {"http://localhost:80": {"zone": "FRA"}, "https://u:p@Host/v1/": {"zone": "DEU"}}, "test"
        )
    )
    assert rt._endpoint("http://localhost:8000/v1") is None
    fra = rt._endpoint("http://localhost:80/v1")
    deu = rt._endpoint("https://other:x@host/v1/?api_key=k")
    assert fra is not None and fra.zone == "FRA" and deu is not None and deu.zone == "DEU"
    assert "p@" not in repr(rt.endpoints)
