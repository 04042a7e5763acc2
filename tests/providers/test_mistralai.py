"""Mistral AI extractors fed with real ``mistralai`` SDK objects from the recorded exchanges."""

from __future__ import annotations

import asyncio
import importlib
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("mistralai")

import aifootprint as af
from aifootprint.providers import mistralai as mod
from aifootprint.providers._base import Observed, WrapSpec

from . import cases_mistralai as cases
from .conftest import Records
from .exchanges import load

ADAPTER = mod.ADAPTER
CHAT_SPEC = WrapSpec("mistralai.client.chat", "Chat.complete")
STREAM_SPEC = WrapSpec("mistralai.client.chat", "Chat.stream", result="stream")


def _layout() -> str:
    return cases._sdk().__name__.rsplit(".", 1)[0]  # "mistralai.client" (2.x, 3.x) or "mistralai" (1.x)


def _chat(name: str, **kw: Any) -> Any:
    return cases.client(load(name)).chat.complete(model="mistral-small-latest", messages=cases.MESSAGES, **kw)


def _stream_events(name: str) -> list[Any]:
    with cases.client(load(name)).chat.stream(model="mistral-small-latest", messages=cases.MESSAGES) as s:
        return list(s)


@pytest.fixture
def only_mistralai() -> Any:
    """Instrument this SDK alone (the shared ``records`` fixture imports every installed SDK: slow)."""
    af.instrument(providers=["mistralai"], strict=True)
    recs = Records()
    remove = af.add_listener(recs)
    yield recs
    remove()


def _observe(resp: Any) -> Observed:
    obs = Observed()
    ADAPTER.observe_response(resp, obs)
    return obs


def test_every_spec_of_the_installed_layout_resolves() -> None:
    layout = _layout()
    mine = [s for s in ADAPTER.wraps if s.module.rsplit(".", 1)[0] == layout]
    assert len(mine) == 14
    for spec in mine:
        obj: Any = importlib.import_module(spec.module)
        for part in spec.path.split("."):
            obj = getattr(obj, part)
        assert callable(obj), spec
    assert ADAPTER.name == "mistralai" and ADAPTER.distribution == "mistralai"


def test_chat_completion_usage_and_model() -> None:
    resp = _chat("mistralai/chat_completion")
    assert type(resp).__name__ == "ChatCompletionResponse"
    obs = _observe(resp)
    assert (obs.model, obs.input_tokens, obs.output_tokens) == ("mistral-small-latest", 14, 9)
    assert obs.cached_input_tokens is None and obs.reasoning_tokens is None


def test_cached_prompt_tokens_from_the_extra_details_field() -> None:
    resp = _chat("mistralai/chat_completion_cached")
    obs = _observe(resp)
    assert (obs.input_tokens, obs.output_tokens, obs.cached_input_tokens) == (210, 14, 192)


def test_stream_usage_arrives_on_the_last_chunk() -> None:
    events = _stream_events("mistralai/chat_stream")
    assert type(events[0]).__name__ == "CompletionEvent"
    obs = Observed()
    for e in events[:-1]:
        ADAPTER.observe_chunk(e, obs)
    assert obs.input_tokens is None and obs.output_tokens is None
    assert obs.model == "mistral-small-latest"
    ADAPTER.observe_chunk(events[-1], obs)
    assert (obs.input_tokens, obs.output_tokens) == (14, 9)
    assert (obs.text_chars, obs.text_chunks) == (len("The capital of France is Paris."), 3)


def test_stream_without_usage_keeps_text_only() -> None:
    obs = Observed()
    for e in _stream_events("mistralai/chat_stream_no_usage"):
        ADAPTER.observe_chunk(e, obs)
    assert obs.input_tokens is None and obs.output_tokens is None
    assert (obs.text_chars, obs.text_chunks) == (31, 2)


def test_async_stream_items_are_the_same_events() -> None:
    async def go() -> Observed:
        s = await cases.aclient(load("mistralai/chat_stream")).chat.stream_async(
            model="mistral-small-latest", messages=cases.MESSAGES
        )
        obs = Observed()
        async with s:
            async for e in s:
                ADAPTER.observe_chunk(e, obs)
        return obs

    obs = asyncio.run(go())
    assert (obs.model, obs.input_tokens, obs.output_tokens) == ("mistral-small-latest", 14, 9)


def test_embeddings_and_fim() -> None:
    emb = cases.client(load("mistralai/embeddings")).embeddings.create(
        model="mistral-embed", inputs=["a b", "cd"]
    )
    assert (_observe(emb).input_tokens, _observe(emb).output_tokens) == (11, 0)
    fim = cases.client(load("mistralai/fim_completion")).fim.complete(**cases.FIM_ARGS)
    obs = _observe(fim)
    assert (obs.model, obs.input_tokens, obs.output_tokens) == ("codestral-latest", 17, 6)


def test_thinking_and_text_chunks_are_counted() -> None:
    event = {
        "data": {
            "model": "magistral-small-latest",
            "choices": [
                {
                    "delta": {
                        "content": [
                            {"type": "thinking", "thinking": [{"type": "text", "text": "Paris, surely."}]},
                            {"type": "text", "text": "Paris."},
                        ]
                    }
                }
            ],
        }
    }
    obs = Observed()
    ADAPTER.observe_chunk(event, obs)
    assert (obs.model, obs.text_chars, obs.text_chunks) == ("magistral-small-latest", 20, 1)


@pytest.mark.parametrize(
    "odd",
    [
        None,
        "text",
        3,
        SimpleNamespace(),
        SimpleNamespace(data=None),
        {"data": {"choices": "x", "usage": 7}},
        SimpleNamespace(
            data=SimpleNamespace(model=5, usage=SimpleNamespace(prompt_tokens="3"), choices=[None])
        ),
    ],
)
def test_odd_objects_set_nothing(odd: Any) -> None:
    obs = Observed()
    ADAPTER.observe_chunk(odd, obs)
    ADAPTER.observe_response(odd, obs)
    assert obs == Observed()


def test_missing_usage_sets_nothing_but_the_model() -> None:
    obs = _observe(SimpleNamespace(model="mistral-large-latest", usage=None))
    assert obs.model == "mistral-large-latest" and obs.input_tokens is None and obs.output_tokens is None


def test_request_server_and_model() -> None:
    sdk = cases._sdk()
    chat = sdk.Mistral(api_key="k").chat
    r = ADAPTER.request(CHAT_SPEC, chat, (), {"model": "mistral-small-latest", "stream": True})
    assert (r.provider, r.model, r.operation, r.stream) == ("mistral", "mistral-small-latest", "chat", False)
    assert r.server == "https://api.mistral.ai"
    assert ADAPTER.request(STREAM_SPEC, chat, (), {"model": 3}).stream is True
    assert ADAPTER.request(STREAM_SPEC, chat, (), {"model": 3}).model is None
    own = sdk.Mistral(api_key="k", server_url="http://localhost:8000/").chat
    assert ADAPTER.request(CHAT_SPEC, own, (), {}).server == "http://localhost:8000"
    per_call = ADAPTER.request(CHAT_SPEC, chat, (), {"server_url": "https://api.us.mistral.ai"})
    assert per_call.server == "https://api.us.mistral.ai"
    bad = SimpleNamespace(sdk_configuration=SimpleNamespace(get_server_details=lambda: 1 / 0))
    assert ADAPTER.request(CHAT_SPEC, bad, (), {}).server is None
    assert ADAPTER.request(CHAT_SPEC, None, (), {}).server is None


def test_count_input() -> None:
    assert ADAPTER.count_input((), {"messages": cases.MESSAGES}) == 8
    assert ADAPTER.count_input((), {"prompt": "def add(a, b):\n", "suffix": "x"}) == 4
    assert ADAPTER.count_input((), {"inputs": ["abcd", "efgh", 3]}) == 2
    assert ADAPTER.count_input((), {"inputs": "abcdefgh"}) == 2
    assert ADAPTER.count_input((), {}) is None


def test_client_built_before_instrument_is_instrumented() -> None:
    """Methods are looked up on the resource classes at call time: no client needs rebuilding."""
    c = cases.client(load("mistralai/chat_completion"))
    _ = c.chat  # the resource object exists before instrumentation
    af.instrument(providers=["mistral"], strict=True)
    records = Records()
    remove = af.add_listener(records)
    try:
        resp = c.chat.complete(model="mistral-small-latest", messages=cases.MESSAGES)
    finally:
        remove()
    assert af.impacts_of(resp) is not None
    assert len(records.items) == 1 and records.items[0].server == "https://api.mistral.ai"


def test_embeddings_are_recorded_without_a_catalogue_model(only_mistralai: Records) -> None:
    records = only_mistralai
    """mistral-embed is not in the catalogue: the call goes through, recorded with its usage, no impacts."""
    emb = cases.client(load("mistralai/embeddings")).embeddings.create(
        model="mistral-embed", inputs=["a b", "cd"]
    )
    assert type(emb).__name__ == "EmbeddingResponse" and len(emb.data) == 2
    (rec,) = records.items
    assert rec.operation == "embeddings" and rec.error == "model-not-registered"
    assert rec.usage is not None and (rec.usage.input_tokens, rec.usage.output_tokens) == (11, 0)
    assert af.impacts_of(emb) is None


def test_sdk_error_is_not_recorded_and_propagates(only_mistralai: Records) -> None:
    records = only_mistralai
    with pytest.raises(Exception) as info:
        _chat("mistralai/chat_error_422")
    assert type(info.value).__name__ == "HTTPValidationError"
    assert records.items == []


def test_leaving_the_with_block_early_records_what_was_consumed(only_mistralai: Records) -> None:
    """EventStream has no close() before 2.10.1: leaving ``with`` (or dropping the stream) ends it."""
    records = only_mistralai
    stream = cases.client(load("mistralai/chat_stream")).chat.stream(
        model="mistral-small-latest", messages=cases.MESSAGES
    )
    with stream as s:
        for i, _event in enumerate(s):
            if i == 1:  # role chunk, then "The capital"
                break
    (rec,) = records.items
    assert rec.stream and not rec.complete
    assert rec.usage is not None and rec.usage.source == "counted"
    assert (rec.usage.input_tokens, rec.usage.output_tokens) == (8, 3)
    assert af.record_of(stream) is rec
