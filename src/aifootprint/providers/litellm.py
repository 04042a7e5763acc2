"""LiteLLM: ``litellm.completion`` / ``litellm.acompletion`` (module functions), with ``stream=True``.

LiteLLM calls an underlying SDK (openai, anthropic ...) or raw HTTP; the instrumentation machinery lets
nested instrumented calls pass through untouched, so a call is recorded once, here. Both the ``litellm``
module attribute (what users call) and ``litellm.main``'s (what ``acompletion`` and the Router's helpers
reach) are wrapped. ``from litellm import completion`` done *before* ``instrument()`` keeps the original.

Attribution: LiteLLM's provider (model prefix ``"anthropic/..."``, the ``custom_llm_provider`` argument,
or ``litellm.get_llm_provider`` for bare model names) is mapped to the catalogue's providers; the model
id is the name without LiteLLM's prefix. Usage is LiteLLM's OpenAI-shaped ``ModelResponse.usage``
(also on the last stream chunk of a ``CustomStreamWrapper``).
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
    get_field,
    text_chars_of_messages,
    tokens_from_chars,
)

WRAPS: Final = (
    WrapSpec("litellm", "completion"),
    WrapSpec("litellm", "acompletion"),
    WrapSpec("litellm.main", "completion"),
    WrapSpec("litellm.main", "acompletion"),
)

#: LiteLLM provider name -> catalogue provider (``litellm.types.utils.LlmProviders`` values).
PROVIDERS: Final[Mapping[str, str]] = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "chatgpt": "openai",
    "anthropic": "anthropic",
    "anthropic_text": "anthropic",
    "vertex_ai": "google",
    "vertex_ai_beta": "google",
    "gemini": "google",
    "bedrock": "bedrock",
    "azure": "azure-openai",
    "azure_text": "azure-openai",
    "mistral": "mistral",
    "codestral": "mistral",
    "text-completion-codestral": "mistral",
    "cohere": "cohere",
    "cohere_chat": "cohere",
    "huggingface": "huggingface",
    "groq": "groq",
    "together_ai": "together",
    "ollama": "ollama",
    "ollama_chat": "ollama",
    "deepseek": "deepseek",
}

#: Bedrock route prefixes LiteLLM accepts after ``bedrock/`` (``bedrock/converse/<model id>``).
_BEDROCK_ROUTES: Final = ("converse/", "invoke/", "converse_like/")


def _split(model: str, kwargs: Mapping[str, Any]) -> tuple[str | None, str, str | None]:
    """(litellm provider, model without prefix, api base litellm resolved) for a requested model."""
    clp = kwargs.get("custom_llm_provider")
    if isinstance(clp, str) and clp:
        prefix = clp + "/"
        return clp, model[len(prefix) :] if model.startswith(prefix) else model, None
    head, sep, rest = model.partition("/")
    if sep and head in PROVIDERS:
        return head, rest, None
    try:  # bare names ("gpt-4o", "claude-3-5-haiku-latest") and prefixes we do not map
        from litellm import get_llm_provider

        name, provider, _key, api_base = get_llm_provider(
            model=model, api_base=kwargs.get("api_base") or kwargs.get("base_url")
        )
    except Exception:  # unknown to litellm too: litellm itself will raise on the call
        return None, model, None
    return (
        provider if isinstance(provider, str) else None,
        name if isinstance(name, str) else model,
        api_base if isinstance(api_base, str) else None,
    )


def _server(kwargs: Mapping[str, Any], resolved: str | None) -> str | None:
    for key in ("api_base", "base_url"):
        v = kwargs.get(key)
        if isinstance(v, str) and v:
            return v
    url = attr_chain(kwargs.get("client"), "base_url")  # client=openai.OpenAI(...) passed through
    if url is not None:
        return str(url)
    return resolved


def request(spec: WrapSpec, instance: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Request:
    model = kwargs.get("model", args[0] if args else None)
    llm_provider: str | None = None
    name: str | None = None
    resolved: str | None = None
    if isinstance(model, str) and model:
        llm_provider, name, resolved = _split(model, kwargs)
    provider = PROVIDERS.get(llm_provider or "", llm_provider or "litellm")
    datacenter: str | None = None
    if llm_provider == "bedrock" and name is not None:
        for route in _BEDROCK_ROUTES:
            if name.startswith(route):
                name = name[len(route) :]
                break
    elif provider == "google" and name is not None and name.startswith("claude"):
        provider, datacenter = "anthropic", "google"  # Anthropic models served by Vertex AI
    region = kwargs.get("vertex_location") or kwargs.get("aws_region_name")
    return Request(
        provider=provider,
        model=name,
        operation=spec.operation,
        stream=kwargs.get("stream") is True,
        server=_server(kwargs, resolved),
        region=region if isinstance(region, str) else None,
        datacenter=datacenter,
    )


def _read_usage(usage: object, observed: Observed) -> bool:
    inp = as_count(get_field(usage, "prompt_tokens"))
    out = as_count(get_field(usage, "completion_tokens"))
    if inp is None and out is None:
        return False
    observed.input_tokens = inp
    observed.output_tokens = out
    reasoning = as_count(get_field(get_field(usage, "completion_tokens_details"), "reasoning_tokens"))
    if reasoning is not None:
        observed.reasoning_tokens = reasoning
    cached = as_count(get_field(get_field(usage, "prompt_tokens_details"), "cached_tokens"))
    if cached is not None:
        observed.cached_input_tokens = cached
    return True


def observe_response(resp: object, observed: Observed) -> None:
    model = get_field(resp, "model")
    if isinstance(model, str) and model:
        observed.model = model
    usage = get_field(resp, "usage")
    if usage is not None:
        _read_usage(usage, observed)


def observe_chunk(chunk: object, observed: Observed) -> None:
    if observed.model is None:
        model = getattr(chunk, "model", None)
        if isinstance(model, str) and model:
            observed.model = model
    usage = getattr(chunk, "usage", None)  # the last chunk, when the provider reports usage
    if usage is not None and _read_usage(usage, observed):
        return
    choices = getattr(chunk, "choices", None)
    if choices:
        for choice in choices:
            delta = getattr(choice, "delta", None)
            content = getattr(delta, "content", None)
            reasoning = getattr(delta, "reasoning_content", None)
            if reasoning and isinstance(reasoning, str):
                content = (content or "") + reasoning if isinstance(content, str) else reasoning
            if isinstance(content, str):
                observed.add_text(content)
    # Without stream_options, LiteLLM puts the provider's usage in the final chunk's hidden params; it is
    # all zeros when the provider sent none (LiteLLM's own token count comes later, off the chunk).
    hidden = getattr(chunk, "_hidden_params", None)
    if isinstance(hidden, dict):
        hidden_usage = hidden.get("usage")
        if hidden_usage is not None and (
            as_count(get_field(hidden_usage, "prompt_tokens"))
            or as_count(get_field(hidden_usage, "completion_tokens"))
        ):
            _read_usage(hidden_usage, observed)


def count_input(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int | None:
    messages = kwargs.get("messages", args[1] if len(args) > 1 else None)
    chars = text_chars_of_messages(messages)
    return tokens_from_chars(chars) if chars else None


ADAPTER: Final = Adapter(
    name="litellm",
    distribution="litellm",
    min_version="1.80.6",  # 2025-11-27, the first release on or after 2025-11-23
    wraps=WRAPS,
    request=request,
    observe_response=observe_response,
    observe_chunk=observe_chunk,
    count_input=count_input,
)
