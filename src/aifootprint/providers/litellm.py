"""LiteLLM: ``litellm.completion`` / ``litellm.acompletion`` (module functions), with ``stream=True``.

LiteLLM calls an underlying SDK (openai ...) or raw HTTP; the instrumentation machinery lets nested
instrumented calls pass through untouched, so a call is recorded once, here. Wrapped: the ``litellm``
module attributes (what users and LiteLLM's Router call; since LiteLLM 1.10x a native/Python dispatch
function that calls the ``main`` function it captured at import) and ``litellm.main``'s (what
``main.acompletion`` calls, by its global name, in an executor thread). ``from litellm import completion``
done *before* ``instrument()`` keeps the original function.

Attribution: LiteLLM's provider (model prefix ``"anthropic/..."``, the ``custom_llm_provider`` argument,
or ``litellm.get_llm_provider`` for bare model names) is mapped to the catalogue's providers and the
model id is the name without LiteLLM's prefix. Azure -> OpenAI models in Azure datacenters; Claude on
Vertex AI -> Anthropic models in Google datacenters; an OpenAI-compatible route to a base URL the caller
chose is attributed by its host, as for the openai SDK. Usage is LiteLLM's OpenAI-shaped
``ModelResponse.usage``, also on the last chunk of a ``CustomStreamWrapper`` stream (LiteLLM asks OpenAI
endpoints for it); without it, stream text is counted.
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
    as_count,
    attr_chain,
    fast_field,
    read_openai_usage,
    text_chars_of_messages,
    tokens_from_chars,
)
from .openai import provider_for_url

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
    "azure": "openai",  # in Azure datacenters, see request()
    "azure_text": "openai",
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

#: LiteLLM providers that talk the OpenAI API to whatever base URL they are given.
_OPENAI_COMPATIBLE: Final = frozenset({"openai", "text-completion-openai", "custom_openai", "openai_like"})
_AZURE: Final = frozenset({"azure", "azure_text"})

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


def _explicit_server(kwargs: Mapping[str, Any]) -> str | None:
    """The base URL the caller chose: ``api_base`` / ``base_url``, or the ``client=`` LiteLLM is handed."""
    for key in ("api_base", "base_url"):
        v = kwargs.get(key)
        if isinstance(v, str) and v:
            return v
    url = attr_chain(kwargs.get("client"), "base_url")  # client=openai.OpenAI(...) passed through
    return None if url is None else str(url)


def request(spec: WrapSpec, instance: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Request:
    model = kwargs.get("model", args[0] if args else None)
    llm_provider: str | None = None
    name: str | None = None
    resolved: str | None = None
    if isinstance(model, str) and model:
        llm_provider, name, resolved = _split(model, kwargs)
    explicit = _explicit_server(kwargs)
    provider = PROVIDERS.get(llm_provider or "")
    datacenter: str | None = None
    if explicit is not None and (provider is None or llm_provider in _OPENAI_COMPATIBLE):
        # OpenAI-compatible route to a URL the caller chose: who serves it is told by its host, as for the
        # openai SDK (api.groq.com -> groq, a local vLLM -> "openai-compatible", found by model name)
        provider, datacenter = provider_for_url(explicit)
    elif provider is None:
        provider = llm_provider or "litellm"  # not a catalogue provider: the model is looked up by name
    if llm_provider in _AZURE:
        provider, datacenter = "openai", "azure-openai"  # OpenAI models in Azure datacenters
    elif llm_provider == "bedrock" and name is not None:
        for route in _BEDROCK_ROUTES:
            if name.startswith(route):
                name = name[len(route) :]
                break
        if name.startswith("arn:") and "/" in name:  # an inference-profile ARN
            name = name.rsplit("/", 1)[1]
    elif provider == "google" and name is not None and name.startswith("claude"):
        # Anthropic models served by Vertex AI, whose ids put the date after "@"
        provider, datacenter, name = "anthropic", "google", name.replace("@", "-", 1)
    region = kwargs.get("vertex_location") or kwargs.get("aws_region_name")
    return Request(
        provider=provider,
        model=name,
        operation=spec.operation,
        stream=kwargs.get("stream") is True,
        server=explicit or resolved,
        region=region if isinstance(region, str) else None,
        datacenter=datacenter,
    )


_NOT_PYDANTIC: Final = object()


def observe_response(resp: object, observed: Observed) -> None:
    model = fast_field(resp, "model")
    if isinstance(model, str) and model:
        observed.model = model
    usage = fast_field(resp, "usage")
    if usage is not None:
        read_openai_usage(usage, observed)


def _hidden_usage(chunk: object) -> Any:
    private = getattr(chunk, "__pydantic_private__", _NOT_PYDANTIC)
    if isinstance(private, dict):
        hidden = private.get("_hidden_params")
    elif private is _NOT_PYDANTIC:
        hidden = getattr(chunk, "_hidden_params", None)
    else:
        return None
    return hidden.get("usage") if isinstance(hidden, dict) else None


def observe_chunk(chunk: object, observed: Observed) -> None:
    if observed.model is None:
        model = fast_field(chunk, "model")
        if isinstance(model, str) and model:
            observed.model = model
    usage = fast_field(chunk, "usage")  # the last chunk, when the provider reports usage
    if usage is not None and read_openai_usage(usage, observed):
        return
    add_choice_deltas(fast_field(chunk, "choices"), observed)
    # Without stream_options, LiteLLM puts the provider's usage in the final chunk's hidden params; it is
    # all zeros when the provider sent none (LiteLLM's own token count comes later: off the chunk, or, from
    # LiteLLM 1.110 at least, in place of the zeros once the stream has ended, after the chunk was observed).
    hidden_usage = _hidden_usage(chunk)
    if hidden_usage is not None and (
        as_count(fast_field(hidden_usage, "prompt_tokens"))
        or as_count(fast_field(hidden_usage, "completion_tokens"))
    ):
        read_openai_usage(hidden_usage, observed)


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
