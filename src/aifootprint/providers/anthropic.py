"""Anthropic SDK (``anthropic``): Messages API, first-party and on AWS Bedrock, Vertex AI and the rest.

Wrapped (sync and async, ``beta`` included): ``messages.create`` (``stream=True`` too), ``messages.parse``,
``messages.stream`` (a stream manager whose stream keeps a ``current_message_snapshot``). The Bedrock and
Vertex ``beta.messages`` classes copy the first-party functions at import (``create = Messages.create``),
so they are wrapped on their own.

Usage (https://platform.claude.com/docs/en/api/messages): ``usage.input_tokens`` excludes the prompt-cache
tokens, so input = ``input_tokens + cache_creation_input_tokens + cache_read_input_tokens`` and cached
input = ``cache_read_input_tokens``. ``output_tokens`` is the billed total, extended thinking included;
``output_tokens_details.thinking_tokens`` (SDK >= 1.0) is its reasoning share. Streams: ``message_start``
carries the input usage, each ``message_delta`` the cumulative ``output_tokens`` (and, on recent API
versions, cumulative input counts that overwrite the start values).

Who serves the call comes from the client the resource belongs to (duck-typed on class names, so the SDK
is never imported here): ``AnthropicBedrock`` -> catalogue provider ``bedrock`` in its ``aws_region``;
``AnthropicVertex`` / ``AnthropicGoogleCloud`` -> Anthropic models in Google datacenters;
``AnthropicAWS`` -> Anthropic models in AWS datacenters; everything else (``Anthropic``,
``AnthropicFoundry``, gateways) -> ``anthropic``, told apart by base URL.
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
    get_field,
    text_chars_of_messages,
    tokens_from_chars,
)

_MESSAGES: Final = "anthropic.resources.messages.messages"
_BETA: Final = "anthropic.resources.beta.messages.messages"
_BEDROCK_BETA: Final = "anthropic.lib.bedrock._beta_messages"
_VERTEX_BETA: Final = "anthropic.lib.vertex._beta_messages"

#: Stream helpers that read the stream to its end internally (not through the proxy).
_FINAL: Final = ("get_final_message", "get_final_text", "until_done")


def _specs(module: str) -> tuple[WrapSpec, ...]:
    return (
        WrapSpec(module, "Messages.create"),
        WrapSpec(module, "AsyncMessages.create"),
        WrapSpec(module, "Messages.parse"),
        WrapSpec(module, "AsyncMessages.parse"),
        WrapSpec(module, "Messages.stream", result="manager", final_methods=_FINAL),
        WrapSpec(module, "AsyncMessages.stream", result="manager", final_methods=_FINAL),
    )


# Bedrock/Vertex beta first: their classes hold the first-party functions themselves.
WRAPS: Final = (*_specs(_BEDROCK_BETA), *_specs(_VERTEX_BETA), *_specs(_MESSAGES), *_specs(_BETA))

# -- attribution --------------------------------------------------------------------------------------------

#: Client class name (or a base of it) -> how it is served.
_CLIENT_KINDS: Final[dict[str, str]] = {
    "AnthropicBedrock": "bedrock",
    "AsyncAnthropicBedrock": "bedrock",
    "BaseBedrockClient": "bedrock",
    "AnthropicBedrockMantle": "bedrock",
    "AsyncAnthropicBedrockMantle": "bedrock",
    "BaseMantleClient": "bedrock",
    "AnthropicVertex": "vertex",
    "AsyncAnthropicVertex": "vertex",
    "BaseVertexClient": "vertex",
    "AnthropicGoogleCloud": "google_cloud",
    "AsyncAnthropicGoogleCloud": "google_cloud",
    "BaseGoogleCloudClient": "google_cloud",
    "AnthropicAWS": "aws",
    "AsyncAnthropicAWS": "aws",
    "AnthropicFoundry": "anthropic",
    "AsyncAnthropicFoundry": "anthropic",
    "BaseFoundryClient": "anthropic",
    "Anthropic": "anthropic",
    "AsyncAnthropic": "anthropic",
}


def client_kind(client: object) -> str:
    """``"bedrock"``, ``"vertex"``, ``"google_cloud"``, ``"aws"`` or ``"anthropic"`` for an SDK client."""
    for cls in type(client).__mro__:
        kind = _CLIENT_KINDS.get(cls.__name__)
        if kind is not None:
            return kind
    return "anthropic"


def vertex_model(model: str) -> str:
    """Vertex AI model ids put the date after ``@``: ``claude-sonnet-4-5@20250929`` -> ``...-20250929``."""
    return model.replace("@", "-", 1)


def bedrock_model(model: str) -> str:
    """Bedrock model id from an ARN (``arn:aws:bedrock:...:inference-profile/us.anthropic.claude-...``)."""
    if model.startswith("arn:") and "/" in model:
        return model.rsplit("/", 1)[1]
    return model


def _text(x: object) -> str | None:
    return x if isinstance(x, str) and x else None


def request(spec: WrapSpec, instance: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Request:
    client = getattr(instance, "_client", None)
    model = _text(kwargs.get("model"))
    stream = spec.result == "manager" or kwargs.get("stream") is True
    base_url = getattr(client, "base_url", None)
    server = str(base_url) if base_url is not None else None
    kind = client_kind(client) if client is not None else "anthropic"
    if kind == "anthropic":
        return Request("anthropic", model, "chat", stream, server)
    if kind == "bedrock":
        region = _text(getattr(client, "aws_region", None))
        return Request("bedrock", bedrock_model(model) if model else None, "chat", stream, server, region)
    if kind == "aws":  # Claude Platform on AWS: Anthropic's API and model ids, AWS datacenters
        region = _text(getattr(client, "aws_region", None))
        return Request("anthropic", model, "chat", stream, server, region, datacenter="bedrock")
    if kind == "vertex":
        region = _text(getattr(client, "region", None))
        return Request(
            "anthropic", vertex_model(model) if model else None, "chat", stream, server, region, "google"
        )
    # google_cloud: the Claude gateway on Google Cloud (a location, "global" by default)
    region = _text(getattr(client, "_location", None))
    return Request("anthropic", model, "chat", stream, server, region, datacenter="google")


# -- usage --------------------------------------------------------------------------------------------------

_IN: Final = "anthropic_input"  # Observed.extra key: [input_tokens, cache_creation, cache_read]


def _set_input(observed: Observed, inp: int | None, created: int | None, read: int | None) -> None:
    """Record the input counts (``None``: not reported, keep what an earlier event said)."""
    parts = observed.extra.get(_IN)
    if parts is None:
        if inp is None and created is None and read is None:
            return
        parts = observed.extra[_IN] = [None, None, None]
    if inp is not None:
        parts[0] = inp
    if created is not None:
        parts[1] = created
    if read is not None:
        parts[2] = read
    observed.input_tokens = (parts[0] or 0) + (parts[1] or 0) + (parts[2] or 0)
    if parts[2] is not None:
        observed.cached_input_tokens = parts[2]


def _get(obj: object, name: str) -> Any:
    """``get_field`` for the hot path: SDK models, or plain dicts (``isinstance(x, Mapping)`` is slow)."""
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)


_NO_EXTRA: Final = object()


def _details(usage: object) -> Any:
    """``usage.output_tokens_details`` without pydantic's costly ``AttributeError`` when the model lacks it
    (anthropic 0.x): fields and extras of pydantic models live in ``__dict__`` / ``__pydantic_extra__``."""
    if isinstance(usage, dict):
        return usage.get("output_tokens_details")
    fields = getattr(usage, "__dict__", None)
    if isinstance(fields, dict) and "output_tokens_details" in fields:
        return fields["output_tokens_details"]
    extra = getattr(usage, "__pydantic_extra__", _NO_EXTRA)
    if extra is not _NO_EXTRA:  # a pydantic model without the field
        return extra.get("output_tokens_details") if isinstance(extra, dict) else None
    return getattr(usage, "output_tokens_details", None)


def _read_usage(usage: object, observed: Observed, *, output: bool) -> None:
    _set_input(
        observed,
        as_count(_get(usage, "input_tokens")),
        as_count(_get(usage, "cache_creation_input_tokens")),
        as_count(_get(usage, "cache_read_input_tokens")),
    )
    if not output:
        return
    out = as_count(_get(usage, "output_tokens"))
    if out is not None:
        observed.output_tokens = out
    details = _details(usage)
    if details is not None:
        thinking = as_count(_get(details, "thinking_tokens"))
        if thinking is not None:
            observed.reasoning_tokens = thinking


def observe_response(response: object, observed: Observed) -> None:
    """A ``Message`` / ``BetaMessage`` / ``ParsedMessage`` (or the same shape as a dict)."""
    model = _get(response, "model")
    if isinstance(model, str) and model:
        observed.model = model
    usage = _get(response, "usage")
    if usage is not None:
        _read_usage(usage, observed, output=True)


def observe_chunk(chunk: object, observed: Observed) -> None:
    """One stream event: raw ``Stream`` events, or the richer events of ``MessageStream``."""
    kind = getattr(chunk, "type", None)
    if kind == "content_block_delta":
        delta = getattr(chunk, "delta", None)
        dtype = getattr(delta, "type", None)
        if dtype == "text_delta":
            observed.add_text(getattr(delta, "text", None))
        elif dtype == "thinking_delta":
            observed.add_text(getattr(delta, "thinking", None))
        elif dtype == "input_json_delta":
            observed.add_text(getattr(delta, "partial_json", None))
    elif kind == "message_delta":
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            _read_usage(usage, observed, output=True)
    elif kind == "message_start":
        # The start event's output_tokens is a placeholder (1): the output count comes from message_delta,
        # or, for a stream cut short before it, from the text seen.
        message = getattr(chunk, "message", None)
        model = getattr(message, "model", None)
        if isinstance(model, str) and model:
            observed.model = model
        usage = getattr(message, "usage", None)
        if usage is not None:
            _read_usage(usage, observed, output=False)
    elif kind == "message_stop":
        message = getattr(chunk, "message", None)  # MessageStream's stop event carries the final message
        if message is not None and getattr(message, "stop_reason", None) is not None:
            observe_response(message, observed)


def _snapshot_chars(message: object) -> int:
    total = 0
    content = get_field(message, "content")
    if isinstance(content, (list, tuple)):
        for block in content:
            for name in ("text", "thinking"):
                value = get_field(block, name)
                if isinstance(value, str):
                    total += len(value)
    return total


def observe_stream_end(stream: object, observed: Observed) -> None:
    """``MessageStream`` keeps the accumulated message; its helpers (``text_stream``, ``until_done``,
    ``get_final_text``) read the events without passing through the proxy, so read the snapshot."""
    try:
        snapshot = stream.current_message_snapshot  # type: ignore[attr-defined]
    except Exception:  # a raw Stream has none; MessageStream asserts before message_start
        return
    if snapshot is None:
        return
    model = get_field(snapshot, "model")
    if isinstance(model, str) and model:
        observed.model = model
    usage = get_field(snapshot, "usage")
    complete = get_field(snapshot, "stop_reason") is not None  # set by message_delta
    if usage is not None:
        _read_usage(usage, observed, output=complete)
    if not complete and observed.output_tokens is None and observed.text_chars == 0:
        chars = _snapshot_chars(snapshot)
        if chars:
            observed.text_chars += chars
            observed.text_chunks += 1


def _system_chars(system: object) -> int:
    if isinstance(system, str):
        return len(system)
    if isinstance(system, (list, tuple)):
        return sum(len(t) for t in (get_field(b, "text") for b in system) if isinstance(t, str))
    return 0


def count_input(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int | None:
    chars = text_chars_of_messages(kwargs.get("messages")) + _system_chars(kwargs.get("system"))
    return tokens_from_chars(chars)


def is_raw(result: object) -> bool:
    """``messages.with_raw_response.create()`` -> ``APIResponse`` / ``AsyncAPIResponse`` (SDK >= 1.0) or
    ``LegacyAPIResponse`` (0.x); ``with_streaming_response`` enters into the same types."""
    name = type(result).__name__
    return name.endswith("APIResponse") and hasattr(result, "parse") and hasattr(result, "http_response")


ADAPTER: Final = Adapter(
    name="anthropic",
    distribution="anthropic",
    min_version="0.75.0",  # released 2025-11-24: the first release within the 12 months before 2026-11-23
    wraps=WRAPS,
    request=request,
    observe_response=observe_response,
    observe_chunk=observe_chunk,
    count_input=count_input,
    is_raw=is_raw,
    observe_stream_end=observe_stream_end,
)
