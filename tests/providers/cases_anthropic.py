"""Anthropic call shapes for the shared contract: real ``anthropic`` clients on a MockTransport.

anthropic >= 1.0 talks HTTP through ``httpx2`` (0.x through ``httpx``): the transport comes from the
module the installed SDK uses. Bedrock streams are AWS event-stream frames (encoded by ``localserver``),
served through the same MockTransport. Bedrock clients sign requests with botocore (fake keys): those
cases need boto3.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from .contract import Case
from .exchanges import Exchange
from .localserver import response_body, response_headers

HAIKU = "anthropic/claude-haiku-4-5-20251001"
BEDROCK_HAIKU = "bedrock/anthropic.claude-haiku-4-5-20251001-v1:0"
BEDROCK_MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
VERTEX_MODEL = "claude-haiku-4-5@20251001"
MESSAGES = [{"role": "user", "content": "Hello, Claude"}]
THINKING = {"type": "enabled", "budget_tokens": 1024}
ERROR = {"error_exchange": "anthropic/error_400", "error_type": "anthropic.BadRequestError"}


def httpx_module() -> Any:
    """``httpx2`` for anthropic >= 1.0, ``httpx`` for 0.x: whichever the SDK's base client imports."""
    from anthropic import _base_client

    return getattr(_base_client, "httpx2", None) or _base_client.httpx


def transport(ex: Exchange, hx: Any) -> Any:
    if "eventstream" not in ex.data["response"]:
        return ex.transport(hx)
    body, headers = response_body(ex), response_headers(ex)

    def handle(request: Any) -> Any:
        ex.check_request(
            request.method,
            request.url.path,
            request.read(),
            {k.lower(): v for k, v in request.headers.items()},
        )
        return hx.Response(ex.status, headers=headers, content=body)

    return hx.MockTransport(handle)


def _http(ex: Exchange, is_async: bool) -> Any:
    hx = httpx_module()
    return (hx.AsyncClient if is_async else hx.Client)(transport=transport(ex, hx))


def client(ex: Exchange) -> Any:
    import anthropic

    return anthropic.Anthropic(api_key="test-key", http_client=_http(ex, False), max_retries=0)


def aclient(ex: Exchange) -> Any:
    import anthropic

    return anthropic.AsyncAnthropic(api_key="test-key", http_client=_http(ex, True), max_retries=0)


_AWS = {"aws_access_key": "AKIDEXAMPLEFAKE", "aws_secret_key": "fake-secret-key", "aws_region": "us-east-1"}


def bedrock(ex: Exchange) -> Any:
    import anthropic

    return anthropic.AnthropicBedrock(**_AWS, http_client=_http(ex, False), max_retries=0)


def abedrock(ex: Exchange) -> Any:
    import anthropic

    return anthropic.AsyncAnthropicBedrock(**_AWS, http_client=_http(ex, True), max_retries=0)


_GCP = {"region": "us-east5", "project_id": "my-project", "access_token": "test-token"}


def vertex(ex: Exchange) -> Any:
    import anthropic

    return anthropic.AnthropicVertex(**_GCP, http_client=_http(ex, False), max_retries=0)


def avertex(ex: Exchange) -> Any:
    import anthropic

    return anthropic.AsyncAnthropicVertex(**_GCP, http_client=_http(ex, True), max_retries=0)


# -- calls (also used by test_anthropic.py, uninstrumented) -----------------------------------------------


def create(ex: Exchange, **kw: Any) -> Any:
    return client(ex).messages.create(
        **{"model": "claude-haiku-4-5", "max_tokens": 256, "messages": MESSAGES, **kw}
    )


def acreate(ex: Exchange, **kw: Any) -> Any:
    return aclient(ex).messages.create(
        **{"model": "claude-haiku-4-5", "max_tokens": 256, "messages": MESSAGES, **kw}
    )


def stream_manager(ex: Exchange, **kw: Any) -> Any:
    return client(ex).messages.stream(
        **{"model": "claude-haiku-4-5", "max_tokens": 256, "messages": MESSAGES, **kw}
    )


def astream_manager(ex: Exchange, **kw: Any) -> Any:
    return aclient(ex).messages.stream(
        **{"model": "claude-haiku-4-5", "max_tokens": 256, "messages": MESSAGES, **kw}
    )


def raw(ex: Exchange) -> Any:
    """``with_raw_response``: the raw response's ``parse()`` gives the ``Message`` (with the impacts)."""
    response = client(ex).messages.with_raw_response.create(
        model="claude-haiku-4-5", max_tokens=256, messages=MESSAGES
    )
    return response.parse()


async def araw(ex: Exchange) -> Any:
    response = await aclient(ex).messages.with_raw_response.create(
        model="claude-haiku-4-5", max_tokens=256, messages=MESSAGES
    )
    parsed = response.parse()  # AsyncAPIResponse.parse() is a coroutine (>= 1.0); LegacyAPIResponse's is not
    return await parsed if hasattr(parsed, "__await__") else parsed


def streaming_response(ex: Exchange) -> Any:
    with client(ex).messages.with_streaming_response.create(
        model="claude-haiku-4-5", max_tokens=256, messages=MESSAGES
    ) as response:
        return response.parse()


def iterate_then_final(manager: Any) -> tuple[Any, Any]:
    """Iterate the events, then ``get_final_message()``: the final message carries the impacts too."""
    with manager as stream:
        last = None
        for last in stream:  # noqa: B007
            pass
        return stream.get_final_message(), last


async def aiterate_then_final(manager: Any) -> tuple[Any, Any]:
    async with manager as stream:
        last = None
        async for last in stream:  # noqa: B007
            pass
        return await stream.get_final_message(), last


def _has(path: str) -> bool:
    import importlib

    obj: Any = importlib.import_module("anthropic")
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return False
    return True


def _cases() -> list[Case]:
    plain = {"model": HAIKU, "input_tokens": 14, "output_tokens": 12}
    thinking = {"model": HAIKU, "input_tokens": 41, "output_tokens": 96, "reasoning_tokens": 71}
    cached = {"model": HAIKU, "input_tokens": 21 + 1864, "cached_input_tokens": 1864}
    beta = {"model": HAIKU, "input_tokens": 30 + 2048, "output_tokens": 9, "cached_input_tokens": 2048}
    m = "claude-haiku-4-5"
    cases = [
        Case("anthropic-sync", "anthropic", "sync", "anthropic/message", create, **plain, **ERROR),
        Case("anthropic-async", "anthropic", "async", "anthropic/message", acreate, **plain, **ERROR),
        Case(
            "anthropic-cache-read",
            "anthropic",
            "sync",
            "anthropic/message_cached",
            lambda ex: create(ex, model="claude-haiku-4-5-20251001"),
            **cached,
            output_tokens=17,
        ),
        Case(
            "anthropic-cache-write",
            "anthropic",
            "sync",
            "anthropic/message_cache_write",
            lambda ex: create(ex, model="claude-haiku-4-5-20251001"),
            model=HAIKU,
            input_tokens=21 + 1864,
            output_tokens=11,
        ),
        Case(
            "anthropic-thinking",
            "anthropic",
            "sync",
            "anthropic/message_thinking",
            lambda ex: create(ex, max_tokens=2048, thinking=THINKING),
            **thinking,
        ),
        # EcoLogits breaks on Anthropic stream=True: it must work here.
        Case(
            "anthropic-stream",
            "anthropic",
            "stream",
            "anthropic/stream",
            lambda ex: create(ex, stream=True),
            **plain,
            **ERROR,
        ),
        Case(
            "anthropic-async-stream",
            "anthropic",
            "async_stream",
            "anthropic/stream",
            lambda ex: acreate(ex, stream=True),
            **plain,
            **ERROR,
        ),
        Case(
            "anthropic-stream-thinking",
            "anthropic",
            "stream",
            "anthropic/stream_thinking",
            lambda ex: create(ex, max_tokens=2048, thinking=THINKING, stream=True),
            **thinking,
        ),
        Case(
            "anthropic-async-stream-cached",
            "anthropic",
            "async_stream",
            "anthropic/stream_cached",
            lambda ex: acreate(ex, stream=True),
            **cached,
            output_tokens=8,
        ),
        Case(
            "anthropic-stream-manager",
            "anthropic",
            "manager",
            "anthropic/stream",
            stream_manager,
            **plain,
            **ERROR,
        ),
        Case(
            "anthropic-async-stream-manager",
            "anthropic",
            "async_manager",
            "anthropic/stream",
            astream_manager,
            **plain,
            **ERROR,
        ),
        Case(
            "anthropic-stream-manager-final",
            "anthropic",
            "manager",
            "anthropic/stream",
            stream_manager,
            consume=iterate_then_final,
            **plain,
        ),
        Case(
            "anthropic-async-stream-manager-final",
            "anthropic",
            "async_manager",
            "anthropic/stream",
            astream_manager,
            consume=aiterate_then_final,
            **plain,
        ),
        Case(
            "anthropic-stream-manager-thinking",
            "anthropic",
            "manager",
            "anthropic/stream_thinking",
            lambda ex: stream_manager(ex, max_tokens=2048, thinking=THINKING),
            **thinking,
        ),
        Case("anthropic-raw", "anthropic", "sync", "anthropic/message", raw, **plain),
        Case("anthropic-async-raw", "anthropic", "async", "anthropic/message", araw, **plain),
        Case(
            "anthropic-streaming-response",
            "anthropic",
            "sync",
            "anthropic/message",
            streaming_response,
            **plain,
        ),
        Case(
            "anthropic-beta-sync",
            "anthropic",
            "sync",
            "anthropic/beta_message",
            lambda ex: client(ex).beta.messages.create(
                model=m, max_tokens=256, messages=MESSAGES, betas=["context-1m-2025-08-07"]
            ),
            **beta,
        ),
        Case(
            "anthropic-beta-async-stream",
            "anthropic",
            "async_stream",
            "anthropic/beta_stream",
            lambda ex: aclient(ex).beta.messages.create(
                model=m, max_tokens=256, messages=MESSAGES, stream=True
            ),
            **beta,
        ),
        Case(
            "anthropic-beta-stream-manager",
            "anthropic",
            "manager",
            "anthropic/beta_stream",
            lambda ex: client(ex).beta.messages.stream(model=m, max_tokens=256, messages=MESSAGES),
            **beta,
        ),
        Case(
            "anthropic-vertex-sync",
            "anthropic",
            "sync",
            "anthropic/vertex_message",
            lambda ex: vertex(ex).messages.create(model=VERTEX_MODEL, max_tokens=256, messages=MESSAGES),
            **plain,
        ),
        Case(
            "anthropic-vertex-async",
            "anthropic",
            "async",
            "anthropic/vertex_message",
            lambda ex: avertex(ex).messages.create(model=VERTEX_MODEL, max_tokens=256, messages=MESSAGES),
            **plain,
        ),
        Case(
            "anthropic-vertex-stream",
            "anthropic",
            "stream",
            "anthropic/vertex_stream",
            lambda ex: vertex(ex).messages.create(
                model=VERTEX_MODEL, max_tokens=256, messages=MESSAGES, stream=True
            ),
            **plain,
        ),
        Case(
            "anthropic-vertex-stream-manager",
            "anthropic",
            "async_manager",
            "anthropic/vertex_stream",
            lambda ex: avertex(ex).messages.stream(model=VERTEX_MODEL, max_tokens=256, messages=MESSAGES),
            **plain,
        ),
        Case(
            "anthropic-vertex-beta",
            "anthropic",
            "sync",
            "anthropic/vertex_message",
            lambda ex: vertex(ex).beta.messages.create(model=VERTEX_MODEL, max_tokens=256, messages=MESSAGES),
            **plain,
        ),
    ]
    if _has("resources.messages.Messages.parse"):  # anthropic >= 1.0
        cases.append(
            Case(
                "anthropic-parse",
                "anthropic",
                "sync",
                "anthropic/message",
                lambda ex: client(ex).messages.parse(model=m, max_tokens=256, messages=MESSAGES),
                **plain,
            )
        )
    if importlib.util.find_spec("boto3") is not None:  # AnthropicBedrock signs with botocore
        bedrock_plain = {**plain, "model": BEDROCK_HAIKU}
        cases += [
            Case(
                "anthropic-bedrock-sync",
                "anthropic",
                "sync",
                "anthropic/bedrock_message",
                lambda ex: bedrock(ex).messages.create(
                    model=BEDROCK_MODEL, max_tokens=256, messages=MESSAGES
                ),
                **bedrock_plain,
            ),
            Case(
                "anthropic-bedrock-async",
                "anthropic",
                "async",
                "anthropic/bedrock_message",
                lambda ex: abedrock(ex).messages.create(
                    model=BEDROCK_MODEL, max_tokens=256, messages=MESSAGES
                ),
                **bedrock_plain,
            ),
            Case(
                "anthropic-bedrock-beta",
                "anthropic",
                "sync",
                "anthropic/bedrock_message",
                lambda ex: bedrock(ex).beta.messages.create(
                    model=BEDROCK_MODEL, max_tokens=256, messages=MESSAGES
                ),
                **bedrock_plain,
            ),
            Case(
                "anthropic-bedrock-stream",
                "anthropic",
                "stream",
                "anthropic/bedrock_stream",
                lambda ex: bedrock(ex).messages.create(
                    model=BEDROCK_MODEL, max_tokens=256, messages=MESSAGES, stream=True
                ),
                **bedrock_plain,
            ),
            Case(
                "anthropic-bedrock-stream-manager",
                "anthropic",
                "manager",
                "anthropic/bedrock_stream",
                lambda ex: bedrock(ex).messages.stream(
                    model=BEDROCK_MODEL, max_tokens=256, messages=MESSAGES
                ),
                consume=iterate_then_final,
                **bedrock_plain,
            ),
        ]
    return cases


CASES: list[Case] = []
if importlib.util.find_spec("anthropic") is not None:
    CASES = _cases()
