"""Together extractors fed with real ``together`` SDK objects from recorded exchanges (no instrumentation).

Runs against whichever SDK line is installed: 2.x/3.x through a MockTransport, 1.x through a local server.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.metadata
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("together")

from aifootprint.providers import together as adapter_mod
from aifootprint.providers._base import Observed

from . import cases_together as cases
from .exchanges import load

ADAPTER = adapter_mod.ADAPTER
STAINLESS = cases.sdk_major() >= 2


def _observe_stream(chunks: list[Any]) -> Observed:
    obs = Observed()
    for c in chunks:
        ADAPTER.observe_chunk(c, obs)
    return obs


def test_min_version_and_some_wrapped_method_exists() -> None:
    def release(v: str) -> tuple[int, ...]:
        return tuple(int(p) for p in v.split(".")[:3] if p.isdigit())

    assert release(importlib.metadata.version("together")) >= release(ADAPTER.min_version)
    found = []
    for spec in ADAPTER.wraps:
        obj: Any = importlib.import_module(spec.module)
        for part in spec.path.split("."):
            obj = getattr(obj, part, None)
        if obj is not None:
            found.append(spec.path.split(".")[0])
    want = {"CompletionsResource", "AsyncCompletionsResource"} if STAINLESS else {"ChatCompletions"}
    assert want <= set(found)


def test_response_usage_and_model() -> None:
    ex = load("together/chat_completion")
    resp = cases._create(ex)
    assert type(resp).__name__ in ("ChatCompletion", "ChatCompletionResponse")
    obs = Observed()
    ADAPTER.observe_response(resp, obs)
    assert (obs.model, obs.input_tokens, obs.output_tokens) == (cases.MODEL, 42, 8)
    assert obs.cached_input_tokens == 0 and obs.reasoning_tokens is None
    assert ex.requests[0].path == "/v1/chat/completions"


def test_cached_tokens() -> None:
    obs = Observed()
    ADAPTER.observe_response(cases._create_cached(load("together/chat_completion_cached")), obs)
    assert (obs.model, obs.input_tokens, obs.output_tokens) == ("deepseek-ai/DeepSeek-V3.1", 1210, 12)
    assert obs.cached_input_tokens == 1024


def test_stream_usage_on_last_chunk() -> None:
    ex = load("together/chat_completion_stream")
    stream = cases._create(ex, stream=True)
    if STAINLESS:
        assert type(stream).__name__ == "Stream"
    chunks = list(stream)
    assert chunks[-1].usage is not None and chunks[0].usage is None
    obs = _observe_stream(chunks)
    assert (obs.model, obs.input_tokens, obs.output_tokens) == (cases.MODEL, 40, 5)
    assert (obs.text_chars, obs.text_chunks) == (len("Paris is lovely."), 4)
    assert ex.requests[0].json["stream"] is True


def test_async_stream_chunks() -> None:
    async def go() -> list[Any]:
        stream = await cases._acreate(load("together/chat_completion_stream"), stream=True)
        return [c async for c in stream]

    obs = _observe_stream(asyncio.run(go()))
    assert (obs.input_tokens, obs.output_tokens) == (40, 5)


def test_async_response() -> None:
    obs = Observed()
    ADAPTER.observe_response(asyncio.run(cases._acreate(load("together/chat_completion"))), obs)
    assert (obs.input_tokens, obs.output_tokens) == (42, 8)


def test_stream_without_usage_counts_text_only() -> None:
    ex = load("together/chat_completion_stream")
    for ev in ex.data["response"]["sse"]:
        if isinstance(ev["data"], dict):
            ev["data"]["usage"] = None
    obs = _observe_stream(list(cases._create(ex, stream=True)))
    assert obs.input_tokens is None and obs.output_tokens is None
    assert obs.text_chars == len("Paris is lovely.")


def test_response_without_usage_sets_nothing() -> None:
    ex = load("together/chat_completion")
    del ex.data["response"]["json"]["usage"]
    obs = Observed()
    ADAPTER.observe_response(cases._create(ex), obs)
    assert obs.model == cases.MODEL
    assert obs.input_tokens is obs.output_tokens is obs.cached_input_tokens is None


def test_reasoning_delta_counted() -> None:
    delta = SimpleNamespace(content="", reasoning="Let me think")
    obs = _observe_stream([SimpleNamespace(model="m", usage=None, choices=[SimpleNamespace(delta=delta)])])
    assert obs.text_chars == len("Let me think")


@pytest.mark.parametrize(
    "odd",
    [
        None,
        42,
        {"usage": [1, 2]},
        {"usage": {"prompt_tokens": "1", "completion_tokens": None, "cached_tokens": 3}},
        SimpleNamespace(usage=SimpleNamespace(prompt_tokens=-3, completion_tokens=2.5)),
        SimpleNamespace(choices=[SimpleNamespace(delta=SimpleNamespace(content=7))], usage=None),
        SimpleNamespace(choices="abc", usage=None),
    ],
)
def test_odd_objects_never_raise(odd: object) -> None:
    obs = Observed()
    ADAPTER.observe_response(odd, obs)
    ADAPTER.observe_chunk(odd, obs)
    assert obs.input_tokens is None and obs.output_tokens is None and obs.cached_input_tokens is None


def test_openai_style_cached_details_preferred() -> None:
    obs = Observed()
    usage = {"prompt_tokens": 10, "completion_tokens": 2, "prompt_tokens_details": {"cached_tokens": 8}}
    ADAPTER.observe_response({"usage": usage}, obs)
    assert obs.cached_input_tokens == 8


def test_request_from_real_client() -> None:
    ex = load("together/chat_completion")
    resource = cases.sync_client(ex).chat.completions
    spec = next(s for s in ADAPTER.wraps if s.path.startswith(type(resource).__name__ + "."))
    req = ADAPTER.request(spec, resource, (), {"model": cases.MODEL, "messages": [], "stream": True})
    assert req is not None
    assert (req.provider, req.model, req.stream, req.operation) == ("together", cases.MODEL, True, "chat")
    assert req.server is not None and req.server.startswith(("https://api.together.", "http://127.0.0.1:"))
    req2 = ADAPTER.request(spec, resource, (), {"model": None})
    assert req2 is not None and req2.model is None and req2.stream is False


@pytest.mark.skipif(not STAINLESS, reason="with_raw_response exists in the Stainless SDKs (2.x, 3.x)")
def test_raw_response_is_recognised() -> None:
    raw = cases._raw(load("together/chat_completion"))
    assert ADAPTER.is_raw(raw)
    obs = Observed()
    ADAPTER.observe_response(raw.parse(), obs)
    assert (obs.input_tokens, obs.output_tokens) == (42, 8)
    assert not ADAPTER.is_raw(raw.parse())
    assert ADAPTER.is_raw(asyncio.run(cases._araw(load("together/chat_completion"))))


def test_count_input() -> None:
    msgs = [
        {"role": "user", "content": [{"type": "text", "text": "y" * 20}]},
        {"role": "system", "content": "zz"},
    ]
    assert (
        ADAPTER.count_input((), {"messages": msgs}) == 6
        and ADAPTER.count_input((), {"messages": None}) is None
    )


def test_error_exchange_raises_sdk_error() -> None:
    import pydoc

    exc_type = pydoc.locate(cases.CASES[0].error_type or "")
    assert isinstance(exc_type, type)
    with pytest.raises(exc_type):
        cases._create(load("together/error_404"))
