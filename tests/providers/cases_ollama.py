"""ollama call shapes: real ``ollama.Client`` / ``AsyncClient`` on an ``httpx.MockTransport``.

``Client(host=..., **httpx_kwargs)`` passes ``transport=`` to its ``httpx.Client``. Streams are lazy:
``chat(stream=True)`` returns a generator and the HTTP request is sent on the first ``next()``.
"""

from __future__ import annotations

import importlib.util
import sys
from typing import Any

from .contract import Case
from .exchanges import Exchange

HOST = "http://127.0.0.1:11434"
MESSAGES = [{"role": "user", "content": "Say hello in French."}]
PROMPT = "Why is the sky blue? One sentence."


def client(ex: Exchange) -> Any:
    import httpx
    import ollama

    return ollama.Client(host=HOST, transport=ex.transport(httpx))


def async_client(ex: Exchange) -> Any:
    import httpx
    import ollama

    return ollama.AsyncClient(host=HOST, transport=ex.transport(httpx))


def chat(ex: Exchange) -> Any:
    return client(ex).chat(model="llama3.2", messages=MESSAGES)


def chat_stream(ex: Exchange) -> Any:
    return client(ex).chat(model="llama3.2", messages=MESSAGES, stream=True)


def achat(ex: Exchange) -> Any:
    return async_client(ex).chat(model="llama3.2", messages=MESSAGES)


def achat_stream(ex: Exchange) -> Any:
    return async_client(ex).chat(model="llama3.2", messages=MESSAGES, stream=True)


def generate(ex: Exchange) -> Any:
    return client(ex).generate(model="qwen3:8b", prompt=PROMPT)


def generate_stream(ex: Exchange) -> Any:
    return client(ex).generate("qwen3:8b", PROMPT, stream=True)  # positional model and prompt


def agenerate(ex: Exchange) -> Any:
    return async_client(ex).generate(model="qwen3:8b", prompt=PROMPT)


def agenerate_stream(ex: Exchange) -> Any:
    return async_client(ex).generate(model="qwen3:8b", prompt=PROMPT, stream=True)


def embed(ex: Exchange) -> Any:
    return client(ex).embed(model="llama3.2", input=["The sky is blue.", "Grass is green."])


def module_chat(ex: Exchange) -> Any:
    """``ollama.chat(...)``: a bound method of the default client made at import, on the mock transport."""
    import httpx
    import ollama

    default = sys.modules["ollama"]._client  # the default Client instance (shadows the submodule name)
    saved = default._client
    default._client = httpx.Client(base_url=saved.base_url, transport=ex.transport(httpx))
    try:
        return ollama.chat(model="llama3.2", messages=MESSAGES)
    finally:
        default._client.close()
        default._client = saved


def _cases() -> list[Case]:
    if importlib.util.find_spec("ollama") is None:
        return []
    llama = "ollama/llama3.2:3b"  # "llama3.2" is the catalogue alias of llama3.2:3b
    qwen = "ollama/qwen3:8b"
    err = "ollama/chat_error"
    return [
        Case(
            "ollama-chat",
            "ollama",
            "sync",
            "ollama/chat",
            chat,
            llama,
            31,
            12,
            error_exchange=err,
            error_type="ollama._types.ResponseError",
        ),
        Case(
            "ollama-chat-async",
            "ollama",
            "async",
            "ollama/chat",
            achat,
            llama,
            31,
            12,
            error_exchange=err,
            error_type="ollama._types.ResponseError",
        ),
        Case(
            "ollama-chat-stream",
            "ollama",
            "stream",
            "ollama/chat_stream",
            chat_stream,
            llama,
            31,
            12,
            error_exchange=err,
            error_type="ollama._types.ResponseError",
            dumps=False,
        ),
        Case(
            "ollama-chat-async-stream",
            "ollama",
            "async_stream",
            "ollama/chat_stream",
            achat_stream,
            llama,
            31,
            12,
            error_exchange=err,
            error_type="ollama._types.ResponseError",
            dumps=False,
        ),
        Case("ollama-generate", "ollama", "sync", "ollama/generate", generate, qwen, 18, 27),
        Case("ollama-generate-async", "ollama", "async", "ollama/generate", agenerate, qwen, 18, 27),
        Case(
            "ollama-generate-stream",
            "ollama",
            "stream",
            "ollama/generate_stream",
            generate_stream,
            qwen,
            18,
            15,
            dumps=False,
        ),
        Case(
            "ollama-generate-async-stream",
            "ollama",
            "async_stream",
            "ollama/generate_stream",
            agenerate_stream,
            qwen,
            18,
            15,
            dumps=False,
        ),
        Case("ollama-embed", "ollama", "sync", "ollama/embed", embed, llama, 10, 0),
        Case("ollama-module-chat", "ollama", "sync", "ollama/chat", module_chat, llama, 31, 12),
    ]


CASES: list[Case] = _cases()
