"""huggingface_hub extractors, fed with real SDK objects from the recorded exchanges, plus attribution."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("huggingface_hub")

from huggingface_hub import InferenceClient
from huggingface_hub.inference._generated.types import (
    ChatCompletionOutput,
    ChatCompletionStreamOutput,
    TextGenerationOutput,
    TextGenerationStreamOutput,
)

from aifootprint.providers import huggingface_hub as hf
from aifootprint.providers._base import Observed, WrapSpec

from .cases_huggingface_hub import (
    LLAMA_8B,
    LLAMA_70B,
    MESSAGES,
    PROMPT,
    TOKEN,
    async_call,
    serving,
    sync_call,
)
from .exchanges import load

CHAT = WrapSpec("huggingface_hub.inference._client", "InferenceClient.chat_completion", "chat")
TEXT = WrapSpec("huggingface_hub.inference._client", "InferenceClient.text_generation", "text")


def observe(resp: Any) -> Observed:
    o = Observed()
    hf.ADAPTER.observe_response(resp, o)
    return o


def observe_all(chunks: list[Any]) -> Observed:
    o = Observed()
    for c in chunks:
        hf.ADAPTER.observe_chunk(c, o)
    return o


def chat(name: str = "huggingface_hub/chat_completion", **kwargs: Any) -> Any:
    return sync_call(load(name), lambda c: c.chat_completion(MESSAGES, model=LLAMA_8B, **kwargs))


def test_every_wrap_spec_exists_in_the_installed_sdk() -> None:
    for spec in hf.WRAPS:
        obj: Any = importlib.import_module(spec.module)
        for name in spec.path.split("."):
            obj = getattr(obj, name)
        assert callable(obj), spec


def test_chat_completion_usage_and_model() -> None:
    resp = chat()
    assert isinstance(resp, ChatCompletionOutput) and isinstance(resp, dict)  # a dataclass and a dict
    o = observe(resp)
    assert (o.input_tokens, o.output_tokens, o.reasoning_tokens, o.cached_input_tokens) == (46, 3, None, None)
    assert o.model == LLAMA_8B and o.text_chars == 0


def test_chat_stream_usage_on_the_last_chunk() -> None:
    chunks = list(
        chat("huggingface_hub/chat_completion_stream", stream=True, stream_options={"include_usage": True})
    )
    assert len(chunks) == 4 and all(isinstance(c, ChatCompletionStreamOutput) for c in chunks)
    o = observe_all(chunks[:3])
    assert o.output_tokens is None and o.text_chars == len("Paris.") and o.text_chunks == 2
    hf.ADAPTER.observe_chunk(chunks[3], o)
    assert (o.input_tokens, o.output_tokens) == (46, 3) and o.model == LLAMA_8B


def test_async_chat_stream_chunks() -> None:
    async def go() -> list[Any]:
        ex = load("huggingface_hub/chat_completion_stream")
        stream = await async_call(
            ex,
            lambda c: c.chat_completion(
                MESSAGES, model=LLAMA_8B, stream=True, stream_options={"include_usage": True}
            ),
        )
        return [c async for c in stream]

    o = observe_all(asyncio.run(go()))
    assert (o.input_tokens, o.output_tokens) == (46, 3)


def test_chat_stream_without_usage_counts_text() -> None:
    ex = load("huggingface_hub/chat_completion_stream")
    del ex.data["request"]["json_subset"]
    ex.data["response"]["sse"] = [
        e for e in ex.data["response"]["sse"] if e["data"] == "[DONE]" or e["data"]["choices"]
    ]
    chunks = list(sync_call(ex, lambda c: c.chat_completion(MESSAGES, model=LLAMA_8B, stream=True)))
    o = observe_all(chunks)
    assert (o.input_tokens, o.output_tokens) == (None, None)
    assert (o.text_chars, o.text_chunks) == (6, 2)


def test_extra_usage_fields_are_read_from_attributes() -> None:
    """Fields the SDK types do not declare (OpenAI-style details) are kept as plain dicts."""
    body = load("huggingface_hub/chat_completion").data["response"]["json"]
    body = {
        **body,
        "usage": {
            "prompt_tokens": 1200,
            "completion_tokens": 300,
            "total_tokens": 1500,
            "prompt_tokens_details": {"cached_tokens": 1024},
            "completion_tokens_details": {"reasoning_tokens": 180},
        },
    }
    resp = ChatCompletionOutput.parse_obj_as_instance(body)
    assert type(resp.usage.prompt_tokens_details) is dict  # undeclared: kept as a plain dict
    o = observe(resp)
    assert (o.input_tokens, o.output_tokens, o.reasoning_tokens, o.cached_input_tokens) == (
        1200,
        300,
        180,
        1024,
    )
    o = observe(body)  # a plain dict works too
    assert (o.input_tokens, o.cached_input_tokens, o.reasoning_tokens) == (1200, 1024, 180)


def test_chat_response_without_usage_counts_message_text() -> None:
    body = dict(load("huggingface_hub/chat_completion").data["response"]["json"])
    del body["usage"]
    o = observe(ChatCompletionOutput.parse_obj_as_instance(body))
    assert (o.input_tokens, o.output_tokens, o.text_chars) == (None, None, len("Paris."))


def test_text_generation_details() -> None:
    ex = load("huggingface_hub/text_generation")
    resp = sync_call(
        ex,
        lambda c: c.text_generation(PROMPT, model=LLAMA_8B, details=True, max_new_tokens=12),
        provider="hf-inference",
    )
    assert isinstance(resp, TextGenerationOutput)
    o = observe(resp)
    assert (o.input_tokens, o.output_tokens, o.text_chars) == (
        None,
        7,
        0,
    )  # prompt not reported: counted later
    assert ex.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


def test_text_generation_prefill_gives_the_input_count() -> None:
    body = load("huggingface_hub/text_generation").data["response"]["json"][0]
    prefill = [{"id": i, "text": "x", "logprob": None} for i in range(6)]
    resp = TextGenerationOutput.parse_obj_as_instance(
        {**body, "details": {**body["details"], "prefill": prefill}}
    )
    o = observe(resp)
    assert (o.input_tokens, o.output_tokens) == (6, 7)


def test_text_generation_plain_string_is_counted() -> None:
    resp = sync_call(
        load("huggingface_hub/text_generation_plain"),
        lambda c: c.text_generation(PROMPT, model=LLAMA_8B, max_new_tokens=12),
        provider="hf-inference",
    )
    assert resp == " red, yellow and blue."
    o = observe(resp)
    assert (o.input_tokens, o.output_tokens, o.text_chars) == (None, None, 22)


def test_text_generation_stream_details_on_the_last_event() -> None:
    chunks = list(
        sync_call(
            load("huggingface_hub/text_generation_stream"),
            lambda c: c.text_generation(PROMPT, model=LLAMA_8B, details=True, stream=True, max_new_tokens=12),
            provider="hf-inference",
        )
    )
    assert len(chunks) == 7 and all(isinstance(c, TextGenerationStreamOutput) for c in chunks)
    o = observe_all(chunks)
    assert (o.input_tokens, o.output_tokens) == (6, 7)
    assert o.text_chars == len(" red, yellow and blue.")  # the special end token is not text


def test_text_generation_stream_of_strings_is_counted() -> None:
    ex = load("huggingface_hub/text_generation_stream")
    chunks = list(
        sync_call(
            ex,
            lambda c: c.text_generation(PROMPT, model=LLAMA_8B, stream=True, max_new_tokens=12),
            provider="hf-inference",
        )
    )
    assert all(isinstance(c, str) for c in chunks)
    o = observe_all(chunks)
    assert o.output_tokens is None and o.text_chunks == 7


def client(**kwargs: Any) -> InferenceClient:
    return InferenceClient(**{"api_key": TOKEN, **kwargs})


def routed(hf_provider: str) -> str:
    """Where the installed SDK sends a chat completion for ``hf_provider`` with an HF token: the router's own
    endpoint (huggingface_hub 2.5) or the provider's route on the router (before). The adapter's reading
    of the SDK, checked against the request a real call sends in
    ``test_provider_routing_is_recorded_with_the_provider``."""
    via_router = hf._routes_through_router(hf_provider, "conversational")
    return hf.ROUTER if via_router else f"{hf.ROUTER}/{hf_provider}"


@pytest.mark.parametrize(
    ("client_kwargs", "call_kwargs", "want"),
    [
        ({}, {"model": LLAMA_8B}, ("huggingface", LLAMA_8B, hf.ROUTER)),
        ({"provider": "auto"}, {"model": LLAMA_8B}, ("huggingface", LLAMA_8B, hf.ROUTER)),
        ({"model": LLAMA_8B}, {}, ("huggingface", LLAMA_8B, hf.ROUTER)),
        ({"provider": "groq"}, {"model": LLAMA_70B}, ("groq", LLAMA_70B, routed("groq"))),
        ({"provider": "together"}, {"model": LLAMA_70B}, ("together", LLAMA_70B, routed("together"))),
        (
            {"provider": "hf-inference"},
            {"model": LLAMA_8B},
            ("huggingface", LLAMA_8B, f"{hf.ROUTER}/hf-inference"),
        ),
        ({"provider": "novita"}, {"model": LLAMA_8B}, ("huggingface", LLAMA_8B, routed("novita"))),
        (
            {"provider": "groq", "api_key": "gsk_own"},
            {"model": LLAMA_70B},
            ("groq", LLAMA_70B, "https://api.groq.com"),
        ),
        ({}, {"model": f"{LLAMA_70B}:groq"}, ("groq", LLAMA_70B, hf.ROUTER)),
        ({}, {"model": f"{LLAMA_70B}:novita"}, ("huggingface", LLAMA_70B, hf.ROUTER)),
        ({}, {"model": "my-model:v2"}, ("huggingface", "my-model:v2", hf.ROUTER)),
        ({}, {"model": f"{LLAMA_8B}:fastest"}, ("huggingface", LLAMA_8B, hf.ROUTER)),
        ({"base_url": "http://localhost:8080"}, {}, ("huggingface", None, "http://localhost:8080")),
        (
            {"base_url": "http://localhost:8080"},
            {"model": "tgi"},
            ("huggingface", "tgi", "http://localhost:8080"),
        ),
        (
            {},
            {"model": "https://abc123.us-east-1.aws.endpoints.huggingface.cloud"},
            ("huggingface", None, "https://abc123.us-east-1.aws.endpoints.huggingface.cloud"),
        ),
    ],
)
def test_request_attribution(
    client_kwargs: dict[str, Any], call_kwargs: dict[str, Any], want: tuple[Any, ...]
) -> None:
    req = hf.ADAPTER.request(CHAT, client(**client_kwargs), (MESSAGES,), call_kwargs)
    assert req is not None
    assert (req.provider, req.model, req.server) == want
    assert (req.operation, req.stream, req.region) == ("chat", False, None)


def test_request_stream_flag_operation_and_async_client() -> None:
    from huggingface_hub import AsyncInferenceClient

    req = hf.ADAPTER.request(
        TEXT, client(provider="hf-inference"), (PROMPT,), {"model": LLAMA_8B, "stream": True}
    )
    assert req is not None and (req.operation, req.stream) == ("text", True)
    # no model: the SDK cannot hand it to the router as "model:groq" (nor call Groq at all)
    req = hf.ADAPTER.request(CHAT, AsyncInferenceClient(api_key=TOKEN, provider="groq"), (MESSAGES,), {})
    assert req is not None and (req.provider, req.model, req.server) == ("groq", None, f"{hf.ROUTER}/groq")


def test_count_input() -> None:
    count = hf.ADAPTER.count_input
    assert count((MESSAGES,), {}) == 10  # 40 characters
    assert count((), {"messages": MESSAGES}) == 10
    assert count((PROMPT,), {}) == 7  # 29 characters
    assert count((), {"prompt": PROMPT}) == 7
    assert count((), {}) is None


def test_odd_objects_never_raise() -> None:
    for odd in (
        None,
        42,
        SimpleNamespace(usage="x", choices="y", model=1),
        SimpleNamespace(choices=[], usage=SimpleNamespace(prompt_tokens="4", completion_tokens=None)),
        SimpleNamespace(choices=[SimpleNamespace(delta=None)]),
        SimpleNamespace(token=SimpleNamespace(text=5), details=SimpleNamespace(generated_tokens=-1)),
        {"details": {"generated_tokens": 3, "prefill": "x"}},
        {"choices": [{"message": {"content": ["not", "text"]}}]},
    ):
        o = Observed()
        hf.ADAPTER.observe_response(odd, o)
        hf.ADAPTER.observe_chunk(odd, o)
    assert observe({"details": {"generated_tokens": 3, "prefill": "x"}}).output_tokens == 3
    assert observe({"choices": [{"message": {"content": ["not", "text"]}}]}) == Observed()
    req = hf.ADAPTER.request(CHAT, object(), (), {})
    assert req is not None and (req.provider, req.model, req.server) == ("huggingface", None, hf.ROUTER)


def test_serving_restores_the_default_session_factories() -> None:
    from huggingface_hub.utils import _http

    with serving(load("huggingface_hub/chat_completion")):
        assert _http._GLOBAL_CLIENT_FACTORY is not _http.default_client_factory
    assert _http._GLOBAL_CLIENT_FACTORY is _http.default_client_factory
    assert _http._GLOBAL_ASYNC_CLIENT_FACTORY is _http.default_async_client_factory


@pytest.fixture
def records() -> Iterator[list[Any]]:
    import aifootprint as af

    af.instrument(providers=["huggingface_hub"], strict=True)
    out: list[Any] = []
    remove = af.add_listener(out.append)
    yield out
    remove()
    af.uninstrument()


def test_provider_routing_is_recorded_with_the_provider(records: list[Any]) -> None:
    import aifootprint as af

    ex = load("huggingface_hub/chat_completion_groq")
    resp = sync_call(ex, lambda c: c.chat_completion(MESSAGES, model=LLAMA_70B), provider="groq")
    (rec,) = records
    assert (rec.provider, rec.model, rec.response_model) == ("groq", LLAMA_70B, "llama-3.3-70b-versatile")
    # The server is where the SDK really sent the call: the provider's route on the router with Groq's
    # model id (huggingface_hub before 2.5), or the router's own endpoint with "<Hub id>:groq" (2.5).
    (sent,) = ex.requests
    if sent.path == "/v1/chat/completions":
        assert sent.json["model"] == f"{LLAMA_70B}:groq" and rec.server == hf.ROUTER
    else:
        assert sent.path == "/groq/openai/v1/chat/completions" and rec.server == f"{hf.ROUTER}/groq"
    assert routed("groq") == rec.server and rec.instrument == "huggingface_hub"
    imp = af.impacts_of(resp)
    assert imp is not None and imp.model == f"huggingface/{LLAMA_70B}"


def test_instrumented_response_keeps_its_dict_contents(records: list[Any]) -> None:
    import aifootprint as af

    af.uninstrument()
    plain = chat()
    af.instrument(providers=["huggingface_hub"], strict=True)
    af.add_listener(records.append)
    resp = chat()
    assert resp.impacts is not None and af.impacts_of(resp) is resp.impacts
    assert dict(resp) == dict(plain) and "impacts" not in resp and resp == plain


def test_plain_text_generation_string_carries_counted_impacts(records: list[Any]) -> None:
    import aifootprint as af

    text = sync_call(
        load("huggingface_hub/text_generation_plain"),
        lambda c: c.text_generation(PROMPT, model=LLAMA_8B, max_new_tokens=12),
        provider="hf-inference",
    )
    assert type(text) is str and text == " red, yellow and blue."
    (rec,) = records
    assert rec.usage is not None and rec.usage.source == "counted"
    assert af.impacts_of(text) is rec.impacts is not None


def test_a_self_hosted_tgi_server_takes_its_own_datacenter_facts() -> None:
    """A TGI server at ``base_url`` with an ``[endpoints]`` entry: Hugging Face's cloud row never applies."""
    import aifootprint as af

    url = "http://10.0.0.6:8080"
    af.instrument(providers=["huggingface_hub"], strict=True, endpoints={url: {"zone": "FRA", "pue": 1.4}})
    try:
        resp = sync_call(
            load("huggingface_hub/chat_completion"),
            lambda c: c.chat_completion(MESSAGES, model=LLAMA_8B),
            base_url=url,
        )
    finally:
        af.uninstrument()
    imp = af.impacts_of(resp)
    assert imp is not None and imp.zone == "FRA" and imp.model == f"huggingface/{LLAMA_8B}"
    factors = {f.name: f for f in imp.factors()}
    hf_row = af.get_catalog().datacenter("huggingface")
    assert factors["PUE"].value == 1.4 and url in factors["PUE"].source
    wue = af.get_catalog().default("wue_industry")
    assert (factors["on-site WUE"].value, factors["on-site WUE"].source) == (wue.value[1], wue.source)
    assert factors["on-site WUE"].value != hf_row.wue_l_per_kwh[1] and "datacenter-defaulted" in imp.warnings
