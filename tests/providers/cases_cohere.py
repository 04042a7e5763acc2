"""Cohere call shapes for the shared contract (``cohere`` 5.x, 6.x, 7.x on httpx.MockTransport).

The clients take an ``httpx.Client`` / ``httpx.AsyncClient`` as ``httpx_client=``. Clients are built inside
each call, after ``instrument()``: ``Client.__init__`` binds ``chat`` / ``chat_stream`` on the instance.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from .contract import Case
from .exchanges import Exchange

MODEL = "cohere/command-a-03-2025"
MESSAGES = [
    {"role": "user", "content": "What is the capital of France?"}
]  # 30 characters -> 8 tokens counted
QUESTION = "What is the capital of France?"


def client(ex: Exchange) -> Any:
    import cohere
    import httpx

    return cohere.ClientV2(api_key="test-key", httpx_client=httpx.Client(transport=ex.transport(httpx)))


def aclient(ex: Exchange) -> Any:
    import cohere
    import httpx

    return cohere.AsyncClientV2(
        api_key="test-key", httpx_client=httpx.AsyncClient(transport=ex.transport(httpx))
    )


def v1_client(ex: Exchange) -> Any:
    import cohere
    import httpx

    return cohere.Client(api_key="test-key", httpx_client=httpx.Client(transport=ex.transport(httpx)))


def v1_aclient(ex: Exchange) -> Any:
    import cohere
    import httpx

    return cohere.AsyncClient(
        api_key="test-key", httpx_client=httpx.AsyncClient(transport=ex.transport(httpx))
    )


CHAT: dict[str, Any] = dict(model=MODEL, input_tokens=70, output_tokens=9)
ERR_400: dict[str, Any] = dict(
    error_exchange="cohere/v2_error_400", error_type="cohere.errors.bad_request_error.BadRequestError"
)
ERR_422: dict[str, Any] = dict(
    error_exchange="cohere/v2_error_422",
    error_type="cohere.errors.unprocessable_entity_error.UnprocessableEntityError",
)
V2 = dict(model="command-a-03-2025", messages=MESSAGES)
V1 = dict(model="command-a-03-2025", message=QUESTION)

CASES: list[Case] = []
if importlib.util.find_spec("cohere") is not None:
    CASES = [
        Case(
            "cohere-chat-sync",
            "cohere",
            "sync",
            "cohere/v2_chat",
            lambda ex: client(ex).chat(**V2),
            **CHAT,
            **ERR_400,
        ),
        Case(
            "cohere-chat-async",
            "cohere",
            "async",
            "cohere/v2_chat",
            lambda ex: aclient(ex).chat(**V2),
            **CHAT,
            **ERR_400,
        ),
        Case(
            "cohere-chat-cached",
            "cohere",
            "sync",
            "cohere/v2_chat_cached",
            lambda ex: client(ex).chat(**V2),
            model=MODEL,
            input_tokens=1272,
            output_tokens=9,
            cached_input_tokens=1024,
        ),
        Case(
            "cohere-chat-billed-units",
            "cohere",
            "sync",
            "cohere/v2_chat_billed_only",
            lambda ex: client(ex).chat(**V2),
            model=MODEL,
            input_tokens=8,
            output_tokens=9,
        ),
        # cohere.Client().v2 is a V2Client too
        Case(
            "cohere-client-v2-chat",
            "cohere",
            "sync",
            "cohere/v2_chat",
            lambda ex: v1_client(ex).v2.chat(**V2),
            **CHAT,
        ),
        # chat_stream is a generator function (async generator function on the async client)
        Case(
            "cohere-chat-stream",
            "cohere",
            "stream",
            "cohere/v2_chat_stream",
            lambda ex: client(ex).chat_stream(**V2),
            **CHAT,
            **ERR_422,
        ),
        Case(
            "cohere-chat-async-stream",
            "cohere",
            "async_stream",
            "cohere/v2_chat_stream",
            lambda ex: aclient(ex).chat_stream(**V2),
            **CHAT,
            **ERR_422,
        ),
        # Cut before message-end: "The capital of France" + " is Paris." = 31 characters -> 8 tokens counted.
        Case(
            "cohere-chat-stream-counted",
            "cohere",
            "stream",
            "cohere/v2_chat_stream_cut",
            lambda ex: client(ex).chat_stream(**V2),
            model=MODEL,
            input_tokens=8,
            output_tokens=8,
            usage_source="counted",
        ),
        # with_raw_response.chat returns an HttpResponse whose .data is the V2ChatResponse
        Case(
            "cohere-chat-raw",
            "cohere",
            "raw",
            "cohere/v2_chat",
            lambda ex: client(ex).with_raw_response.chat(**V2),
            dumps=False,
            **CHAT,
        ),
        Case(
            "cohere-chat-async-raw",
            "cohere",
            "async_raw",
            "cohere/v2_chat",
            lambda ex: aclient(ex).with_raw_response.chat(**V2),
            dumps=False,
            **CHAT,
        ),
        # v1 API
        Case(
            "cohere-v1-chat-sync",
            "cohere",
            "sync",
            "cohere/v1_chat",
            lambda ex: v1_client(ex).chat(**V1),
            **CHAT,
        ),
        Case(
            "cohere-v1-chat-async",
            "cohere",
            "async",
            "cohere/v1_chat",
            lambda ex: v1_aclient(ex).chat(**V1),
            **CHAT,
        ),
        Case(
            "cohere-v1-chat-stream",
            "cohere",
            "stream",
            "cohere/v1_chat_stream",
            lambda ex: v1_client(ex).chat_stream(**V1),
            **CHAT,
        ),
        Case(
            "cohere-v1-chat-async-stream",
            "cohere",
            "async_stream",
            "cohere/v1_chat_stream",
            lambda ex: v1_aclient(ex).chat_stream(**V1),
            **CHAT,
        ),
    ]
