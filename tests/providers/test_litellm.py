"""LiteLLM extractors and attribution, fed with real LiteLLM objects from its real OpenAI provider code."""

from __future__ import annotations

import asyncio
import importlib
from types import SimpleNamespace
from typing import Any

import pytest

import aifootprint as af
from aifootprint.providers import litellm as adapter_mod
from aifootprint.providers._base import Observed

from . import cases_litellm as cases  # sets LITELLM_LOCAL_MODEL_COST_MAP before litellm is imported
from .exchanges import load

pytest.importorskip("openai")
litellm = pytest.importorskip("litellm")

ADAPTER = adapter_mod.ADAPTER
SPEC = ADAPTER.wraps[0]


def _observe_stream(chunks: list[Any]) -> Observed:
    obs = Observed()
    for c in chunks:
        ADAPTER.observe_chunk(c, obs)
    return obs


def _chunks(stream: Any) -> list[Any]:
    with cases.quiet():
        return list(stream)


def test_wrapped_functions_exist() -> None:
    for spec in ADAPTER.wraps:
        assert callable(getattr(importlib.import_module(spec.module), spec.path))
    # ``litellm.completion`` is what users call: ``main.completion`` re-exported (``from .main import *``)
    # up to 1.10x, a native/Python dispatch function (``litellm.chat_completions.dispatch``) in newer
    # releases, which calls the ``main.completion`` it captured at import. ``litellm.main.completion`` is
    # what ``main.acompletion`` calls (by its global name) in an executor thread.
    assert litellm.completion.__name__ == litellm.main.completion.__name__ == "completion"


def test_response_usage_and_model() -> None:
    ex = load("litellm/chat_completion")
    resp = cases.completion(ex)
    assert type(resp).__name__ == "ModelResponse"
    obs = Observed()
    ADAPTER.observe_response(resp, obs)
    assert (obs.model, obs.input_tokens, obs.output_tokens) == ("gpt-4o-mini-2024-07-18", 14, 9)
    assert (obs.reasoning_tokens, obs.cached_input_tokens) == (0, 0)
    assert ex.requests[0].json["model"] == "gpt-4o-mini"  # LiteLLM stripped its "openai/" prefix


def test_reasoning_and_cached_tokens() -> None:
    resp = cases.completion(load("litellm/chat_completion_reasoning"), model="openai/o4-mini")
    obs = Observed()
    ADAPTER.observe_response(resp, obs)
    assert (obs.model, obs.input_tokens, obs.output_tokens) == ("o4-mini-2025-04-16", 1180, 212)
    assert (obs.reasoning_tokens, obs.cached_input_tokens) == (192, 1024)


def test_async_response() -> None:
    resp = asyncio.run(cases.acompletion(load("litellm/chat_completion")))
    obs = Observed()
    ADAPTER.observe_response(resp, obs)
    assert (obs.input_tokens, obs.output_tokens) == (14, 9)


def test_stream_usage_on_last_chunk() -> None:
    ex = load("litellm/chat_completion_stream")
    stream = cases.completion(ex, stream=True)
    assert type(stream).__name__ == "CustomStreamWrapper"
    # one object, both iterator protocols: a proxy must pick the one the caller uses
    assert hasattr(stream, "__next__") and hasattr(stream, "__anext__")
    chunks = _chunks(stream)
    assert chunks[-1].usage is not None
    obs = _observe_stream(chunks)
    # LiteLLM's chunks carry the requested model name, not the provider's dated one
    assert (obs.model, obs.input_tokens, obs.output_tokens) == ("gpt-4o-mini", 11, 4)
    assert obs.text_chars == len("Bonjour!")
    # LiteLLM asks an OpenAI endpoint for usage even when the caller did not
    assert ex.requests[0].json["stream_options"] == {"include_usage": True}


def test_async_stream_chunks() -> None:
    async def go() -> list[Any]:
        stream = await cases.acompletion(load("litellm/chat_completion_stream"), stream=True)
        assert type(stream).__name__ == "CustomStreamWrapper"
        with cases.quiet():
            return [c async for c in stream]

    obs = _observe_stream(asyncio.run(go()))
    assert (obs.input_tokens, obs.output_tokens) == (11, 4)


def test_stream_without_usage_counts_text_and_ignores_zero_hidden_usage() -> None:
    ex = load("litellm/chat_completion_stream_no_usage")
    stream = cases.completion(ex, stream=True, api_base=cases.LOCAL_BASE)
    obs = Observed()
    hidden: list[int] = []  # hidden prompt tokens of each chunk when yielded, as the instrumentation sees it
    with cases.quiet():
        for c in stream:
            ADAPTER.observe_chunk(c, obs)
            if c._hidden_params.get("usage") is not None:
                hidden.append(c._hidden_params["usage"].prompt_tokens)
    assert "stream_options" not in (ex.requests[0].json or {})
    assert hidden and hidden[-1] == 0  # LiteLLM's placeholder when the provider sent none
    # (LiteLLM 1.110 replaces it once the stream has ended with its own tokenizer's count: not the provider's
    # figure, and after the last chunk has been observed)
    assert obs.input_tokens is None and obs.output_tokens is None
    assert (obs.text_chars, obs.text_chunks) == (len("Bonjour!"), 3)


def test_hidden_usage_with_counts_is_read() -> None:
    usage = SimpleNamespace(prompt_tokens=5, completion_tokens=2)
    chunk = SimpleNamespace(model="m", usage=None, choices=[], _hidden_params={"usage": usage})
    obs = _observe_stream([chunk])
    assert (obs.input_tokens, obs.output_tokens) == (5, 2)


def test_reasoning_content_deltas_are_counted() -> None:
    delta = SimpleNamespace(content=None, reasoning_content="hmm")
    obs = _observe_stream([SimpleNamespace(usage=None, choices=[SimpleNamespace(delta=delta)])])
    assert obs.text_chars == 3


@pytest.mark.parametrize(
    "odd",
    [
        None,
        "text",
        {"usage": {"prompt_tokens": "7"}},
        SimpleNamespace(usage=SimpleNamespace(prompt_tokens=None, completion_tokens=-2), _hidden_params=[]),
        SimpleNamespace(usage=None, choices=[object()], _hidden_params={"usage": "x"}),
        SimpleNamespace(usage=None, choices=None, _hidden_params={"usage": {"prompt_tokens": 0}}),
    ],
)
def test_odd_objects_never_raise(odd: object) -> None:
    obs = Observed()
    ADAPTER.observe_response(odd, obs)
    ADAPTER.observe_chunk(odd, obs)
    assert obs.input_tokens is None and obs.output_tokens is None


# (model, extra kwargs) -> (catalogue provider, model id, litellm's own provider name)
ATTRIBUTION = [
    ("openai/gpt-4o-mini", {}, "openai", "gpt-4o-mini", "openai"),
    ("gpt-4o-mini", {}, "openai", "gpt-4o-mini", "openai"),
    ("anthropic/claude-3-5-haiku-20241022", {}, "anthropic", "claude-3-5-haiku-20241022", "anthropic"),
    (
        "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo",
        {},
        "together",
        "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "together_ai",
    ),
    ("groq/llama-3.3-70b-versatile", {}, "groq", "llama-3.3-70b-versatile", "groq"),
    ("gemini/gemini-2.0-flash", {}, "google", "gemini-2.0-flash", "gemini"),
    ("vertex_ai/gemini-2.5-pro", {}, "google", "gemini-2.5-pro", "vertex_ai"),
    (
        "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
        {},
        "bedrock",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "bedrock",
    ),
    ("azure/my-gpt4o-deployment", {}, "openai", "my-gpt4o-deployment", "azure"),
    ("mistral/mistral-large-latest", {}, "mistral", "mistral-large-latest", "mistral"),
    ("cohere_chat/command-r-plus", {}, "cohere", "command-r-plus", "cohere_chat"),
    (
        "huggingface/meta-llama/Llama-3.1-8B-Instruct",
        {},
        "huggingface",
        "meta-llama/Llama-3.1-8B-Instruct",
        "huggingface",
    ),
    ("ollama_chat/llama3.1", {}, "ollama", "llama3.1", "ollama_chat"),
    ("ollama/llama3.1", {}, "ollama", "llama3.1", "ollama"),
    ("deepseek/deepseek-chat", {}, "deepseek", "deepseek-chat", "deepseek"),
    (
        "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        {"custom_llm_provider": "together_ai"},
        "together",
        "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "together_ai",
    ),
    ("openrouter/anthropic/claude-3.5-sonnet", {}, "openrouter", "anthropic/claude-3.5-sonnet", "openrouter"),
]


@pytest.mark.parametrize(
    ("model", "kw", "provider", "name", "llm_provider"), ATTRIBUTION, ids=[a[0] for a in ATTRIBUTION]
)
def test_attribution(model: str, kw: dict[str, Any], provider: str, name: str, llm_provider: str) -> None:
    req = ADAPTER.request(SPEC, None, (), {"model": model, "messages": [], **kw})
    assert req is not None
    datacenter = "azure-openai" if llm_provider == "azure" else None
    assert (req.provider, req.model, req.stream, req.datacenter) == (provider, name, False, datacenter)
    # our prefix fast path agrees with LiteLLM's own routing
    got_name, got_provider, _, _ = litellm.get_llm_provider(model=model, **kw)
    assert (got_name, got_provider) == (name, llm_provider)
    assert adapter_mod.PROVIDERS.get(llm_provider, llm_provider) == provider


def test_attribution_special_cases() -> None:
    def req(*args: Any, **kw: Any) -> Any:
        r = ADAPTER.request(SPEC, None, args, kw)
        assert r is not None
        return r

    r = req(model="vertex_ai/claude-sonnet-4@20250514", vertex_location="europe-west1")
    assert (r.provider, r.datacenter, r.model, r.region) == (
        "anthropic",
        "google",
        "claude-sonnet-4-20250514",  # Vertex AI's "@" date separator, as the anthropic adapter reads it
        "europe-west1",
    )
    r = req(model="bedrock/converse/anthropic.claude-3-5-sonnet-20240620-v1:0", aws_region_name="eu-west-3")
    assert (r.provider, r.model, r.region) == (
        "bedrock",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "eu-west-3",
    )
    r = req("groq/llama-3.1-8b-instant", [{"role": "user", "content": "hi"}], stream=True)  # positional
    assert (r.provider, r.model, r.stream) == ("groq", "llama-3.1-8b-instant", True)
    r = req(model="openai/my-model", api_base="http://127.0.0.1:8000/v1")  # a self-hosted server
    assert (r.provider, r.server, r.datacenter) == ("openai-compatible", "http://127.0.0.1:8000/v1", None)
    r = req(model="openai/llama-3.3-70b-versatile", api_base="https://api.groq.com/openai/v1")
    assert (r.provider, r.model) == ("groq", "llama-3.3-70b-versatile")
    r = req(model="hosted_vllm/Qwen/Qwen3-8B", api_base="http://10.0.0.5:8000/v1")
    assert (r.provider, r.model) == ("openai-compatible", "Qwen/Qwen3-8B")
    r = req(model="anthropic/claude-sonnet-4-5", api_base="https://llm-proxy.example.com")  # a proxy
    assert r.provider == "anthropic"
    r = req(model="bedrock/arn:aws:bedrock:eu-west-3:123456789012:inference-profile/eu.anthropic.claude-3-7")
    assert (r.provider, r.model) == ("bedrock", "eu.anthropic.claude-3-7")
    r = req(model="gpt-4o-mini", client=cases.openai_client(load("litellm/chat_completion")))
    assert r.server is not None and r.server.startswith("https://api.openai.com/v1")
    r = req(model="groq/llama-3.3-70b-versatile")
    assert r.server is None  # litellm's default base is not resolved on the fast path
    r = req(model="no-such-model-anywhere")  # LiteLLM cannot route it either: the call itself will fail
    assert (r.provider, r.model) == ("litellm", "no-such-model-anywhere")
    r = req(messages=[])
    assert (r.provider, r.model) == ("litellm", None)


def test_count_input_keyword_and_positional() -> None:
    msgs = [{"role": "user", "content": "x" * 20}]
    assert ADAPTER.count_input((), {"model": "m", "messages": msgs}) == 5
    assert ADAPTER.count_input(("m", msgs), {}) == 5
    assert ADAPTER.count_input((), {}) is None


def test_nested_openai_call_is_not_counted_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    from openai.resources.chat import completions as chat

    # LiteLLM 1.80 to 1.106 call the openai SDK's chat.completions.create (through with_raw_response); 1.110
    # posts to /chat/completions with the client's low-level post(), past every public method. Counted here
    # underneath the instrumentation, so the openai records can be checked against what LiteLLM really did.
    sdk_calls: list[object] = []
    create = chat.Completions.create

    def counting_create(self: Any, *args: Any, **kwargs: Any) -> Any:
        sdk_calls.append(self)
        return create(self, *args, **kwargs)

    monkeypatch.setattr(chat.Completions, "create", counting_create)
    seen: list[Any] = []
    af.instrument(providers=["openai"], strict=True)
    remove = af.add_listener(seen.append)
    try:
        cases.completion(load("litellm/chat_completion"))
        assert [r.instrument for r in seen] == ["openai"] * len(sdk_calls)  # each nested SDK call, once
        assert len(sdk_calls) <= 1
        seen.clear()
        af.instrument(providers=["openai", "litellm"], strict=True)
        resp = cases.completion(load("litellm/chat_completion"))
        assert [r.instrument for r in seen] == ["litellm"]
        assert (seen[0].provider, seen[0].model) == ("openai", "gpt-4o-mini")
        assert af.impacts_of(resp) is seen[0].impacts is not None
    finally:
        remove()
        af.uninstrument()


def test_async_nested_call_is_not_counted_twice() -> None:
    seen: list[Any] = []
    af.instrument(providers=["openai", "litellm"], strict=True)
    remove = af.add_listener(seen.append)
    try:
        asyncio.run(cases.acompletion(load("litellm/chat_completion")))
        # acompletion runs completion() in an executor thread with a copy of the context: still one record
        assert [r.instrument for r in seen] == ["litellm"]
    finally:
        remove()
        af.uninstrument()


def test_error_exchange_raises_litellm_error() -> None:
    with pytest.raises(litellm.exceptions.BadRequestError):
        cases.completion(load("litellm/error_400"))


def test_instrumented_stream_content_unchanged_but_for_litellm_clock() -> None:
    def run() -> list[dict[str, Any]]:
        with cases.quiet():
            chunks = list(cases.completion(load("litellm/chat_completion_stream"), stream=True))
        return [c.model_dump(exclude={"created"}) for c in chunks]  # created: LiteLLM's time.time()

    plain = run()
    seen: list[Any] = []
    af.instrument(strict=True)  # every installed SDK, openai included
    remove = af.add_listener(seen.append)
    try:
        assert run() == plain
        assert [r.instrument for r in seen] == ["litellm"]
    finally:
        remove()
        af.uninstrument()
