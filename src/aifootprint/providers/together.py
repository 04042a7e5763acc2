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
from typing import Any, Final

from ._base import (
    Adapter,
    Observed,
    Request,
    WrapSpec,
    as_count,
    attr_chain,
    text_chars_of_messages,
    tokens_from_chars,
)

_MODULE = "together.resources.chat.completions"

WRAPS = (
    WrapSpec(_MODULE, "CompletionsResource.create"),  # 2.x, 3.x
    WrapSpec(_MODULE, "AsyncCompletionsResource.create"),
    WrapSpec(_MODULE, "ChatCompletions.create"),  # 1.x
    WrapSpec(_MODULE, "AsyncChatCompletions.create"),
)

_RAW_TYPES = frozenset({"APIResponse", "AsyncAPIResponse", "LegacyAPIResponse"})


def request(spec: WrapSpec, instance: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Request:
    model = kwargs.get("model")
    url = attr_chain(instance, "_client", "base_url")  # httpx.URL (2.x, 3.x) or str (1.x)
    return Request(
        provider="together",
        model=model if isinstance(model, str) else None,
        operation=spec.operation,
        stream=kwargs.get("stream") is True,
        server=None if url is None else str(url),
    )


_NOT_PYDANTIC: Final = object()


def _field(obj: object, name: str) -> Any:
    """``get_field`` that skips pydantic's slow ``__getattr__``: Together's usage declares three fields,
    so ``cached_tokens`` is a pydantic extra and ``prompt_tokens_details`` a missing attribute (1-2 us
    each through ``getattr``; ~0.1 us here)."""
    d = getattr(obj, "__dict__", None)
    if d is not None and name in d:
        return d[name]
    extra = getattr(obj, "__pydantic_extra__", _NOT_PYDANTIC)
    if extra is not _NOT_PYDANTIC:  # a pydantic v2 model: a field not in __dict__ is an extra, or unset
        return extra.get(name) if isinstance(extra, dict) else None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def read_usage(usage: object, observed: Observed) -> None:
    if usage is None:
        return
    inp = as_count(_field(usage, "prompt_tokens"))
    out = as_count(_field(usage, "completion_tokens"))
    if inp is None and out is None:
        return
    observed.input_tokens = inp
    observed.output_tokens = out
    cached = as_count(_field(_field(usage, "prompt_tokens_details"), "cached_tokens"))
    if cached is None:
        cached = as_count(_field(usage, "cached_tokens"))
    if cached is not None:
        observed.cached_input_tokens = cached
    reasoning = as_count(_field(_field(usage, "completion_tokens_details"), "reasoning_tokens"))
    if reasoning is not None:
        observed.reasoning_tokens = reasoning


def observe_response(resp: object, observed: Observed) -> None:
    model = _field(resp, "model")
    if isinstance(model, str):
        observed.model = model
    read_usage(_field(resp, "usage"), observed)


def observe_chunk(chunk: object, observed: Observed) -> None:
    if observed.model is None:
        model = getattr(chunk, "model", None)
        if isinstance(model, str):
            observed.model = model
    usage = getattr(chunk, "usage", None)
    if usage is not None:
        read_usage(usage, observed)
        # the usage chunk may also carry the last piece of text: fall through
    choices = getattr(chunk, "choices", None)
    if not choices:
        return
    for choice in choices:
        delta = getattr(choice, "delta", None)
        content = getattr(delta, "content", None)
        reasoning = getattr(delta, "reasoning", None)  # reasoning models stream their thinking here
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
    name="together",
    distribution="together",
    min_version="1.5.31",  # 2025-12-01, the first release on or after 2025-11-23 (2.0.0: 2026-02-04)
    wraps=WRAPS,
    request=request,
    observe_response=observe_response,
    observe_chunk=observe_chunk,
    count_input=count_input,
    is_raw=is_raw,
)
