"""Groq: ``client.chat.completions.create`` of the ``groq`` SDK (Stainless), sync and async, with streams.

Usage comes from the OpenAI-style ``usage`` object (``prompt_tokens``, ``completion_tokens`` with reasoning
included, ``completion_tokens_details.reasoning_tokens``, ``prompt_tokens_details.cached_tokens``). Streams
carry it on their last chunk, in ``x_groq.usage``, and in ``usage`` when the request asks for it
(``extra_body={"stream_options": {"include_usage": True}}``: the SDK has no ``stream_options`` argument).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._base import (
    Adapter,
    Observed,
    Request,
    WrapSpec,
    as_count,
    attr_chain,
    get_field,
    text_chars_of_messages,
    tokens_from_chars,
)

_MODULE = "groq.resources.chat.completions"

WRAPS = (
    WrapSpec(_MODULE, "Completions.create"),
    WrapSpec(_MODULE, "AsyncCompletions.create"),
)

#: Stainless raw-response wrappers (``with_raw_response`` / ``with_streaming_response``): ``parse()`` gives
#: the real result (a coroutine for the async one).
_RAW_TYPES = frozenset({"APIResponse", "AsyncAPIResponse", "LegacyAPIResponse"})


def server_of(instance: object) -> str | None:
    """Base URL of a Stainless resource's client (``resource._client.base_url``)."""
    url = attr_chain(instance, "_client", "base_url")
    return None if url is None else str(url)


def request(spec: WrapSpec, instance: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Request:
    model = kwargs.get("model")
    return Request(
        provider="groq",
        model=model if isinstance(model, str) else None,
        operation=spec.operation,
        stream=kwargs.get("stream") is True,
        server=server_of(instance),
    )


def read_usage(usage: object, observed: Observed) -> None:
    """OpenAI-style ``usage`` (object or dict) -> ``observed``; missing counts stay ``None``."""
    if usage is None:
        return
    inp = as_count(get_field(usage, "prompt_tokens"))
    out = as_count(get_field(usage, "completion_tokens"))
    if inp is None and out is None:
        return
    observed.input_tokens = inp
    observed.output_tokens = out
    reasoning = as_count(get_field(get_field(usage, "completion_tokens_details"), "reasoning_tokens"))
    if reasoning is not None:
        observed.reasoning_tokens = reasoning
    cached = as_count(get_field(get_field(usage, "prompt_tokens_details"), "cached_tokens"))
    if cached is not None:
        observed.cached_input_tokens = cached


def observe_response(resp: object, observed: Observed) -> None:
    model = get_field(resp, "model")
    if isinstance(model, str):
        observed.model = model
    read_usage(get_field(resp, "usage"), observed)  # (a complete response's x_groq.usage is cache statistics)


def observe_chunk(chunk: object, observed: Observed) -> None:
    if observed.model is None:
        model = getattr(chunk, "model", None)
        if isinstance(model, str):
            observed.model = model
    usage = getattr(chunk, "usage", None)
    if usage is None:
        x_groq = getattr(chunk, "x_groq", None)  # first and last chunks only
        if x_groq is not None:
            usage = getattr(x_groq, "usage", None)
    if usage is not None:
        read_usage(usage, observed)
        return
    choices = getattr(chunk, "choices", None)
    if not choices:
        return
    for choice in choices:
        delta = getattr(choice, "delta", None)
        content = getattr(delta, "content", None)
        reasoning = getattr(delta, "reasoning", None)  # reasoning_format="parsed"
        if reasoning and isinstance(reasoning, str):
            content = (content or "") + reasoning if isinstance(content, str) else reasoning
        if isinstance(content, str):
            observed.add_text(content)


def count_input(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int | None:
    chars = text_chars_of_messages(kwargs.get("messages"))
    return tokens_from_chars(chars) if chars else None


def is_raw(result: object) -> bool:
    return type(result).__name__ in _RAW_TYPES and hasattr(result, "parse")


ADAPTER = Adapter(
    name="groq",
    distribution="groq",
    min_version="0.37.0",  # 2025-12-01, the first release on or after 2025-11-23
    wraps=WRAPS,
    request=request,
    observe_response=observe_response,
    observe_chunk=observe_chunk,
    count_input=count_input,
    is_raw=is_raw,
)
