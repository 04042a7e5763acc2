"""huggingface_hub call shapes for the provider contract.

``InferenceClient`` has no ``http_client=`` option: every call goes through the process-wide session
built by ``huggingface_hub.set_client_factory`` (sync) / ``set_async_client_factory`` (async). Each call
here installs a factory whose transport answers from the exchange (and serves the Hub's model-info
requests that provider routing makes first), and puts the default factories back afterwards.
huggingface_hub 1.x runs on httpx, 2.x on httpx2.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from .contract import Case
from .exchanges import Exchange, load

MESSAGES = [{"role": "user", "content": "What is the capital of France? One word."}]
PROMPT = "The three primary colours are"
LLAMA_8B = "meta-llama/Llama-3.1-8B-Instruct"
LLAMA_70B = "meta-llama/Llama-3.3-70B-Instruct"
TOKEN = "hf_fakeTokenForTests0123456789"

#: Hub model-info answers, by request path (provider mapping and task checks).
HUB = {
    f"/api/models/{LLAMA_8B}": "huggingface_hub/hub_model_info_llama31_8b",
    f"/api/models/{LLAMA_70B}": "huggingface_hub/hub_model_info_llama33_70b",
}


def http_module() -> Any:
    """The httpx flavour this huggingface_hub runs on (httpx2 from 2.x, httpx before)."""
    from huggingface_hub.utils import _http

    return getattr(_http, "httpx2", None) or _http.httpx


def handler(ex: Exchange, http: Any) -> Callable[[Any], Any]:
    serve = ex.handler(http)

    def handle(request: Any) -> Any:
        if request.url.host == "huggingface.co":  # the Hub API, not inference
            hub = HUB.get(request.url.path)
            if hub is None:  # best-effort Hub lookups (e.g. the agent-harness registry): not found
                return http.Response(404, json={"error": "Not Found"})
            return load(hub).handler(http)(request)
        return serve(request)

    return handle


@contextlib.contextmanager
def serving(ex: Exchange) -> Iterator[None]:
    """Route huggingface_hub's HTTP sessions to ``ex`` inside the block."""
    from huggingface_hub.utils import _http

    http = http_module()
    transport = http.MockTransport(handler(ex, http))
    _http.set_client_factory(lambda: http.Client(transport=transport))
    _http.set_async_client_factory(lambda: http.AsyncClient(transport=transport))
    try:
        yield
    finally:
        _http.set_client_factory(_http.default_client_factory)
        _http.set_async_client_factory(_http.default_async_client_factory)


def sync_call(ex: Exchange, call: Callable[[Any], Any], **client_kwargs: Any) -> Any:
    """``call(InferenceClient(...))`` while ``ex`` serves; a stream's HTTP body is already open then."""
    from huggingface_hub import InferenceClient

    with serving(ex):
        return call(InferenceClient(api_key=TOKEN, **client_kwargs))


async def async_call(ex: Exchange, call: Callable[[Any], Awaitable[Any]], **client_kwargs: Any) -> Any:
    from huggingface_hub import AsyncInferenceClient

    with serving(ex):
        return await call(AsyncInferenceClient(api_key=TOKEN, **client_kwargs))


def _cases() -> list[Case]:
    chat: dict[str, Any] = {
        "provider": "huggingface_hub",
        "model": f"huggingface/{LLAMA_8B}",
        "input_tokens": 46,
        "output_tokens": 3,
    }
    chat_error: dict[str, Any] = {
        "error_exchange": "huggingface_hub/error_chat_bad_request",
        "error_type": "huggingface_hub.errors.BadRequestError",
    }
    text: dict[str, Any] = {"provider": "huggingface_hub", "model": f"huggingface/{LLAMA_8B}"}
    text_error: dict[str, Any] = {
        "error_exchange": "huggingface_hub/error_text_generation_validation",
        "error_type": "huggingface_hub.errors.ValidationError",
    }
    stream_options = {"include_usage": True}
    return [
        Case(
            id="huggingface_hub-chat_completion",
            shape="sync",
            exchange="huggingface_hub/chat_completion",
            run=lambda ex: sync_call(ex, lambda c: c.chat_completion(MESSAGES, model=LLAMA_8B)),
            **chat,
            **chat_error,
        ),
        Case(
            id="huggingface_hub-chat.completions.create",
            shape="sync",
            exchange="huggingface_hub/chat_completion",
            run=lambda ex: sync_call(
                ex, lambda c: c.chat.completions.create(model=LLAMA_8B, messages=MESSAGES)
            ),
            **chat,
        ),
        Case(
            id="huggingface_hub-chat_completion-async",
            shape="async",
            exchange="huggingface_hub/chat_completion",
            run=lambda ex: async_call(ex, lambda c: c.chat_completion(MESSAGES, model=LLAMA_8B)),
            **chat,
            **chat_error,
        ),
        Case(
            id="huggingface_hub-chat_completion-stream",
            shape="stream",
            exchange="huggingface_hub/chat_completion_stream",
            run=lambda ex: sync_call(
                ex,
                lambda c: c.chat_completion(
                    MESSAGES, model=LLAMA_8B, stream=True, stream_options=stream_options
                ),
            ),
            **chat,
        ),
        Case(
            id="huggingface_hub-chat_completion-stream-async",
            shape="async_stream",
            exchange="huggingface_hub/chat_completion_stream",
            run=lambda ex: async_call(
                ex,
                lambda c: c.chat_completion(
                    MESSAGES, model=LLAMA_8B, stream=True, stream_options=stream_options
                ),
            ),
            **chat,
        ),
        Case(
            id="huggingface_hub-chat_completion-groq",
            shape="sync",
            exchange="huggingface_hub/chat_completion_groq",
            run=lambda ex: sync_call(
                ex, lambda c: c.chat_completion(MESSAGES, model=LLAMA_70B), provider="groq"
            ),
            provider="huggingface_hub",
            model=f"huggingface/{LLAMA_70B}",  # the Hub id is found first; served from Groq's datacenter
            input_tokens=45,
            output_tokens=3,
        ),
        Case(
            id="huggingface_hub-text_generation-details",
            shape="sync",
            exchange="huggingface_hub/text_generation",
            run=lambda ex: sync_call(
                ex,
                lambda c: c.text_generation(PROMPT, model=LLAMA_8B, details=True, max_new_tokens=12),
                provider="hf-inference",
            ),
            input_tokens=7,  # not reported without decoder_input_details: counted from the prompt (29 chars)
            output_tokens=7,
            **text,
            **text_error,
        ),
        Case(
            id="huggingface_hub-text_generation-details-async",
            shape="async",
            exchange="huggingface_hub/text_generation",
            run=lambda ex: async_call(
                ex,
                lambda c: c.text_generation(PROMPT, model=LLAMA_8B, details=True, max_new_tokens=12),
                provider="hf-inference",
            ),
            input_tokens=7,
            output_tokens=7,
            **text,
            **text_error,
        ),
        Case(
            id="huggingface_hub-text_generation-plain",
            shape="sync",
            exchange="huggingface_hub/text_generation_plain",
            run=lambda ex: sync_call(
                ex,
                lambda c: c.text_generation(PROMPT, model=LLAMA_8B, max_new_tokens=12),
                provider="hf-inference",
            ),
            input_tokens=7,
            output_tokens=6,  # a str result: " red, yellow and blue." counted (22 chars)
            usage_source="counted",
            **text,
        ),
        Case(
            id="huggingface_hub-text_generation-stream",
            shape="stream",
            exchange="huggingface_hub/text_generation_stream",
            run=lambda ex: sync_call(
                ex,
                lambda c: c.text_generation(
                    PROMPT, model=LLAMA_8B, details=True, stream=True, max_new_tokens=12
                ),
                provider="hf-inference",
            ),
            input_tokens=6,
            output_tokens=7,
            **text,
        ),
        Case(
            id="huggingface_hub-text_generation-stream-async",
            shape="async_stream",
            exchange="huggingface_hub/text_generation_stream",
            run=lambda ex: async_call(
                ex,
                lambda c: c.text_generation(
                    PROMPT, model=LLAMA_8B, details=True, stream=True, max_new_tokens=12
                ),
                provider="hf-inference",
            ),
            input_tokens=6,
            output_tokens=7,
            **text,
        ),
    ]


CASES: list[Case] = _cases() if importlib.util.find_spec("huggingface_hub") is not None else []
