"""Groq: ``client.chat.completions.create`` of the ``groq`` SDK (Stainless), sync and async, with streams.

Usage comes from the OpenAI-style ``usage`` object (``prompt_tokens``, ``completion_tokens`` with reasoning
included, ``completion_tokens_details.reasoning_tokens``, ``prompt_tokens_details.cached_tokens``). Streams
carry it on their last chunk, in ``x_groq.usage``, and in ``usage`` when the request asks for it
(``extra_body={"stream_options": {"include_usage": True}}``: the SDK has no ``stream_options`` argument).
A complete response's ``x_groq.usage`` holds cache statistics, not the call's usage: it is not read.
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

_MODULE = "groq.resources.chat.completions"

WRAPS = (
    WrapSpec(_MODULE, "Completions.create"),
    WrapSpec(_MODULE, "AsyncCompletions.create"),
)


def request(spec: WrapSpec, instance: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Request:
    model = kwargs.get("model")
    return Request(
        provider="groq",
        model=model if isinstance(model, str) else None,
        operation=spec.operation,
        stream=kwargs.get("stream") is True,
        server=stainless_server(instance),
    )


def observe_chunk(chunk: object, observed: Observed) -> None:
    if observed.model is None:
        model = fast_field(chunk, "model")
        if isinstance(model, str):
            observed.model = model
    usage = fast_field(chunk, "usage")
    if usage is None:
        usage = fast_field(fast_field(chunk, "x_groq"), "usage")  # first and last chunks only
    if usage is not None:
        read_openai_usage(usage, observed)
        return
    add_choice_deltas(fast_field(chunk, "choices"), observed)


ADAPTER = Adapter(
    name="groq",
    distribution="groq",
    min_version="0.37.0",  # 2025-12-01, the first release on or after 2025-11-23
    wraps=WRAPS,
    request=request,
    observe_response=observe_openai_like_response,
    observe_chunk=observe_chunk,
    count_input=count_chat_messages,
    is_raw=is_stainless_raw,
)
