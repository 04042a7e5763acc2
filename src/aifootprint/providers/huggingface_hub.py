"""huggingface_hub: ``InferenceClient`` / ``AsyncInferenceClient`` chat completion and text generation.

Wrapped: ``chat_completion`` (also reached as ``client.chat.completions.create``, a property returning the
bound method) and ``text_generation``, sync and async; ``stream=True`` returns a (async) generator.

Attribution: calls routed to an Inference Provider (``provider="groq"``, or a ``model="id:groq"`` suffix
on the router) are attributed to that catalogue provider when the catalogue has it (groq, together,
cohere, openai), otherwise to "huggingface", whose catalogue holds the Hub model ids. The requested Hub
model id is looked up first, then the model id the provider answered with. A URL as model or
``base_url`` (Inference Endpoints, a local TGI or vLLM server) is the ``server``, matched against the
user's configured endpoints.

Server: where the SDK sends the call. With a Hugging Face token, a named provider is reached through the
router: at ``router.huggingface.co/<provider>/...`` with the provider's model id, except chat completions
from huggingface_hub 2.5, which go to the router's own ``/v1/chat/completions`` as ``model:provider``
(the router resolves the provider's model id). Which of the two the installed SDK does is read off its
provider helper, once per provider (:func:`_routes_through_router`). With the provider's own key, the
provider is called directly.

Usage: chat completions report OpenAI-style ``usage`` (on the last stream chunk when the server sends
it); text generation reports ``details.generated_tokens`` (and, for streams, ``details.input_length``)
only with ``details=True``; otherwise the generated text is counted. Response objects are dataclasses
that subclass ``dict``; fields the SDK does not know (``prompt_tokens_details``) are plain attributes
holding dicts, so fields are read as attributes first, then as keys.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping
from typing import Any, Final

from ._base import Adapter, Observed, Request, WrapSpec, as_count, text_chars_of_messages, tokens_from_chars

_SYNC: Final = "huggingface_hub.inference._client"
_ASYNC: Final = "huggingface_hub.inference._generated._async_client"

WRAPS: Final = (
    WrapSpec(_SYNC, "InferenceClient.chat_completion", "chat"),
    WrapSpec(_SYNC, "InferenceClient.text_generation", "text"),
    WrapSpec(_ASYNC, "AsyncInferenceClient.chat_completion", "chat"),
    WrapSpec(_ASYNC, "AsyncInferenceClient.text_generation", "text"),
)

ROUTER: Final = "https://router.huggingface.co"

#: Inference Providers (huggingface_hub names) that are catalogue providers of their own.
CATALOGUE_PROVIDERS: Final[Mapping[str, str]] = {
    "groq": "groq",
    "together": "together",
    "cohere": "cohere",
    "openai": "openai",
    "hf-inference": "huggingface",
}

#: Router routing policies that can follow a model id (``model:fastest``): not a provider.
_POLICIES: Final = frozenset({"auto", "fastest", "cheapest", "preferred"})

_TASKS: Final[Mapping[str, str]] = {"chat": "conversational", "text": "text-generation"}


def _field(obj: object, name: str) -> Any:
    """``obj.name`` for SDK dataclasses (extras included), ``obj[name]`` for plain dicts."""
    value = getattr(obj, name, None)
    if value is None and type(obj) is dict:  # the SDK types subclass dict: their attributes are enough
        value = obj.get(name)
    return value


def _is_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def _split_policy(model: str) -> tuple[str, str | None]:
    """``"org/model:groq"`` -> ``("org/model", "groq")``; ``"org/model:fastest"`` -> ``("org/model", None)``
    (a routing policy, not a provider)."""
    head, sep, tail = model.rpartition(":")
    if not sep or "/" not in head or "/" in tail or not tail:  # Hub ids are "org/name"
        return model, None
    return head, None if tail in _POLICIES else tail


def _direct_base_url(hf_provider: str, task: str) -> str | None:
    """Base URL of a provider called directly with its own API key (the SDK's provider helper)."""
    try:
        from huggingface_hub.inference._providers import PROVIDERS

        base = getattr(PROVIDERS[hf_provider][task], "base_url", None)  # type: ignore[index]
    except Exception:
        return None
    return base if isinstance(base, str) else None


@functools.lru_cache(maxsize=128)
def _routes_through_router(hf_provider: str, task: str) -> bool:
    """Whether the SDK hands this provider's ``task`` calls (with an HF token) to its auto-router helper,
    which posts ``model:provider`` to the router's own endpoint (huggingface_hub 2.5 for chat
    completions), rather than to ``router.huggingface.co/<provider>`` with the provider's model id.

    Read off the SDK, not its version: the provider helper's ``prepare_request`` refers to the class of
    the SDK's own auto router (``CONVERSATIONAL_AUTO_ROUTER``). Nothing of the SDK is run: preparing a
    request builds headers, which may fetch a registry from the Hub. Anything unexpected: no.
    """
    try:
        from huggingface_hub.inference._providers import CONVERSATIONAL_AUTO_ROUTER, PROVIDERS

        helper = PROVIDERS[hf_provider][task]  # type: ignore[index]
        prepare = inspect.unwrap(type(helper).prepare_request)
        names = prepare.__code__.co_names
        scope = prepare.__globals__
    except Exception:
        return False
    router = type(CONVERSATIONAL_AUTO_ROUTER)
    return any(scope.get(name) is router for name in names)


def request(spec: WrapSpec, instance: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Request:
    client_model = getattr(instance, "model", None)  # model id, or a URL (``base_url=``)
    call_model = kwargs.get("model")
    stream = kwargs.get("stream") is True
    url = client_model if _is_url(client_model) else call_model if _is_url(call_model) else None
    named = call_model if isinstance(call_model, str) and not _is_url(call_model) else None
    if named is None and isinstance(client_model, str) and not _is_url(client_model):
        named = client_model
    if url is not None:
        # An Inference Endpoint or self-hosted server: where it runs comes from the configured endpoints.
        return Request("huggingface", named, spec.operation, stream, server=url)
    hf_provider = getattr(instance, "provider", None)
    hf_provider = hf_provider if isinstance(hf_provider, str) else None
    model = named
    if model is not None:
        model, suffix = _split_policy(model)
        if suffix is not None and hf_provider in (None, "auto"):
            # "org/model:groq" on the router: Groq serves it, through the router's own URL
            return Request(
                CATALOGUE_PROVIDERS.get(suffix, "huggingface"), model, spec.operation, stream, ROUTER
            )
    if hf_provider is None or hf_provider == "auto":
        return Request("huggingface", model, spec.operation, stream, server=ROUTER)
    token = getattr(instance, "token", None)
    task = _TASKS.get(spec.operation, "conversational")
    server: str | None = f"{ROUTER}/{hf_provider}"
    if isinstance(token, str) and not token.startswith("hf_"):  # the provider's own key: called directly
        server = _direct_base_url(hf_provider, task) or server
    elif model is not None and _routes_through_router(hf_provider, task):
        server = ROUTER  # "org/model:groq" to the router's own endpoint (huggingface_hub 2.5 chat)
    provider = CATALOGUE_PROVIDERS.get(hf_provider, "huggingface")
    return Request(provider, model, spec.operation, stream, server=server)


def _observe_chat_usage(usage: object, observed: Observed) -> None:
    prompt = as_count(_field(usage, "prompt_tokens"))
    completion = as_count(_field(usage, "completion_tokens"))
    if prompt is None and completion is None:
        return
    observed.input_tokens = prompt
    observed.output_tokens = completion
    cached = as_count(_field(_field(usage, "prompt_tokens_details"), "cached_tokens"))
    if cached is not None:
        observed.cached_input_tokens = cached
    reasoning = as_count(_field(_field(usage, "completion_tokens_details"), "reasoning_tokens"))
    if reasoning is not None:
        observed.reasoning_tokens = reasoning


def _observe_details(details: object, observed: Observed) -> None:
    """TGI ``details``: ``generated_tokens``; ``input_length`` (streams) or ``prefill`` (with
    ``decoder_input_details=True``) for the prompt."""
    generated = as_count(_field(details, "generated_tokens"))
    if generated is None:
        return
    observed.output_tokens = generated
    prompt = as_count(_field(details, "input_length"))
    if prompt is None:
        prefill = _field(details, "prefill")
        if isinstance(prefill, list) and prefill:
            prompt = len(prefill)
    if prompt is not None:
        observed.input_tokens = prompt


def _observe_model(resp: object, observed: Observed) -> None:
    model = _field(resp, "model")
    if isinstance(model, str) and model:
        observed.model = model


def observe_response(resp: Any, observed: Observed) -> None:
    if isinstance(resp, str):  # text_generation without details: the generated text only
        observed.add_text(resp)
        return
    usage = _field(resp, "usage")
    if usage is not None:
        _observe_chat_usage(usage, observed)
    choices = _field(resp, "choices")
    if choices is not None:  # ChatCompletionOutput
        if observed.output_tokens is None and isinstance(choices, list):
            for choice in choices:
                message = _field(choice, "message")
                for text in (_field(message, "content"), _field(message, "reasoning")):
                    if isinstance(text, str):
                        observed.add_text(text)
    else:
        details = _field(resp, "details")
        if details is not None:
            _observe_details(details, observed)
        if observed.output_tokens is None:
            text = _field(resp, "generated_text")
            if isinstance(text, str):
                observed.add_text(text)
    _observe_model(resp, observed)


def observe_chunk(chunk: Any, observed: Observed) -> None:
    if isinstance(chunk, str):  # text_generation stream without details: one token's text
        observed.add_text(chunk)
        return
    choices = getattr(chunk, "choices", None)
    if choices is not None:  # ChatCompletionStreamOutput
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            _observe_chat_usage(usage, observed)
        if choices:
            delta = getattr(choices[0], "delta", None)
            content = getattr(delta, "content", None)
            reasoning = getattr(delta, "reasoning", None)
            if isinstance(content, str) and content:
                observed.add_text(content)
            if isinstance(reasoning, str) and reasoning:
                observed.add_text(reasoning)
        if observed.model is None:
            _observe_model(chunk, observed)
        return
    token = getattr(chunk, "token", None)  # TextGenerationStreamOutput
    if token is not None and getattr(token, "special", None) is not True:
        text = getattr(token, "text", None)
        if isinstance(text, str):
            observed.add_text(text)
    details = getattr(chunk, "details", None)
    if details is not None:
        _observe_details(details, observed)


def count_input(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int | None:
    """Prompt characters / 4: ``messages`` (chat) or ``prompt`` (text generation), first positional."""
    value = args[0] if args else kwargs.get("messages", kwargs.get("prompt"))
    chars = text_chars_of_messages(value)
    return tokens_from_chars(chars) if chars else None


ADAPTER: Final = Adapter(
    name="huggingface_hub",
    distribution="huggingface-hub",
    min_version="1.1.6",  # 2025-11-28, the first release on or after 2025-11-23 (0.36.x patches: older line)
    wraps=WRAPS,
    request=request,
    observe_response=observe_response,
    observe_chunk=observe_chunk,
    count_input=count_input,
    import_name="huggingface_hub",
)
