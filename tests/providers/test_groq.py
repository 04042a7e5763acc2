"""Groq extractors fed with real ``groq`` SDK objects from the recorded exchanges (no instrumentation)."""

from __future__ import annotations

import asyncio
import importlib
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("groq")

from aifootprint.providers import groq as adapter_mod
from aifootprint.providers._base import Observed

from . import cases_groq as cases
from .exchanges import Exchange, load

ADAPTER = adapter_mod.ADAPTER


def _observe_stream(chunks: list[Any]) -> Observed:
    obs = Observed()
    for c in chunks:
        ADAPTER.observe_chunk(c, obs)
    return obs


def _response(name: str, call: Any = cases._create) -> Any:
    return call(load(name))


def test_wrapped_methods_exist_in_installed_sdk() -> None:
    for spec in ADAPTER.wraps:
        obj: Any = importlib.import_module(spec.module)
        for part in spec.path.split("."):
            obj = getattr(obj, part)
        assert callable(obj)


def test_response_usage_and_model() -> None:
    resp = _response("groq/chat_completion")
    assert type(resp).__name__ == "ChatCompletion"
    obs = Observed()
    ADAPTER.observe_response(resp, obs)
    assert (obs.model, obs.input_tokens, obs.output_tokens) == ("llama-3.3-70b-versatile", 18, 7)
    assert obs.reasoning_tokens is None and obs.cached_input_tokens is None


def test_reasoning_and_cached_tokens() -> None:
    resp = _response("groq/chat_completion_reasoning", cases._create_reasoning)
    obs = Observed()
    ADAPTER.observe_response(resp, obs)
    assert (obs.model, obs.input_tokens, obs.output_tokens) == ("openai/gpt-oss-20b", 96, 41)
    assert (obs.reasoning_tokens, obs.cached_input_tokens) == (29, 64)


def test_stream_usage_from_x_groq() -> None:
    ex = load("groq/chat_completion_stream")
    stream = cases._create(ex, stream=True)
    assert type(stream).__name__ == "Stream"
    chunks = list(stream)
    assert chunks[-1].usage is None and chunks[-1].x_groq.usage is not None  # the SDK object shape we rely on
    obs = _observe_stream(chunks)
    assert (obs.model, obs.input_tokens, obs.output_tokens) == ("llama-3.3-70b-versatile", 14, 4)
    assert obs.text_chars == len("Hello there!")
    assert ex.requests[0].json["stream"] is True


def test_stream_usage_from_include_usage_chunk() -> None:
    ex = load("groq/chat_completion_stream_include_usage")
    chunks = list(cases._create(ex, stream=True, extra_body={"stream_options": {"include_usage": True}}))
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    obs = _observe_stream(chunks)
    assert (obs.input_tokens, obs.output_tokens) == (14, 4)


def test_async_stream_chunks() -> None:
    async def go() -> list[Any]:
        stream = await cases._acreate(load("groq/chat_completion_stream"), stream=True)
        assert type(stream).__name__ == "AsyncStream"
        return [c async for c in stream]

    obs = _observe_stream(asyncio.run(go()))
    assert (obs.input_tokens, obs.output_tokens) == (14, 4)


def test_stream_without_usage_counts_text_only() -> None:
    ex = load("groq/chat_completion_stream")
    for ev in ex.data["response"]["sse"]:
        if isinstance(ev["data"], dict) and "x_groq" in ev["data"]:
            ev["data"]["x_groq"].pop("usage", None)
    obs = _observe_stream(list(cases._create(ex, stream=True)))
    assert obs.input_tokens is None and obs.output_tokens is None
    assert (obs.text_chars, obs.text_chunks) == (len("Hello there!"), 3)


def test_stream_reasoning_deltas_are_counted() -> None:
    delta = SimpleNamespace(content=None, reasoning="thinking")
    chunk = SimpleNamespace(model="m", usage=None, x_groq=None, choices=[SimpleNamespace(delta=delta)])
    obs = _observe_stream([chunk])
    assert obs.text_chars == len("thinking")
    delta2 = SimpleNamespace(content="ab", reasoning="cd")
    obs2 = _observe_stream([SimpleNamespace(usage=None, choices=[SimpleNamespace(delta=delta2)])])
    assert (obs2.text_chars, obs2.text_chunks) == (4, 1)


def test_response_without_usage_sets_nothing() -> None:
    ex = load("groq/chat_completion")
    del ex.data["response"]["json"]["usage"]
    obs = Observed()
    ADAPTER.observe_response(cases._create(ex), obs)
    assert obs.model == "llama-3.3-70b-versatile"
    assert obs.input_tokens is obs.output_tokens is obs.reasoning_tokens is obs.cached_input_tokens is None


@pytest.mark.parametrize(
    "odd",
    [
        None,
        object(),
        {"usage": "12"},
        {"usage": {"prompt_tokens": "12", "completion_tokens": -1}},
        SimpleNamespace(usage=SimpleNamespace(prompt_tokens=None, completion_tokens=None)),
        SimpleNamespace(model=3, usage=SimpleNamespace(prompt_tokens=1.5, completion_tokens=True)),
        SimpleNamespace(choices=[SimpleNamespace(delta=None)], usage=None),
        SimpleNamespace(choices=[None], usage=None, x_groq=SimpleNamespace(usage=None)),
    ],
)
def test_odd_objects_never_raise_and_set_no_tokens(odd: object) -> None:
    obs = Observed()
    ADAPTER.observe_response(odd, obs)
    ADAPTER.observe_chunk(odd, obs)
    assert obs.input_tokens is None and obs.output_tokens is None and obs.model is None


def test_dict_usage_is_read() -> None:
    obs = Observed()
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "completion_tokens_details": {"reasoning_tokens": 1}}
    ADAPTER.observe_response({"model": "x", "usage": usage}, obs)
    assert (obs.model, obs.input_tokens, obs.output_tokens, obs.reasoning_tokens) == ("x", 3, 2, 1)


def test_request_from_real_client() -> None:
    ex = load("groq/chat_completion")
    resource = cases.sync_client(ex).chat.completions
    spec = ADAPTER.wraps[0]
    req = ADAPTER.request(
        spec, resource, (), {"model": "llama-3.1-8b-instant", "messages": [], "stream": True}
    )
    assert req is not None
    assert (req.provider, req.model, req.operation, req.stream) == (
        "groq",
        "llama-3.1-8b-instant",
        "chat",
        True,
    )
    assert req.server is not None and req.server.startswith("https://api.groq.com")
    req2 = ADAPTER.request(spec, resource, (), {"model": "m", "stream": False})
    assert req2 is not None and req2.stream is False


def test_request_server_follows_base_url() -> None:
    import groq

    client = groq.Groq(api_key="k", base_url="http://127.0.0.1:9999/groq")
    req = ADAPTER.request(ADAPTER.wraps[0], client.chat.completions, (), {"model": "m"})
    assert req is not None and req.server is not None and req.server.startswith("http://127.0.0.1:9999/groq")
    assert ADAPTER.request(ADAPTER.wraps[0], None, (), {}).server is None  # type: ignore[union-attr]


def test_raw_response_is_recognised_and_parses() -> None:
    raw = cases._raw(load("groq/chat_completion"))
    assert ADAPTER.is_raw(raw)
    parsed = raw.parse()
    assert not ADAPTER.is_raw(parsed)
    obs = Observed()
    ADAPTER.observe_response(parsed, obs)
    assert (obs.input_tokens, obs.output_tokens) == (18, 7)

    async def go() -> Any:
        return await cases._araw(load("groq/chat_completion"))

    assert ADAPTER.is_raw(asyncio.run(go()))


def test_count_input() -> None:
    assert ADAPTER.count_input((), {"messages": [{"role": "user", "content": "x" * 40}]}) == 10
    assert ADAPTER.count_input((), {}) is None


def test_error_exchange_raises_sdk_error() -> None:
    import groq

    ex: Exchange = load("groq/error_404")
    with pytest.raises(groq.NotFoundError):
        cases._create(ex)
