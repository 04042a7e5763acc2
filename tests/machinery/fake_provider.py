"""A provider module for fake_sdk, written like the real ones: WrapSpecs plus pure extractors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aifootprint.providers._base import Adapter, Observed, Request, WrapSpec, as_count

_M = f"{__package__}.fake_sdk"

WRAPS = (
    WrapSpec(_M, "Client.chat"),
    WrapSpec(_M, "Client.achat"),
    WrapSpec(_M, "Client.stream_manager", result="manager", final_methods=("helper_text",)),
    WrapSpec(_M, "Client.boxed", result="stream"),
    WrapSpec(_M, "Client.legacy", result="stream"),
    WrapSpec(_M, "Client.outer"),
    WrapSpec(_M, "Client.missing_in_this_version"),
    WrapSpec(f"{_M}_v9", "Client.chat"),
)


def request(
    spec: WrapSpec, instance: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> Request | None:
    model = kwargs.get("model", args[0] if args else None)
    if model == "not-ours":
        return None
    return Request(
        provider="openai", model=model, operation=spec.operation, stream=kwargs.get("stream") is True
    )


def observe_response(resp: Any, o: Observed) -> None:
    u = getattr(resp, "usage", None)
    if u is not None:
        o.input_tokens, o.output_tokens = as_count(u.input_tokens), as_count(u.output_tokens)
    o.model = getattr(resp, "model", None)


def observe_chunk(chunk: Any, o: Observed) -> None:
    if chunk.usage is not None:
        observe_response(chunk, o)
    o.add_text(chunk.text)


def count_input(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int | None:
    return 5


def stream_slot(result: Any) -> tuple[Any, Any] | None:
    return (result, "stream") if isinstance(result, dict) else None


ADAPTER = Adapter(
    name="fake",
    distribution="pytest",
    min_version="1.0",
    wraps=WRAPS,
    request=request,
    observe_response=observe_response,
    observe_chunk=observe_chunk,
    count_input=count_input,
    stream_slot=stream_slot,
)
