"""Cohere extractors fed with real ``cohere`` SDK objects from the recorded exchanges."""

from __future__ import annotations

import asyncio
import importlib
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("cohere")

import aifootprint as af
from aifootprint.providers import cohere as mod
from aifootprint.providers._base import Observed, WrapSpec

from . import cases_cohere as cases
from .conftest import Records
from .exchanges import load

ADAPTER = mod.ADAPTER
CHAT = WrapSpec("cohere.v2.client", "V2Client.chat")
STREAM = WrapSpec("cohere.v2.client", "V2Client.chat_stream", result="stream")


@pytest.fixture
def only_cohere() -> Any:
    """Instrument this SDK alone (the shared ``records`` fixture imports every installed SDK: slow)."""
    af.instrument(providers=["cohere"], strict=True)
    recs = Records()
    remove = af.add_listener(recs)
    yield recs
    remove()


def _observe(resp: Any) -> Observed:
    obs = Observed()
    ADAPTER.observe_response(resp, obs)
    return obs


def _events(name: str, v1: bool = False) -> list[Any]:
    if v1:
        return list(cases.v1_client(load(name)).chat_stream(**cases.V1))
    return list(cases.client(load(name)).chat_stream(**cases.V2))


def test_every_spec_resolves_in_the_installed_sdk() -> None:
    for spec in ADAPTER.wraps:
        obj: Any = importlib.import_module(spec.module)
        for part in spec.path.split("."):
            obj = getattr(obj, part)
        assert callable(obj), spec


def test_v2_chat_prefers_processed_tokens_over_billed_units() -> None:
    resp = cases.client(load("cohere/v2_chat")).chat(**cases.V2)
    assert type(resp).__name__ == "V2ChatResponse"
    obs = _observe(resp)
    assert (obs.model, obs.input_tokens, obs.output_tokens, obs.cached_input_tokens) == (None, 70, 9, None)


def test_v2_chat_billed_units_when_tokens_are_missing() -> None:
    obs = _observe(cases.client(load("cohere/v2_chat_billed_only")).chat(**cases.V2))
    assert (obs.input_tokens, obs.output_tokens) == (8, 9)


def test_cached_tokens() -> None:
    obs = _observe(cases.client(load("cohere/v2_chat_cached")).chat(**cases.V2))
    assert (obs.input_tokens, obs.output_tokens, obs.cached_input_tokens) == (1272, 9, 1024)


def test_raw_response_is_read_through_its_data() -> None:
    raw = cases.client(load("cohere/v2_chat")).with_raw_response.chat(**cases.V2)
    assert type(raw).__name__ == "HttpResponse"
    obs = _observe(raw)
    assert (obs.input_tokens, obs.output_tokens) == (70, 9)


def test_v2_stream_usage_in_message_end() -> None:
    events = _events("cohere/v2_chat_stream")
    assert events[0].type == "message-start" and events[-1].type == "message-end"
    obs = Observed()
    for e in events[:-1]:
        ADAPTER.observe_chunk(e, obs)
    assert obs.input_tokens is None and obs.output_tokens is None
    assert (obs.text_chars, obs.text_chunks) == (31, 3)
    ADAPTER.observe_chunk(events[-1], obs)
    assert (obs.input_tokens, obs.output_tokens) == (70, 9)


def test_v2_stream_cut_before_message_end_keeps_text_only() -> None:
    obs = Observed()
    for e in _events("cohere/v2_chat_stream_cut"):
        ADAPTER.observe_chunk(e, obs)
    assert obs.input_tokens is None and obs.output_tokens is None
    assert (obs.text_chars, obs.text_chunks) == (31, 2)


def test_async_stream_yields_the_same_events() -> None:
    async def go() -> Observed:
        obs = Observed()
        async for e in cases.aclient(load("cohere/v2_chat_stream")).chat_stream(**cases.V2):
            ADAPTER.observe_chunk(e, obs)
        return obs

    obs = asyncio.run(go())
    assert (obs.input_tokens, obs.output_tokens, obs.text_chars) == (70, 9, 31)


def test_v1_chat_and_stream() -> None:
    resp = cases.v1_client(load("cohere/v1_chat")).chat(**cases.V1)
    assert type(resp).__name__ == "NonStreamedChatResponse"
    assert (_observe(resp).input_tokens, _observe(resp).output_tokens) == (70, 9)
    obs = Observed()
    events = _events("cohere/v1_chat_stream", v1=True)
    assert events[-1].event_type == "stream-end"
    for e in events:
        ADAPTER.observe_chunk(e, obs)
    assert (obs.input_tokens, obs.output_tokens, obs.text_chars, obs.text_chunks) == (70, 9, 31, 3)


def test_thinking_tool_plan_and_tool_arguments_are_counted() -> None:
    obs = Observed()
    for e in (
        {"type": "content-delta", "delta": {"message": {"content": {"thinking": "Hmm."}}}},
        {"type": "tool-plan-delta", "delta": {"message": {"tool_plan": "Look it up."}}},
        {
            "type": "tool-call-delta",
            "delta": {"message": {"tool_calls": {"function": {"arguments": '{"q":'}}}},
        },
        {"type": "citation-start", "delta": {"message": {"citations": {"text": "ignored"}}}},
    ):
        ADAPTER.observe_chunk(e, obs)
    assert (obs.text_chars, obs.text_chunks) == (4 + 11 + 5, 3)


@pytest.mark.parametrize(
    "odd",
    [
        None,
        "text",
        7,
        SimpleNamespace(),
        SimpleNamespace(usage=None, meta=None, data=None),
        SimpleNamespace(usage=SimpleNamespace(tokens=SimpleNamespace(input_tokens="70"), billed_units=None)),
        {"type": "message-end", "delta": {"usage": {"tokens": {"input_tokens": -1, "output_tokens": 1.5}}}},
        {"type": "content-delta", "delta": None},
        {"event_type": "stream-end", "response": None},
    ],
)
def test_odd_objects_set_nothing(odd: Any) -> None:
    obs = Observed()
    ADAPTER.observe_chunk(odd, obs)
    ADAPTER.observe_response(odd, obs)
    assert obs == Observed()


def test_float_counts_from_the_sdk_models_are_accepted() -> None:
    # The SDK types token counts as floats: 70.0 is 70 tokens.
    usage = {"tokens": {"input_tokens": 70.0, "output_tokens": 9.0}, "cached_tokens": 64.0}
    obs = _observe({"usage": usage})
    assert (obs.input_tokens, obs.output_tokens, obs.cached_input_tokens) == (70, 9, 64)


def test_request_attribution() -> None:
    import cohere

    c = cases.client(load("cohere/v2_chat"))
    r = ADAPTER.request(CHAT, c, (), {"model": "command-a-03-2025"})
    assert (r.provider, r.model, r.stream, r.server) == (
        "cohere",
        "command-a-03-2025",
        False,
        "https://api.cohere.com",
    )
    raw = cohere.v2.raw_client.RawV2Client(client_wrapper=c._client_wrapper)
    assert ADAPTER.request(CHAT, raw, (), {}).server == "https://api.cohere.com"
    assert ADAPTER.request(STREAM, c, (), {"model": None}).stream is True
    own = cohere.ClientV2(api_key="k", base_url="http://localhost:8080")
    assert ADAPTER.request(CHAT, own, (), {}).server == "http://localhost:8080"
    assert ADAPTER.request(CHAT, None, (), {}).server is None


def test_bedrock_client_is_attributed_to_bedrock_in_its_region() -> None:
    import cohere

    pytest.importorskip("boto3")
    b = cohere.BedrockClientV2(aws_region="eu-west-3", aws_access_key="AKIDEXAMPLE", aws_secret_key="secret")
    r = ADAPTER.request(CHAT, b, (), {"model": "cohere.command-r-plus-v1:0"})
    assert (r.provider, r.model, r.region, r.server) == (
        "bedrock",
        "cohere.command-r-plus-v1:0",
        "eu-west-3",
        None,
    )
    assert mod.aws_region(cases.client(load("cohere/v2_chat"))) is None


def test_count_input() -> None:
    assert ADAPTER.count_input((), {"messages": cases.MESSAGES}) == 8
    history = [{"role": "USER", "message": "abcd"}, SimpleNamespace(role="CHATBOT", message="efgh")]
    assert ADAPTER.count_input((), {"message": "abcd", "preamble": "abcd", "chat_history": history}) == 4
    assert ADAPTER.count_input((), {}) is None


def test_client_built_before_instrument_is_recorded_through_the_raw_client() -> None:
    """``Client.__init__`` binds ``chat`` on the instance; the wrapped ``RawV2Client.chat`` records it."""
    c = cases.client(load("cohere/v2_chat"))
    af.instrument(providers=["cohere"], strict=True)
    records = Records()
    remove = af.add_listener(records)
    try:
        resp = c.chat(**cases.V2)
    finally:
        remove()
    assert type(resp).__name__ == "V2ChatResponse"
    (rec,) = records.items
    assert rec.impacts is not None and rec.usage is not None and rec.usage.input_tokens == 70


def test_nested_raw_call_is_not_counted_twice(only_cohere: Records) -> None:
    records = only_cohere
    resp = cases.client(load("cohere/v2_chat")).chat(**cases.V2)
    assert len(records.items) == 1 and af.impacts_of(resp) is records.items[0].impacts


@pytest.mark.parametrize("method", ["chat", "chat_stream"])
def test_v1_chat_without_model_assumes_the_documented_default(only_cohere: Records, method: str) -> None:
    """https://docs.cohere.com/v1/reference/chat: ``model`` "Defaults to command-r-plus-08-2024"."""
    ex = load("cohere/v1_chat" if method == "chat" else "cohere/v1_chat_stream")
    ex.data["request"]["json_subset"].pop("model", None)
    result = getattr(cases.v1_client(ex), method)(message=cases.QUESTION)
    if method == "chat_stream":
        result = list(result)[-1]
    assert ex.requests[0].json is not None and "model" not in ex.requests[0].json  # the API chose
    (rec,) = only_cohere.items
    assert rec.model == "command-r-plus-08-2024" and rec.error is None
    imp = af.impacts_of(result)
    assert imp is not None and imp.model == "cohere/command-r-plus-08-2024"
    assert "model-defaulted" in imp.warnings


def test_only_a_v1_chat_without_model_is_defaulted() -> None:
    c = cases.client(load("cohere/v2_chat"))
    assert ADAPTER.request(CHAT, c, (), {}).model is None  # v2 requires model: nothing to assume
    v1 = WrapSpec("cohere.base_client", "BaseCohere.chat")
    assert ADAPTER.request(v1, c, (), {"model": "command-r7b-12-2024"}).model == "command-r7b-12-2024"
