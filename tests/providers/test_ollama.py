"""ollama extractors fed with real ``ollama`` response objects from the recorded exchanges."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("ollama")

import ollama

import aifootprint as af
from aifootprint.providers import ollama as adapter_module
from aifootprint.providers._base import Observed, tokens_from_chars

from . import cases_ollama as co
from .conftest import Records
from .exchanges import load

ADAPTER = adapter_module.ADAPTER
SPECS = {(s.module, s.path): s for s in ADAPTER.wraps}
CHAT = SPECS[("ollama._client", "Client.chat")]
TEXT = "Bonjour ! Comment puis-je vous aider ?"


def observe(resp: Any) -> Observed:
    o = Observed()
    ADAPTER.observe_response(resp, o)
    return o


def observe_stream(parts: list[Any]) -> Observed:
    o = Observed()
    for p in parts:
        ADAPTER.observe_chunk(p, o)
    return o


@pytest.fixture
def records() -> Iterator[Records]:
    """Only ollama instrumented (strict), its records collected (the shared fixture imports every SDK)."""
    af.instrument(providers=["ollama"], strict=True)
    recs = Records()
    remove = af.add_listener(recs)
    yield recs
    remove()


# -- request ---------------------------------------------------------------------------------------


def test_request_from_a_real_client() -> None:
    client = co.client(load("ollama/chat"))
    req = ADAPTER.request(CHAT, client, (), {"model": "llama3.2", "messages": co.MESSAGES})
    assert req is not None
    assert (req.provider, req.model, req.operation, req.stream) == ("ollama", "llama3.2", "chat", False)
    assert req.server == co.HOST and req.region is None
    gen = SPECS[("ollama._client", "AsyncClient.generate")]
    req = ADAPTER.request(gen, co.async_client(load("ollama/chat")), ("qwen3:8b", "hi"), {"stream": True})
    assert req is not None and (req.model, req.operation, req.stream) == ("qwen3:8b", "text", True)
    embed = SPECS[("ollama._client", "Client.embed")]
    req = ADAPTER.request(embed, client, (), {"model": "llama3.2", "input": "x"})
    assert req is not None and req.operation == "embeddings"


@pytest.mark.parametrize(
    ("host", "server"),
    [
        (None, "http://127.0.0.1:11434"),
        ("0.0.0.0:8080", "http://0.0.0.0:8080"),
        ("https://ollama.example.com/proxy/", "https://ollama.example.com/proxy"),
    ],
)
def test_server_is_the_client_base_url(
    host: str | None, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    assert adapter_module.server_of(ollama.Client(host=host)) == server


def test_request_odd_arguments() -> None:
    req = ADAPTER.request(CHAT, object(), (), {})
    assert req is not None and (req.model, req.server, req.stream) == (None, None, False)
    req = ADAPTER.request(CHAT, None, (3,), {"stream": "yes"})
    assert req is not None and (req.model, req.stream) == (None, False)


def test_module_functions_are_wrapped_specs() -> None:
    # ollama.chat/generate/embed are bound methods of the default client made at import
    for name in ("chat", "generate", "embed"):
        assert ("ollama", name) in SPECS
        assert getattr(ollama, name).__self__ is sys.modules["ollama"]._client


# -- responses -------------------------------------------------------------------------------------


def test_chat_usage() -> None:
    resp = co.chat(load("ollama/chat"))
    assert isinstance(resp, ollama.ChatResponse)
    o = observe(resp)
    assert (o.input_tokens, o.output_tokens, o.cached_input_tokens, o.model) == (31, 12, None, "llama3.2")


def test_generate_usage_includes_thinking() -> None:
    resp = co.generate(load("ollama/generate"))
    assert isinstance(resp, ollama.GenerateResponse) and resp.thinking
    o = observe(resp)
    assert (o.input_tokens, o.output_tokens, o.model) == (18, 27, "qwen3:8b")  # eval_count covers thinking


def test_embed_usage_has_no_output() -> None:
    resp = co.embed(load("ollama/embed"))
    assert isinstance(resp, ollama.EmbedResponse)
    o = observe(resp)
    assert (o.input_tokens, o.output_tokens) == (10, 0)


def test_async_chat_usage() -> None:
    resp = asyncio.run(co.achat(load("ollama/chat")))
    assert (observe(resp).input_tokens, observe(resp).output_tokens) == (31, 12)


def test_cached_prompt_tokens_when_the_server_reports_them() -> None:
    resp = SimpleNamespace(model="llama3.2", prompt_eval_count=40, prompt_eval_cached_count=32, eval_count=5)
    o = observe(resp)
    assert (o.input_tokens, o.cached_input_tokens, o.output_tokens) == (40, 32, 5)


def test_missing_usage_sets_nothing() -> None:
    part = ollama.ChatResponse(
        model="llama3.2", message=ollama.Message(role="assistant", content="Hi"), done=False
    )
    for odd in (part, None, "text", SimpleNamespace(prompt_eval_count="31", eval_count=-1), 5):
        o = observe(odd)
        assert (o.input_tokens, o.output_tokens, o.cached_input_tokens) == (None, None, None), odd


# -- streams ---------------------------------------------------------------------------------------


def test_chat_stream_usage_from_the_final_part() -> None:
    parts = list(co.chat_stream(load("ollama/chat_stream")))
    assert all(isinstance(p, ollama.ChatResponse) for p in parts) and parts[-1].done
    o = observe_stream(parts)
    assert (o.input_tokens, o.output_tokens, o.model) == (31, 12, "llama3.2")
    assert (o.text_chars, o.text_chunks) == (len(TEXT), 4)


def test_generate_stream_usage_and_text() -> None:
    parts = list(co.generate_stream(load("ollama/generate_stream")))
    o = observe_stream(parts)
    assert (o.input_tokens, o.output_tokens) == (18, 15)
    assert o.text_chars == len(
        "Air molecules scatter short blue wavelengths of sunlight far more than red ones."
    )


def test_async_stream_parts() -> None:
    async def collect() -> list[Any]:
        stream = await co.achat_stream(load("ollama/chat_stream"))
        return [p async for p in stream]

    o = observe_stream(asyncio.run(collect()))
    assert (o.input_tokens, o.output_tokens) == (31, 12)


def test_stream_cut_before_the_final_part_counts_text() -> None:
    parts = list(co.chat_stream(load("ollama/chat_stream")))[:-1]
    o = observe_stream(parts)
    assert (o.input_tokens, o.output_tokens) == (None, None)
    assert o.text_chars == len(TEXT)


def test_thinking_parts_are_counted() -> None:
    part = ollama.ChatResponse(
        model="qwen3:8b", message=ollama.Message(role="assistant", content="", thinking="hmm"), done=False
    )
    gen = ollama.GenerateResponse(model="qwen3:8b", response="", thinking="abcd", done=False)
    assert observe_stream([part, gen]).text_chars == 3 + 4


def test_odd_chunks_never_raise() -> None:
    odd = [None, 1, "x", SimpleNamespace(message=None, response=5, done=True), SimpleNamespace(message=3)]
    o = observe_stream(odd)
    assert (o.input_tokens, o.output_tokens, o.text_chars) == (None, None, 0)


# -- prompt counting ---------------------------------------------------------------------------------


def test_count_input() -> None:
    count = ADAPTER.count_input
    n = len("Say hello in French.")
    assert count((), {"model": "m", "messages": co.MESSAGES}) == tokens_from_chars(n)
    assert count(("m", co.MESSAGES), {}) == tokens_from_chars(n)
    assert count(("m", [ollama.Message(role="user", content="x" * 40)]), {}) == 10
    assert count((), {"model": "m", "prompt": "x" * 40, "system": "y" * 8}) == 12
    assert count(("m", "x" * 40), {}) == 10
    assert count((), {"model": "m", "input": ["x" * 20, "y" * 20]}) == 10
    assert count(("m", ["x" * 20, "y" * 20]), {}) == 10
    assert count((), {}) is None
    assert count(("m", 5), {}) is None


# -- instrumented ------------------------------------------------------------------------------------


def test_module_level_chat_is_recorded_once_and_restored(records: Records) -> None:
    resp = co.module_chat(load("ollama/chat"))
    (rec,) = records.items
    assert rec.server == adapter_module.server_of(sys.modules["ollama"]._client)
    assert af.impacts_of(resp) is not None
    af.uninstrument()
    assert not hasattr(ollama.chat, "_self_aifootprint")
    assert ollama.chat.__func__ is ollama.Client.chat


def test_configured_endpoint_sets_the_zone(records: Records) -> None:
    af.instrument(providers=["ollama"], strict=True, endpoints={co.HOST: {"zone": "FRA", "gpu": "H100"}})
    resp = co.chat(load("ollama/chat"))
    imp = af.impacts_of(resp)
    assert imp is not None and imp.zone == "FRA"


def test_http_error_on_a_lazy_stream_records_nothing(records: Records) -> None:
    stream = co.chat_stream(load("ollama/chat_error"))  # nothing sent yet: ollama streams are lazy
    with pytest.raises(ollama.ResponseError) as info:
        next(iter(stream))
    assert (info.value.status_code, info.value.error) == (404, "model 'llama9' not found")
    assert records.items == []  # a failure before the first part is a failed call: no record
