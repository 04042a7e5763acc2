"""ollama (local inference): ``Client`` / ``AsyncClient`` ``chat``, ``generate`` and ``embed``.

``ollama.chat`` / ``ollama.generate`` / ``ollama.embed`` are bound methods of a default ``Client`` made
when ``ollama`` is imported, so they do not go through the class attribute: they are wrapped as module
attributes too (wrapt passes the bound client as ``instance``).

With ``stream=True`` the SDK returns a plain generator (``AsyncClient``: an async generator, after
``await``) of ``ChatResponse`` / ``GenerateResponse`` parts; the last part has ``done=True`` and the
counts. Usage fields (https://docs.ollama.com/api/usage): ``prompt_eval_count`` input tokens,
``eval_count`` output tokens (thinking included), ``prompt_eval_cached_count`` prompt tokens read from
the cache (newer servers).
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
    chars_of_strings,
    fields,
    text_chars_of_messages,
    tokens_from_chars,
)

_MODULE: Final = "ollama._client"

WRAPS: Final = (
    WrapSpec(_MODULE, "Client.chat", operation="chat"),
    WrapSpec(_MODULE, "Client.generate", operation="text"),
    WrapSpec(_MODULE, "Client.embed", operation="embeddings"),
    WrapSpec(_MODULE, "AsyncClient.chat", operation="chat"),
    WrapSpec(_MODULE, "AsyncClient.generate", operation="text"),
    WrapSpec(_MODULE, "AsyncClient.embed", operation="embeddings"),
    # module-level functions: bound methods of the default client created at import
    WrapSpec("ollama", "chat", operation="chat"),
    WrapSpec("ollama", "generate", operation="text"),
    WrapSpec("ollama", "embed", operation="embeddings"),
)


def server_of(instance: object) -> str | None:
    """Base URL of the client's httpx client, e.g. ``http://127.0.0.1:11434``."""
    base = getattr(getattr(instance, "_client", None), "base_url", None)
    if base is None:
        return None
    url = str(base).rstrip("/")
    return url or None


def request(spec: WrapSpec, instance: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Request:
    model = kwargs.get("model", args[0] if args else None)
    return Request(
        provider="ollama",
        model=model if isinstance(model, str) and model else None,
        operation=spec.operation,
        stream=kwargs.get("stream") is True,
        server=server_of(instance),
    )


def observe_response(resp: Any, observed: Observed) -> None:
    f = fields(resp)  # pydantic fields without the slow missing-attribute path
    model = f.get("model")
    if isinstance(model, str) and model:
        observed.model = model
    inp = as_count(f.get("prompt_eval_count"))
    out = as_count(f.get("eval_count"))
    if inp is not None:
        observed.input_tokens = inp
        cached = as_count(f.get("prompt_eval_cached_count"))
        if cached is not None:
            observed.cached_input_tokens = cached
        if out is None and f.get("embeddings") is not None:
            out = 0  # an embedding generates nothing
    if out is not None:
        observed.output_tokens = out


def observe_chunk(chunk: Any, observed: Observed) -> None:
    """One streamed part: generated text, and on the final part (``done=True``) the counts."""
    f = fields(chunk)
    message = f.get("message")
    if message is not None:  # chat (content and thinking are declared Message fields: plain reads)
        text, thinking = getattr(message, "content", None), getattr(message, "thinking", None)
    else:  # generate
        text, thinking = f.get("response"), f.get("thinking")
    if isinstance(text, str):
        observed.add_text(text)
    if isinstance(thinking, str):
        observed.add_text(thinking)
    if f.get("done") is True:
        observe_response(chunk, observed)


def count_input(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int | None:
    """Prompt characters: chat ``messages``, generate ``prompt`` + ``system``, embed ``input``."""
    messages = kwargs.get("messages")
    prompt = kwargs.get("prompt", kwargs.get("input"))
    if messages is None and prompt is None and len(args) > 1:
        # positional: chat(model, messages), generate(model, prompt), embed(model, input)
        second = args[1]
        if isinstance(second, (list, tuple)) and any(not isinstance(m, str) for m in second):
            messages = second
        else:
            prompt = second
    chars = (
        text_chars_of_messages(messages) + chars_of_strings(prompt) + chars_of_strings(kwargs.get("system"))
    )
    return tokens_from_chars(chars) if chars else None


ADAPTER: Final = Adapter(
    name="ollama",
    distribution="ollama",
    min_version="0.6.1",  # 2025-11-13: still current on 2025-11-23 (0.6.2 came 2026-04-29); tested
    wraps=WRAPS,
    request=request,
    observe_response=observe_response,
    observe_chunk=observe_chunk,
    count_input=count_input,
)
