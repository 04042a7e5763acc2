"""google-genai (``google.genai.Client``): Gemini Developer API and Vertex AI.

Wrapped: ``Models.generate_content`` / ``generate_content_stream`` and their ``AsyncModels`` twins
(``client.models`` and ``client.aio.models``). Chats (``client.chats.create(...).send_message`` and
``send_message_stream``, sync and async) call these same methods on the client's ``Models``, so they are
covered without a wrap of their own: a chat turn is recorded once per model request it sends. A chat
stream is the chat's own generator around the wrapped model stream: its last chunk carries the impacts.

Usage comes from ``usage_metadata``; proto3 JSON leaves zero counts out, so a missing count next to a
reported one means 0.
- input = ``prompt_token_count`` (cached tokens included) + ``tool_use_prompt_token_count``;
- output = ``candidates_token_count`` + ``thoughts_token_count``; reasoning = ``thoughts_token_count``;
- cached input = ``cached_content_token_count``.
Stream chunks repeat the cumulative ``usage_metadata``; the last one wins.

Known limit: automatic function calling inside ``Models.generate_content`` (Python callables as tools, no
chat) sends several requests inside one call, and the response only carries the last request's usage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ._base import Adapter, Observed, Request, WrapSpec, as_count, attr_chain, tokens_from_chars

_MODELS: Final = "google.genai.models"

WRAPS: Final = (
    WrapSpec(_MODELS, "Models.generate_content", "chat"),
    WrapSpec(_MODELS, "Models.generate_content_stream", "chat", result="stream"),
    WrapSpec(_MODELS, "AsyncModels.generate_content", "chat"),
    WrapSpec(_MODELS, "AsyncModels.generate_content_stream", "chat", result="stream"),
    # Chat streams are SDK generators that call generate_content_stream lazily, inside their body: wrapped
    # themselves so the stream the user holds carries the impacts (the inner call is nested: not counted).
    WrapSpec("google.genai.chats", "Chat.send_message_stream", "chat", result="stream"),
    WrapSpec("google.genai.chats", "AsyncChat.send_message_stream", "chat", result="stream"),
)


def _field(obj: object, name: str) -> Any:
    """Attribute of an SDK object, or key of a dict (users may pass dicts for contents and config)."""
    if isinstance(obj, dict):  # not the Mapping ABC: isinstance() against it costs ~0.4 us per call
        return obj.get(name)
    return getattr(obj, name, None)


def model_id(model: object) -> str | None:
    """Catalogue name from a google-genai model string.

    ``models/gemini-2.5-flash``, ``publishers/google/models/gemini-2.5-flash``,
    ``projects/p/locations/l/publishers/google/models/gemini-2.5-flash`` and ``google/gemini-2.5-flash`` all
    give ``gemini-2.5-flash``; tuned models and endpoints (``tunedModels/1``, ``projects/p/.../endpoints/1``)
    are returned unchanged.
    """
    if not isinstance(model, str):
        return None
    m = model.strip()
    i = m.rfind("models/")
    if i == 0 or (i > 0 and m[i - 1] == "/"):
        m = m[i + len("models/") :]
    elif m.startswith("google/"):
        m = m[len("google/") :]
    return m or None


def _location_in(model: object) -> str | None:
    """``projects/p/locations/europe-west4/...`` -> ``europe-west4``."""
    if isinstance(model, str) and model.startswith("projects/"):
        parts = model.split("/")
        if len(parts) > 3 and parts[2] == "locations":
            return parts[3] or None
    return None


def request(spec: WrapSpec, instance: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Request:
    modules = getattr(instance, "_modules", None)
    if modules is not None:  # a Chat: its model and the Models object it calls
        raw_model = getattr(instance, "_model", None)
        api = getattr(modules, "_api_client", None)
    else:
        raw_model = kwargs.get("model", args[0] if args else None)
        api = getattr(instance, "_api_client", None)
    region: str | None = None
    if getattr(api, "vertexai", False) is True:
        region = _location_in(raw_model) or getattr(api, "location", None)
        if not isinstance(region, str) or region == "global":
            region = None  # the global endpoint serves from any region
    server = attr_chain(api, "_http_options", "base_url")
    return Request(
        provider="google",
        model=model_id(raw_model),
        operation=spec.operation,
        stream=spec.result == "stream",
        server=server if isinstance(server, str) else None,
        region=region,
    )


def _observe_usage(usage: object, observed: Observed) -> None:
    """Copy ``usage_metadata`` counts into ``observed`` (nothing when it reports no count at all)."""
    prompt = as_count(_field(usage, "prompt_token_count"))
    tool = as_count(_field(usage, "tool_use_prompt_token_count"))
    candidates = as_count(_field(usage, "candidates_token_count"))
    thoughts = as_count(_field(usage, "thoughts_token_count"))
    cached = as_count(_field(usage, "cached_content_token_count"))
    total = as_count(_field(usage, "total_token_count"))
    if prompt is None and tool is None and candidates is None and thoughts is None and total is None:
        return
    # proto3 JSON omits zero counts: a missing count beside reported ones is 0.
    observed.input_tokens = (prompt or 0) + (tool or 0)
    observed.output_tokens = (candidates or 0) + (thoughts or 0)
    observed.reasoning_tokens = thoughts or 0
    observed.cached_input_tokens = cached or 0


def _observe_model(resp: object, observed: Observed) -> None:
    version = _field(resp, "model_version")
    if isinstance(version, str) and version:
        observed.model = model_id(version)


def observe_response(resp: Any, observed: Observed) -> None:
    usage = _field(resp, "usage_metadata")
    if usage is not None:
        _observe_usage(usage, observed)
    _observe_model(resp, observed)


def _chunk_text(chunk: object) -> str | None:
    """Text of the first candidate's parts (thoughts included), without ``.text`` (it logs warnings)."""
    candidates = _field(chunk, "candidates")
    if not isinstance(candidates, (list, tuple)) or not candidates:
        return None
    parts = _field(_field(candidates[0], "content"), "parts")
    if not isinstance(parts, (list, tuple)):
        return None
    texts = [t for t in (_field(p, "text") for p in parts) if isinstance(t, str)]
    return "".join(texts) if texts else None


def observe_chunk(chunk: Any, observed: Observed) -> None:
    """Keep the chunk's cumulative ``usage_metadata`` (read once, at the end); count text without one."""
    usage = _field(chunk, "usage_metadata")
    if usage is not None:
        observed.extra["usage"] = usage
    else:
        observed.add_text(_chunk_text(chunk))
    if observed.model is None:
        _observe_model(chunk, observed)


def observe_stream_end(stream: Any, observed: Observed) -> None:
    """Read the last ``usage_metadata`` seen (cumulative: it covers the whole stream)."""
    usage = observed.extra.pop("usage", None)
    if usage is not None:
        _observe_usage(usage, observed)


def _text_chars(value: object, depth: int = 0) -> int:
    """Characters of text in ``contents``: a str, Parts, Contents, their dict forms, or lists of these."""
    if depth > 4 or value is None:
        return 0
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple)):
        return sum(_text_chars(v, depth + 1) for v in value)
    text = _field(value, "text")
    if isinstance(text, str):
        return len(text)
    parts = _field(value, "parts")
    if isinstance(parts, (list, tuple)):
        return sum(_text_chars(p, depth + 1) for p in parts)
    return 0


def count_input(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int | None:
    chars = _text_chars(kwargs.get("contents"))
    chars += _text_chars(_field(kwargs.get("config"), "system_instruction"))
    return tokens_from_chars(chars) if chars else None


ADAPTER: Final = Adapter(
    name="google_genai",
    distribution="google-genai",
    min_version="1.53.0",  # 2025-12-03, the first release on or after 2025-11-23
    wraps=WRAPS,
    request=request,
    observe_response=observe_response,
    observe_chunk=observe_chunk,
    count_input=count_input,
    observe_stream_end=observe_stream_end,
    import_name="google.genai",
)
