"""Together AI: ``client.chat.completions.create`` of the ``together`` SDK, sync and async, with streams.

Two SDK lines are in use:

- 2.x and 3.x (Stainless, httpx): ``CompletionsResource`` / ``AsyncCompletionsResource``; streams are
  ``together.Stream`` / ``AsyncStream``; ``with_raw_response`` gives an ``APIResponse``.
- 1.5.x and 1.6 (hand-written, ``requests`` / ``aiohttp``): ``ChatCompletions`` / ``AsyncChatCompletions``;
  a stream is a plain (async) generator of ``ChatCompletionChunk``.

Both report OpenAI-style ``usage`` (``prompt_tokens``, ``completion_tokens``) on the response and on the
last stream chunk; cached prompt tokens come as ``usage.cached_tokens`` (or the OpenAI
``prompt_tokens_details.cached_tokens``) when the API sends them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._base import (
    Adapter,
    Observed,
    Request,
    WrapSpec,
    add_choice_deltas,
    count_chat_messages,
    fast_field,
    is_stainless_raw,
    observe_openai_like_response,
    read_openai_usage,
    stainless_server,
)

_MODULE = "together.resources.chat.completions"

WRAPS = (
    WrapSpec(_MODULE, "CompletionsResource.create"),  # 2.x, 3.x
    WrapSpec(_MODULE, "AsyncCompletionsResource.create"),
    WrapSpec(_MODULE, "ChatCompletions.create"),  # 1.x
    WrapSpec(_MODULE, "AsyncChatCompletions.create"),
)


def request(spec: WrapSpec, instance: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Request:
    model = kwargs.get("model")
    return Request(
        provider="together",
        model=model if isinstance(model, str) else None,
        operation=spec.operation,
        stream=kwargs.get("stream") is True,
        server=stainless_server(instance),  # httpx.URL (2.x, 3.x) or str (1.x)
    )


def observe_chunk(chunk: object, observed: Observed) -> None:
    if observed.model is None:
        model = fast_field(chunk, "model")
        if isinstance(model, str):
            observed.model = model
    # The usage chunk may also carry the last piece of text: read both.
    read_openai_usage(fast_field(chunk, "usage"), observed)
    add_choice_deltas(fast_field(chunk, "choices"), observed)


ADAPTER = Adapter(
    name="together",
    distribution="together",
    min_version="1.5.31",  # 2025-12-01, the first release on or after 2025-11-23 (2.0.0: 2026-02-04)
    wraps=WRAPS,
    request=request,
    observe_response=observe_openai_like_response,
    observe_chunk=observe_chunk,
    count_input=count_chat_messages,
    is_raw=is_stainless_raw,
)
