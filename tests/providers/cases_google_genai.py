"""google-genai call shapes for the provider contract, driven through the SDK's own httpx clients.

Chat turns (``client.chats`` / ``client.aio.chats``) go through the wrapped ``Models`` methods, so they get
impacts without a wrap of their own. ``send_message_stream`` returns the chat's own generator around the
wrapped model stream: its chunks (the last one carries the impacts) are checked in test_google_genai.py,
not here, because the generator object itself is not ours to attach impacts to.

google-genai 3.x talks to the Gemini API ``v1`` on ``httpx2`` by default; 1.x/2.x use ``v1beta`` and
httpx. The mock clients go in through ``HttpOptions(httpx_client=..., httpx_async_client=...)``; the
backend (httpx or httpx2) follows the client class, so each SDK version gets the one it runs on.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from .contract import Case
from .exchanges import Exchange

PROMPT = "Name one flower that blooms in winter."
MODEL = "gemini-2.5-flash"


def http_module() -> Any:
    """httpx2 where this google-genai supports it (2.x+, when installed), else httpx."""
    import google.genai._api_client as api_client

    mod = getattr(api_client, "httpx2", None)
    if mod is None:
        import httpx

        mod = httpx
    return mod


def client(ex: Exchange, *, vertex: bool = False) -> Any:
    """A real ``genai.Client`` whose sync and async HTTP clients answer from ``ex``; fake credentials."""
    from google import genai
    from google.genai import types

    mod = http_module()
    options = types.HttpOptions(
        httpx_client=mod.Client(transport=ex.transport(mod)),
        httpx_async_client=mod.AsyncClient(transport=ex.transport(mod)),
    )
    if vertex:
        from google.oauth2.credentials import Credentials

        return genai.Client(
            vertexai=True,
            project="my-project",
            location="europe-west4",
            credentials=Credentials(token="ya29.fake-token"),
            http_options=options,
        )
    return genai.Client(vertexai=False, api_key="fake-gemini-api-key", http_options=options)


def _cases() -> list[Case]:
    common: dict[str, Any] = {
        "provider": "google_genai",
        "model": f"google/{MODEL}",
        "input_tokens": 9,
        "output_tokens": 43,  # 15 candidates + 28 thoughts
        "reasoning_tokens": 28,
    }
    error: dict[str, Any] = {
        "error_exchange": "google_genai/error_invalid_argument",
        "error_type": "google.genai.errors.ClientError",
    }
    return [
        Case(
            id="google_genai-generate_content",
            shape="sync",
            exchange="google_genai/generate_content",
            run=lambda ex: client(ex).models.generate_content(model=MODEL, contents=PROMPT),
            **common,
            **error,
        ),
        Case(
            id="google_genai-generate_content-async",
            shape="async",
            exchange="google_genai/generate_content",
            run=lambda ex: client(ex).aio.models.generate_content(model=MODEL, contents=PROMPT),
            **common,
            **error,
        ),
        Case(
            id="google_genai-generate_content_stream",
            shape="stream",
            exchange="google_genai/generate_content_stream",
            run=lambda ex: client(ex).models.generate_content_stream(model=MODEL, contents=PROMPT),
            **common,
        ),
        Case(
            id="google_genai-generate_content_stream-async",
            shape="async_stream",
            exchange="google_genai/generate_content_stream",
            run=lambda ex: client(ex).aio.models.generate_content_stream(model=MODEL, contents=PROMPT),
            **common,
        ),
        Case(
            id="google_genai-chat-send_message",
            shape="sync",
            exchange="google_genai/generate_content",
            run=lambda ex: client(ex).chats.create(model=MODEL).send_message(PROMPT),
            **common,
        ),
        Case(
            id="google_genai-chat-send_message-async",
            shape="async",
            exchange="google_genai/generate_content",
            run=lambda ex: client(ex).aio.chats.create(model=MODEL).send_message(PROMPT),
            **common,
        ),
        Case(
            id="google_genai-vertex-generate_content",
            shape="sync",
            exchange="google_genai/vertex_generate_content",
            run=lambda ex: client(ex, vertex=True).models.generate_content(
                model=MODEL, contents="When does the contract renew?"
            ),
            provider="google_genai",
            model=f"google/{MODEL}",
            input_tokens=2110,
            output_tokens=17,
            cached_input_tokens=2048,
        ),
    ]


def _installed() -> bool:
    try:
        return importlib.util.find_spec("google.genai") is not None
    except ImportError:  # no "google" namespace package at all
        return False


CASES: list[Case] = _cases() if _installed() else []
