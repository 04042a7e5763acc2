"""OpenAI SDK (``openai`` 2.x and 3.x), also for OpenAI-compatible servers and ``AzureOpenAI``.

Calls are attributed by the client's base URL: a known host names the catalogue provider (``api.groq.com``
-> groq), Azure hosts run OpenAI models in Azure datacenters, and any other host (a local vLLM or Ollama
server) is looked up in the user's ``[endpoints]`` configuration, models being found by name across the
catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ._base import (
    Adapter,
    Observed,
    Request,
    WrapSpec,
    add_choice_deltas,
    attr_chain,
    fields,
    is_stainless_raw,
    read_openai_usage,
    text_chars_of_messages,
    tokens_from_chars,
)

_CHAT = "openai.resources.chat.completions.completions"
_CHAT_OLD = "openai.resources.chat.completions"
_RESP = "openai.resources.responses.responses"

WRAPS: Final = (
    WrapSpec(_CHAT, "Completions.create"),
    WrapSpec(_CHAT, "Completions.parse"),
    WrapSpec(_CHAT, "Completions.stream", result="manager", final_methods=("get_final_completion",)),
    WrapSpec(_CHAT, "AsyncCompletions.create"),
    WrapSpec(_CHAT, "AsyncCompletions.parse"),
    WrapSpec(_CHAT, "AsyncCompletions.stream", result="manager", final_methods=("get_final_completion",)),
    WrapSpec(_RESP, "Responses.create"),
    WrapSpec(_RESP, "Responses.parse"),
    WrapSpec(_RESP, "Responses.stream", result="manager", final_methods=("get_final_response",)),
    WrapSpec(_RESP, "AsyncResponses.create"),
    WrapSpec(_RESP, "AsyncResponses.parse"),
    WrapSpec(_RESP, "AsyncResponses.stream", result="manager", final_methods=("get_final_response",)),
    WrapSpec("openai.resources.embeddings", "Embeddings.create", operation="embeddings"),
    WrapSpec("openai.resources.embeddings", "AsyncEmbeddings.create", operation="embeddings"),
    WrapSpec("openai.resources.completions", "Completions.create", operation="text"),
    WrapSpec("openai.resources.completions", "AsyncCompletions.create", operation="text"),
    WrapSpec("openai.resources.images", "Images.generate", operation="image"),
    WrapSpec("openai.resources.images", "AsyncImages.generate", operation="image"),
    WrapSpec("openai.resources.images", "Images.edit", operation="image"),
    WrapSpec("openai.resources.images", "AsyncImages.edit", operation="image"),
)

#: Host (exact, or suffix when it starts with ".") -> (catalogue provider, datacenter provider or "").
#: "" as provider: the model id names its provider ("anthropic/claude-sonnet-4.5" on OpenRouter).
KNOWN_HOSTS: Final[tuple[tuple[str, str, str], ...]] = (
    ("api.openai.com", "openai", ""),
    (".openai.azure.com", "openai", "azure-openai"),
    (".cognitiveservices.azure.com", "openai", "azure-openai"),
    (".services.ai.azure.com", "openai", "azure-openai"),
    ("openrouter.ai", "", ""),
    ("api.groq.com", "groq", ""),
    ("api.together.xyz", "together", ""),
    ("api.together.ai", "together", ""),
    ("api.deepseek.com", "deepseek", ""),
    ("api.mistral.ai", "mistral", ""),
    ("generativelanguage.googleapis.com", "google", ""),
    ("api.anthropic.com", "anthropic", ""),
    ("router.huggingface.co", "huggingface", ""),
    ("api-inference.huggingface.co", "huggingface", ""),
    ("api.x.ai", "xai", ""),
)
OLLAMA_PORT: Final = 11434  # Ollama's default port serves its OpenAI-compatible API under /v1
UNKNOWN_HOST: Final = "openai-compatible"  # no catalogue provider: models are found by name

_host_cache: dict[str, tuple[str, str | None]] = {}


def provider_for_url(url: str) -> tuple[str, str | None]:
    """Base URL -> (catalogue provider, datacenter provider or None)."""
    found = _host_cache.get(url)
    if found is not None:
        return found
    rest = url.split("://", 1)[-1]
    hostport = rest.split("/", 1)[0].lower()
    host, _, port = hostport.partition(":")
    result: tuple[str, str | None] = (UNKNOWN_HOST, None)
    for pattern, provider, dc in KNOWN_HOSTS:
        if host == pattern or (pattern.startswith(".") and host.endswith(pattern)):
            result = (provider, dc or None)
            break
    else:
        if port == str(OLLAMA_PORT):
            result = ("ollama", None)
    if len(_host_cache) < 256:
        _host_cache[url] = result
    return result


_by_url_object: dict[int, tuple[object, str, str, str | None]] = {}


def _attribution(base: object) -> tuple[str | None, str, str | None]:
    """(server, provider, datacenter) of a client's base URL object, cached by identity (str() of an
    httpx.URL costs more than the rest of request())."""
    if base is None:
        return None, "openai", None
    hit = _by_url_object.get(id(base))
    if hit is not None and hit[0] is base:
        return hit[1], hit[2], hit[3]
    server = str(base)
    provider, dc = provider_for_url(server)
    if len(_by_url_object) >= 64:
        _by_url_object.clear()
    _by_url_object[id(base)] = (base, server, provider, dc)  # holds base: its id cannot be reused
    return server, provider, dc


def request(spec: WrapSpec, instance: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Request:
    client = getattr(instance, "_client", None)
    server, provider, dc = _attribution(getattr(client, "base_url", None))
    model = kwargs.get("model")
    return Request(
        provider=provider,
        model=model if isinstance(model, str) else None,
        operation=spec.operation,
        stream=kwargs.get("stream") is True,
        server=server,
        datacenter=dc,
    )


def observe_response(resp: Any, o: Observed) -> None:
    f = fields(resp)
    model = f.get("model")
    if isinstance(model, str):
        o.model = model
    if read_openai_usage(f.get("usage"), o):
        return
    # No usage (a final object from a stream without include_usage): count its text.
    if o.text_chars == 0:
        for choice in f.get("choices") or ():
            o.add_text(attr_chain(choice, "message", "content"))
        text = getattr(resp, "output_text", None)
        if isinstance(text, str):
            o.add_text(text)


def observe_chunk(chunk: Any, o: Observed) -> None:
    f = fields(chunk)  # dict reads: missing attributes on pydantic models are slow to ask for
    kind = f.get("type")
    if kind is not None:
        # Stream helper events (ChatCompletionStream) and Responses stream events.
        if kind == "chunk":
            f = fields(f.get("chunk"))
        elif kind in ("response.output_text.delta", "response.reasoning_text.delta"):
            o.add_text(f.get("delta"))
            return
        elif kind in ("response.completed", "response.incomplete", "response.created", "response.failed"):
            observe_response(f.get("response"), o)
            return
        else:
            return
    read_openai_usage(f.get("usage"), o)
    if o.model is None:
        model = f.get("model")
        if isinstance(model, str):
            o.model = model
    choices = f.get("choices")
    if choices:
        add_choice_deltas(choices, o)  # every choice (n > 1); content, reasoning, tool-call arguments


def observe_stream_end(stream: Any, o: Observed) -> None:
    if o.output_tokens is not None or o.text_chars:
        return
    snap = getattr(type(stream), "current_completion_snapshot", None)
    if snap is not None:  # helper methods (until_done) consumed the stream without the proxy
        observe_response(stream.current_completion_snapshot, o)


def count_input(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int | None:
    chars = text_chars_of_messages(kwargs.get("messages"))
    inp = kwargs.get("input")
    if isinstance(inp, str):
        chars += len(inp)
    elif isinstance(inp, (list, tuple)):
        for item in inp:
            chars += len(item) if isinstance(item, str) else text_chars_of_messages([item])
    instructions = kwargs.get("instructions")
    if isinstance(instructions, str):
        chars += len(instructions)
    prompt = kwargs.get("prompt")
    if isinstance(prompt, str):
        chars += len(prompt)
    return tokens_from_chars(chars)


ADAPTER: Final = Adapter(
    name="openai",
    distribution="openai",
    min_version="2.9.0",  # 2025-12-04, the first release on or after 2025-11-23; tested, as are 2.54 and 3.54
    wraps=WRAPS,
    request=request,
    observe_response=observe_response,
    observe_chunk=observe_chunk,
    count_input=count_input,
    is_raw=is_stainless_raw,
    observe_stream_end=observe_stream_end,
)
