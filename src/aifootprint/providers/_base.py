"""What a provider module declares: what to wrap (data) and how to read usage (pure functions).

A provider module never times anything, never estimates, never reads configuration and never imports its
SDK at import time. Its functions take SDK objects (or look-alikes such as ``SimpleNamespace``) and fill an
:class:`Observed`; the instrumentation machinery does everything else, once, for every provider.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

Operation = Literal["chat", "text", "embeddings", "image"]
#: How the wrapped callable's result is treated:
#: "auto"     a response, or a stream when ``Request.stream`` is true (the ``stream=True`` argument);
#: "stream"   always a stream (``chat.stream``-style methods that return an iterator);
#: "manager"  a (async) context manager whose ``__enter__`` returns a stream (``messages.stream``).
ResultKind = Literal["auto", "stream", "manager"]


@dataclass(frozen=True, slots=True)
class WrapSpec:
    """One callable to wrap: ``getattr(import_module(module), path...)``, e.g. ``Completions.create``.

    A spec whose module or attribute is missing in the installed SDK version is skipped silently (older
    or newer SDKs lack some methods). ``final_methods`` names the stream methods that consume the stream
    and return the final object (``get_final_message``); their result receives the impacts too.
    """

    module: str
    path: str
    operation: Operation = "chat"
    result: ResultKind = "auto"
    final_methods: tuple[str, ...] = ()


@dataclass(slots=True)
class Request:
    """What the wrapper knows before the call: where it goes and what it asks for."""

    provider: str  # catalogue provider used to find the model and the datacenter ("openai", "groq", ...)
    model: str | None  # requested model id as the user wrote it
    operation: Operation = "chat"
    stream: bool = False
    server: str | None = None  # base URL (or host) the SDK talks to; matched against configured endpoints
    region: str | None = None  # provider region when the SDK knows it (AWS, Vertex AI, Azure)
    datacenter: str | None = None  # who runs the servers when not ``provider`` (AnthropicVertex -> "google")
    warnings: tuple[str, ...] = ()  # codes added to the call's impacts (``model-defaulted``)


@dataclass(slots=True)
class Observed:
    """What a provider module reads off responses and stream chunks; ``None`` means "not reported".

    Token counts are the provider's own. ``output_tokens`` counts every generated token, reasoning
    included; when a provider reports reasoning separately (Gemini ``thoughts_token_count``), the
    module adds it to ``output_tokens`` and also stores it in ``reasoning_tokens``.
    For streams without a usage report the module adds generated text with :meth:`add_text`; tokens are
    then counted from it and marked as such.
    """

    model: str | None = None  # model id the provider says it used
    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cached_input_tokens: int | None = None
    text_chars: int = 0  # generated characters seen in stream chunks
    text_chunks: int = 0  # stream chunks that carried generated content
    finished: bool = False  # set by observe_stream_end when the SDK's snapshot shows the stream ended
    extra: dict[str, Any] = field(default_factory=dict)  # provider-specific scratch space

    def add_text(self, text: str | None) -> None:
        if text:
            self.text_chars += len(text)
            self.text_chunks += 1


#: Returns ``None`` for calls that are not ours (e.g. a boto3 S3 call through a shared botocore method):
#: the wrapper then calls through untouched.
RequestFn = Callable[[WrapSpec, Any, tuple[Any, ...], Mapping[str, Any]], "Request | None"]
StreamSlotFn = Callable[[Any], "tuple[Any, Any] | None"]
ObserveFn = Callable[[Any, Observed], None]
CountFn = Callable[[tuple[Any, ...], Mapping[str, Any]], int | None]


def _no_raw(result: object) -> bool:
    return False


def _count_nothing(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int | None:
    return None


@dataclass(frozen=True, slots=True)
class Adapter:
    """A provider: its SDK distribution(s), the callables to wrap and its pure extractors.

    - ``request(spec, instance, args, kwargs)`` -> :class:`Request` (``instance`` is the resource object
      the method is bound to, or ``None`` for module functions).
    - ``observe_response(response, observed)`` reads a complete response (also the final object returned
      by a stream's ``final_methods``).
    - ``observe_chunk(chunk, observed)`` reads one stream item (chunk or event). It runs on every chunk:
      keep it to a few attribute reads.
    - ``count_input(args, kwargs)`` estimates input tokens from the prompt when a stream ends without a
      usage report (characters / 4); ``None`` when it cannot.
    - ``observe_stream_end(stream, observed)`` runs once when a stream ends, with the SDK's own stream
      object, for SDK streams that keep a snapshot (``current_message_snapshot``) that helper methods
      such as ``text_stream`` fill without passing through the proxy.
    - ``stream_slot(result)`` -> ``(container, key)`` when a streaming call returns a container holding
      the stream (boto3 ``converse_stream`` returns a dict whose ``"stream"`` is the event stream): the
      machinery wraps ``container[key]`` in place and the container is returned as is.
    - ``is_raw(result)`` tells a raw-response wrapper (OpenAI ``with_raw_response``) whose ``parse()``
      yields the real result.
    """

    name: str
    distribution: str  # the pip distribution whose version is checked
    min_version: str  # oldest supported version; older installs are skipped with one warning
    wraps: tuple[WrapSpec, ...]
    request: RequestFn
    observe_response: ObserveFn
    observe_chunk: ObserveFn
    count_input: CountFn = _count_nothing
    is_raw: Callable[[object], bool] = _no_raw
    observe_stream_end: ObserveFn | None = None
    stream_slot: StreamSlotFn | None = None
    import_name: str = ""  # top-level module to probe, when it differs from the distribution name


_NO_FIELDS: Final[Mapping[str, Any]] = {}


def fields(obj: object) -> Mapping[str, Any]:
    """The fields of an SDK object as a mapping, for fast reads of optional fields.

    Pydantic models keep their fields in ``__dict__``; reading a missing attribute on them goes through
    ``BaseModel.__getattr__`` and a raised AttributeError (microseconds each), too slow for a per-chunk
    hot path. Dicts are returned as they are; other objects give their ``__dict__`` or an empty mapping.
    """
    if isinstance(obj, dict):
        return obj
    d = getattr(obj, "__dict__", None)
    return d if d is not None else _NO_FIELDS


def attr_chain(obj: object, *names: str) -> Any:
    """``obj.a.b.c`` that returns ``None`` as soon as a link is missing or ``None``."""
    for n in names:
        if obj is None:
            return None
        obj = getattr(obj, n, None)
    return obj


def get_field(obj: object, name: str) -> Any:
    """Field of an SDK object or of a plain dict (some SDKs return dicts)."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


_NOT_PYDANTIC: Final = object()


def fast_field(obj: object, name: str) -> Any:
    """``obj.name`` or ``None``, without pydantic's slow ``__getattr__`` on the hot path.

    A missing attribute or a pydantic *extra* (LiteLLM keeps most stream fields as extras; Together's
    ``usage.cached_tokens`` is one) goes through ``BaseModel.__getattr__``: 1-2 us each. This reads
    ``__dict__`` and ``__pydantic_extra__`` directly (~0.1 us); dicts give their key; properties of
    pydantic models are not fields and give ``None``.
    """
    d = getattr(obj, "__dict__", None)
    if d is not None and name in d:
        return d[name]
    extra = getattr(obj, "__pydantic_extra__", _NOT_PYDANTIC)
    if extra is not _NOT_PYDANTIC:  # a pydantic v2 model: a field not in __dict__ is an extra, or unset
        return extra.get(name) if isinstance(extra, dict) else None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def read_openai_usage(usage: object, o: Observed) -> bool:
    """An OpenAI-style ``usage`` (Chat Completions ``prompt_tokens`` / ``completion_tokens``, Responses
    ``input_tokens`` / ``output_tokens``, their ``*_details``) into ``o``; False when it has no count.

    Used by every OpenAI-shaped SDK (openai, groq, together, litellm). Embeddings report input only:
    their output is 0. Cached input: ``prompt_tokens_details.cached_tokens`` or Together's
    ``cached_tokens``. Reads field dicts directly (this runs once per call and on usage chunks).
    """
    if usage is None:
        return False
    f = _field_map(usage)
    inp = as_count(f("prompt_tokens"))
    if inp is None:
        inp = as_count(f("input_tokens"))
    out = as_count(f("completion_tokens"))
    if out is None:
        out = as_count(f("output_tokens"))
    if inp is None and out is None:
        return False
    if inp is not None:
        o.input_tokens = inp
    if out is not None:
        o.output_tokens = out
    elif o.output_tokens is None:
        o.output_tokens = 0  # embeddings: nothing generated
    details = f("completion_tokens_details") or f("output_tokens_details")
    if details is not None:
        reasoning = as_count(fast_field(details, "reasoning_tokens"))
        if reasoning is not None:
            o.reasoning_tokens = reasoning
    prompt_details = f("prompt_tokens_details") or f("input_tokens_details")
    cached = None if prompt_details is None else as_count(fast_field(prompt_details, "cached_tokens"))
    if cached is None:
        cached = as_count(f("cached_tokens"))
    if cached is not None:
        o.cached_input_tokens = cached
    return True


def _field_map(obj: object) -> Callable[[str], Any]:
    """A getter over ``obj``'s fields: its ``__dict__`` (and pydantic extras), a dict's keys, else getattr."""
    if isinstance(obj, dict):
        return obj.get
    d = getattr(obj, "__dict__", None)
    if d is None:
        return lambda name: getattr(obj, name, None)
    extra = getattr(obj, "__pydantic_extra__", None)
    if not extra:
        getter: Callable[[str], Any] = d.get
        return getter
    return lambda name: d[name] if name in d else extra.get(name)


def add_choice_deltas(choices: object, o: Observed) -> None:
    """Generated text of OpenAI-style stream ``choices`` (content, reasoning, tool-call arguments)."""
    if not isinstance(choices, (list, tuple)):
        return
    for choice in choices:
        delta = fast_field(choice, "delta")
        if delta is None:
            continue
        text = fast_field(delta, "content")
        parts = text if isinstance(text, str) else ""
        for key in ("reasoning", "reasoning_content"):  # groq/together, vLLM/DeepSeek reasoning streams
            r = fast_field(delta, key)
            if isinstance(r, str):
                parts += r
        calls = fast_field(delta, "tool_calls")
        if calls:
            for call in calls:
                args = fast_field(fast_field(call, "function"), "arguments")
                if isinstance(args, str):
                    parts += args
        o.add_text(parts)  # one content chunk, however many kinds of text it carries


def observe_openai_like_response(resp: object, o: Observed) -> None:
    """A complete OpenAI-shaped response (``model`` and ``usage``), as groq and together return."""
    model = fast_field(resp, "model")
    if isinstance(model, str):
        o.model = model
    read_openai_usage(fast_field(resp, "usage"), o)


def chars_of_strings(value: object) -> int:
    """Characters of a string or of the strings in a list (prompts, embedding inputs)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple)):
        return sum(len(v) for v in value if isinstance(v, str))
    return 0


#: Raw-response wrappers of Stainless-generated SDKs (``with_raw_response``, ``with_streaming_response``):
#: ``parse()`` gives the real result (a coroutine for the async one).
STAINLESS_RAW_TYPES: Final = frozenset({"LegacyAPIResponse", "APIResponse", "AsyncAPIResponse"})


def is_stainless_raw(result: object) -> bool:
    return type(result).__name__ in STAINLESS_RAW_TYPES and hasattr(result, "parse")


def stainless_server(instance: object) -> str | None:
    """Base URL of a Stainless resource's client (``resource._client.base_url``, httpx.URL or str)."""
    url = attr_chain(instance, "_client", "base_url")
    return None if url is None else str(url)


def as_count(x: object) -> int | None:
    """A token count from an SDK field: ints (and int-valued floats) only, anything else is ``None``."""
    if type(x) is int:
        return x if x >= 0 else None
    if isinstance(x, float) and x.is_integer() and x >= 0:
        return int(x)
    return None


def text_chars_of_messages(messages: object) -> int:
    """Characters of text in a chat ``messages`` list (OpenAI/Anthropic/Mistral shapes), for counting."""
    total = 0
    if isinstance(messages, str):
        return len(messages)
    if not isinstance(messages, (list, tuple)):
        return 0
    for m in messages:
        content = get_field(m, "content")
        if isinstance(content, str):
            total += len(content)
        elif isinstance(content, (list, tuple)):
            for part in content:
                text = get_field(part, "text")
                if isinstance(text, str):
                    total += len(text)
    return total


CHARS_PER_TOKEN: Final = 4.0  # rule of thumb for English text with BPE tokenizers (OpenAI tokenizer guide)


def count_chat_messages(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int | None:
    """``count_input`` for chat APIs that take ``messages=`` (OpenAI-shaped SDKs: groq, together)."""
    chars = text_chars_of_messages(kwargs.get("messages"))
    return tokens_from_chars(chars) if chars else None


def tokens_from_chars(chars: int) -> int:
    return round(chars / CHARS_PER_TOKEN)
