"""OpenAI call shapes for the shared contract (openai 2.x and 3.x on httpx.MockTransport)."""

from __future__ import annotations

import importlib.util
from typing import Any

from .contract import Case
from .exchanges import Exchange

MODEL = "openai/gpt-4o-mini-2024-07-18"
MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]


def client(ex: Exchange) -> Any:
    import httpx
    import openai

    return openai.OpenAI(
        api_key="test-key", http_client=httpx.Client(transport=ex.transport(httpx)), max_retries=0
    )


def aclient(ex: Exchange) -> Any:
    import httpx
    import openai

    return openai.AsyncOpenAI(
        api_key="test-key", http_client=httpx.AsyncClient(transport=ex.transport(httpx)), max_retries=0
    )


def _raw_consume(raw: Any) -> tuple[Any, Any]:
    parsed = raw.parse()
    return parsed, None


async def _araw_consume(raw: Any) -> tuple[Any, Any]:
    return raw.parse(), None  # with_raw_response of the async client: parse() is synchronous


def _streaming_response(ex: Exchange) -> Any:
    with client(ex).chat.completions.with_streaming_response.create(
        model="gpt-4o-mini", messages=MESSAGES
    ) as r:
        return r.parse()


def _manager_final(manager: Any) -> tuple[Any, Any]:
    with manager as stream:
        last = None
        for last in stream:  # noqa: B007
            pass
        final = stream.get_final_completion()
    return final, last


CHAT = dict(
    model=MODEL,
    input_tokens=19,
    output_tokens=10,
    error_exchange="openai/error_400",
    error_type="openai.BadRequestError",
)
STREAM = dict(model=MODEL, input_tokens=19, output_tokens=7)

CASES: list[Case] = []
if importlib.util.find_spec("openai") is not None:
    CASES = [
        Case(
            "openai-chat-sync",
            "openai",
            "sync",
            "openai/chat_completion",
            lambda ex: client(ex).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES),
            **CHAT,
        ),
        Case(
            "openai-chat-async",
            "openai",
            "async",
            "openai/chat_completion",
            lambda ex: aclient(ex).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES),
            **CHAT,
        ),
        Case(
            "openai-chat-parse",
            "openai",
            "sync",
            "openai/chat_completion",
            lambda ex: client(ex).chat.completions.parse(model="gpt-4o-mini", messages=MESSAGES),
            **CHAT,
        ),
        Case(
            "openai-chat-reasoning-cached",
            "openai",
            "sync",
            "openai/chat_completion_reasoning",
            lambda ex: client(ex).chat.completions.create(model="o3-mini", messages=MESSAGES),
            model="openai/o3-mini-2025-01-31",
            input_tokens=1200,
            output_tokens=530,
            reasoning_tokens=512,
            cached_input_tokens=1024,
        ),
        Case(
            "openai-chat-stream-usage",
            "openai",
            "stream",
            "openai/chat_stream_usage",
            lambda ex: client(ex).chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
            ),
            **STREAM,
        ),
        Case(
            "openai-chat-async-stream-usage",
            "openai",
            "async_stream",
            "openai/chat_stream_usage",
            lambda ex: aclient(ex).chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
            ),
            **STREAM,
        ),
        # No usage chunk: 7 content chunks ("Paris is the capital of France." = 31 chars) -> counted.
        Case(
            "openai-chat-stream-counted",
            "openai",
            "stream",
            "openai/chat_stream",
            lambda ex: client(ex).chat.completions.create(
                model="gpt-4o-mini", messages=MESSAGES, stream=True
            ),
            model=MODEL,
            input_tokens=8,
            output_tokens=8,
            usage_source="counted",
        ),
        Case(
            "openai-chat-stream-manager",
            "openai",
            "manager",
            "openai/chat_stream_usage",
            lambda ex: client(ex).chat.completions.stream(
                model="gpt-4o-mini", messages=MESSAGES, stream_options={"include_usage": True}
            ),
            consume=_manager_final,
            **STREAM,
        ),
        Case(
            "openai-chat-async-stream-manager",
            "openai",
            "async_manager",
            "openai/chat_stream_usage",
            lambda ex: aclient(ex).chat.completions.stream(
                model="gpt-4o-mini", messages=MESSAGES, stream_options={"include_usage": True}
            ),
            **STREAM,
        ),
        # EcoLogits breaks on with_raw_response: the parsed object carries the impacts here.
        Case(
            "openai-chat-raw",
            "openai",
            "raw",
            "openai/chat_completion",
            lambda ex: client(ex).chat.completions.with_raw_response.create(
                model="gpt-4o-mini", messages=MESSAGES
            ),
            consume=_raw_consume,
            dumps=False,
            **{k: v for k, v in CHAT.items() if "error" not in k},
        ),
        Case(
            "openai-chat-async-raw",
            "openai",
            "async_raw",
            "openai/chat_completion",
            lambda ex: aclient(ex).chat.completions.with_raw_response.create(
                model="gpt-4o-mini", messages=MESSAGES
            ),
            consume=_araw_consume,
            dumps=False,
            **{k: v for k, v in CHAT.items() if "error" not in k},
        ),
        Case(
            "openai-chat-streaming-response",
            "openai",
            "sync",
            "openai/chat_completion",
            _streaming_response,
            **{k: v for k, v in CHAT.items() if "error" not in k},
        ),
        # EcoLogits breaks on Responses bodies without the usage *_details objects.
        Case(
            "openai-responses-sync",
            "openai",
            "sync",
            "openai/responses",
            lambda ex: client(ex).responses.create(model="gpt-4.1", input="Tell me a story."),
            model="openai/gpt-4.1-2025-04-14",
            input_tokens=36,
            output_tokens=87,
        ),
        Case(
            "openai-responses-async",
            "openai",
            "async",
            "openai/responses",
            lambda ex: aclient(ex).responses.create(model="gpt-4.1", input="Tell me a story."),
            model="openai/gpt-4.1-2025-04-14",
            input_tokens=36,
            output_tokens=87,
        ),
        Case(
            "openai-responses-stream",
            "openai",
            "stream",
            "openai/responses_stream",
            lambda ex: client(ex).responses.create(model="gpt-4.1", input="Tell me a story.", stream=True),
            model="openai/gpt-4.1-2025-04-14",
            input_tokens=36,
            output_tokens=87,
        ),
        Case(
            "openai-responses-stream-manager",
            "openai",
            "manager",
            "openai/responses_stream",
            lambda ex: client(ex).responses.stream(model="gpt-4.1", input="Tell me a story."),
            model="openai/gpt-4.1-2025-04-14",
            input_tokens=36,
            output_tokens=87,
        ),
    ]
    # The raw shapes return a raw response whose parse() gives the object: the holder is the parsed one.
