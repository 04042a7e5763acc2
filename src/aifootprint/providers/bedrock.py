"""AWS Bedrock through boto3: ``bedrock-runtime`` Converse, ConverseStream, InvokeModel(WithResponseStream).

botocore generates its client classes at run time, so the one method they all share,
``BaseClient._make_api_call(operation_name, api_params)``, is wrapped; :func:`request` returns ``None``
for every other service and operation, which then pass through untouched.

Results are plain dicts:

- ``converse``: ``usage`` (``inputTokens`` excludes ``cacheReadInputTokens`` and ``cacheWriteInputTokens``,
  as ``totalTokens`` shows; https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html).
- ``invoke_model``: ``body`` is an unread ``StreamingBody`` that must stay unread; Bedrock reports the
  tokens in the ``X-Amzn-Bedrock-Input-Token-Count`` / ``-Output-Token-Count`` response headers.
- ``converse_stream`` / ``invoke_model_with_response_stream``: the event stream sits under ``"stream"`` /
  ``"body"`` (:func:`stream_slot`). Converse events are dicts (``contentBlockDelta``, ``metadata`` with the
  usage); invoke events are ``{"chunk": {"bytes": b"<model JSON>"}}`` and the last one carries
  ``amazon-bedrock-invocationMetrics`` with ``inputTokenCount`` / ``outputTokenCount``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from ._base import (
    Adapter,
    Observed,
    Operation,
    Request,
    WrapSpec,
    as_count,
    get_field,
    text_chars_of_messages,
    tokens_from_chars,
)

#: bedrock-runtime operations we estimate -> whether they return a stream.
_OPERATIONS: Final[dict[str, bool]] = {
    "Converse": False,
    "ConverseStream": True,
    "InvokeModel": False,
    "InvokeModelWithResponseStream": True,
}
_SERVICE: Final = "bedrock-runtime"

#: Model-id fragments of Bedrock models that are not text generators (InvokeModel serves them all).
_EMBEDDING_MARKERS: Final = ("embed",)
_IMAGE_MARKERS: Final = ("stability.", "titan-image", "nova-canvas", "nova-reel", "-image-")

_METRICS_KEY: Final = "amazon-bedrock-invocationMetrics"
_METRICS_BYTES: Final = _METRICS_KEY.encode()
_CHUNKS: Final = "bedrock_chunks"  # Observed.extra key: raw invoke-stream chunks, parsed only if needed

WRAPS: Final = (WrapSpec("botocore.client", "BaseClient._make_api_call", operation="chat"),)


def model_id(value: object) -> str | None:
    """``modelId`` as the catalogue knows it: an ARN (model, inference profile) -> its last path part."""
    if not isinstance(value, str) or not value:
        return None
    if value.startswith("arn:"):
        return value.rsplit("/", 1)[-1] or None
    return value


def _operation_of(model: str | None) -> Operation:
    if model is None:
        return "chat"
    m = model.lower()
    if any(k in m for k in _EMBEDDING_MARKERS):
        return "embeddings"
    if any(k in m for k in _IMAGE_MARKERS):
        return "image"
    return "chat"


def _call_parts(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> tuple[object, object]:
    op = args[0] if args else kwargs.get("operation_name")
    params = args[1] if len(args) > 1 else kwargs.get("api_params")
    return op, params


def request(
    spec: WrapSpec, instance: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> Request | None:
    op, params = _call_parts(args, kwargs)
    stream = _OPERATIONS.get(op) if isinstance(op, str) else None
    if stream is None:  # every other AWS call (S3, DynamoDB, ...) goes through untouched
        return None
    meta = getattr(instance, "meta", None)
    service_model = getattr(meta, "service_model", None)
    if getattr(service_model, "service_name", None) != _SERVICE:
        return None
    model = model_id(params.get("modelId")) if isinstance(params, Mapping) else None
    endpoint = getattr(meta, "endpoint_url", None)
    region = getattr(meta, "region_name", None)
    return Request(
        provider="bedrock",
        model=model,
        operation=_operation_of(model),
        stream=stream,
        server=endpoint if isinstance(endpoint, str) else None,
        region=region if isinstance(region, str) else None,
    )


def stream_slot(result: object) -> tuple[Any, Any] | None:
    """The event stream in a streaming call's result dict: ``(result, "stream")`` or ``(result, "body")``."""
    if not isinstance(result, dict):
        return None
    for key in ("stream", "body"):
        value = result.get(key)
        # an EventStream iterates events; InvokeModel's StreamingBody (readable) is no event stream
        if value is not None and hasattr(value, "__iter__") and not hasattr(value, "read"):
            return result, key
    return None


def _read_token_usage(usage: Mapping[str, Any], observed: Observed) -> None:
    """A Converse ``TokenUsage``: input = inputTokens + cache reads + cache writes; cached = cache reads."""
    _set_counts(
        observed,
        as_count(usage.get("inputTokens")),
        as_count(usage.get("outputTokens")),
        as_count(usage.get("cacheReadInputTokens")),
        as_count(usage.get("cacheWriteInputTokens")),
    )


def _header_count(headers: Mapping[str, Any], name: str) -> int | None:
    v = headers.get(name)
    if isinstance(v, str) and v.isdigit():
        return int(v)
    return as_count(v)


def observe_response(resp: Any, observed: Observed) -> None:
    if not isinstance(resp, Mapping):
        return
    usage = resp.get("usage")
    if isinstance(usage, Mapping):  # Converse
        _read_token_usage(usage, observed)
        return
    headers = get_field(resp.get("ResponseMetadata"), "HTTPHeaders")  # InvokeModel: body stays unread
    if not isinstance(headers, Mapping):
        return
    _set_counts(
        observed,
        _header_count(headers, "x-amzn-bedrock-input-token-count"),
        _header_count(headers, "x-amzn-bedrock-output-token-count"),
        _header_count(headers, "x-amzn-bedrock-cache-read-input-token-count"),
        _header_count(headers, "x-amzn-bedrock-cache-write-input-token-count"),
    )


def _set_counts(
    observed: Observed, inp: int | None, out: int | None, read: int | None, write: int | None
) -> None:
    """Bedrock's counts: input excludes cache reads and writes (as in Converse ``TokenUsage``)."""
    if inp is not None:
        observed.input_tokens = inp + (read or 0) + (write or 0)
        observed.cached_input_tokens = read or 0
    if out is not None:
        observed.output_tokens = out


def _read_invocation_metrics(raw: bytes, observed: Observed) -> None:
    try:
        body = json.loads(raw)
    except ValueError:
        return
    metrics = body.get(_METRICS_KEY) if isinstance(body, dict) else None
    if not isinstance(metrics, Mapping):
        return
    _set_counts(
        observed,
        as_count(metrics.get("inputTokenCount")),
        as_count(metrics.get("outputTokenCount")),
        as_count(metrics.get("cacheReadInputTokenCount")),
        as_count(metrics.get("cacheWriteInputTokenCount")),
    )


def observe_chunk(chunk: Any, observed: Observed) -> None:
    """One event of a ConverseStream or InvokeModelWithResponseStream (a dict with one key)."""
    if not isinstance(chunk, dict):
        return
    block = chunk.get("contentBlockDelta")
    if block is not None:  # the common case: generated text
        delta = block.get("delta") if isinstance(block, dict) else None
        if isinstance(delta, dict):
            text = delta.get("text")
            if text is None:
                inner = delta.get("reasoningContent") or delta.get("toolUse")
                if isinstance(inner, dict):
                    text = inner.get("text", inner.get("input"))
            if isinstance(text, str):
                observed.add_text(text)
        return
    part = chunk.get("chunk")
    if part is not None:  # InvokeModelWithResponseStream: parse only the chunk that carries the metrics
        raw = part.get("bytes") if isinstance(part, dict) else None
        if isinstance(raw, (bytes, bytearray)):
            observed.extra.setdefault(_CHUNKS, []).append(raw)
            if _METRICS_BYTES in raw:
                _read_invocation_metrics(bytes(raw), observed)
        return
    meta = chunk.get("metadata")
    if isinstance(meta, dict):
        usage = meta.get("usage")
        if isinstance(usage, Mapping):
            _read_token_usage(usage, observed)


def _chunk_text(body: object) -> str | None:
    """Generated text of one InvokeModel stream chunk, for the model families Bedrock serves."""
    if not isinstance(body, dict):
        return None
    delta = body.get("delta")
    if isinstance(delta, dict):  # Anthropic Messages content_block_delta
        text = delta.get("text", delta.get("thinking", delta.get("partial_json")))
        return text if isinstance(text, str) else None
    for key in ("generation", "outputText", "completion", "text"):  # Llama, Titan, Claude v2, Cohere
        v = body.get(key)
        if isinstance(v, str):
            return v
    for key in ("outputs", "choices", "generations"):  # Mistral, OpenAI-style, Cohere generations
        items = body.get(key)
        if isinstance(items, list):
            texts = []
            for item in items:
                if not isinstance(item, dict):
                    continue
                d = item.get("delta")
                t = d.get("content") if isinstance(d, dict) else item.get("text")
                if isinstance(t, str):
                    texts.append(t)
            return "".join(texts)
    return None


def observe_stream_end(stream: Any, observed: Observed) -> None:
    """An invoke stream that ended without invocation metrics (closed early): count the text it carried."""
    chunks = observed.extra.pop(_CHUNKS, None)
    if not chunks or observed.output_tokens is not None:
        return
    for raw in chunks:
        try:
            body = json.loads(raw)
        except ValueError:
            continue
        observed.add_text(_chunk_text(body))


def _text_chars(value: object) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple)):
        total = 0
        for item in value:
            if isinstance(item, str):
                total += len(item)
            else:
                text = get_field(item, "text")
                total += len(text) if isinstance(text, str) else 0
        return total
    return 0


def _body_chars(body: object) -> int:
    """Prompt characters of an InvokeModel body (Anthropic, Llama, Titan, Mistral, Cohere, OpenAI shapes)."""
    if isinstance(body, (bytes, bytearray)):
        body = bytes(body).decode("utf-8", "replace")
    if not isinstance(body, str):  # a file-like body is not read
        return 0
    try:
        data = json.loads(body)
    except ValueError:
        return 0
    if not isinstance(data, dict):
        return 0
    total = text_chars_of_messages(data.get("messages"))
    for key in ("system", "prompt", "inputText", "message", "texts"):
        total += _text_chars(data.get(key))
    return total


def count_input(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> int | None:
    _, params = _call_parts(args, kwargs)
    if not isinstance(params, Mapping):
        return None
    if "body" in params:
        chars = _body_chars(params.get("body"))
    else:
        chars = text_chars_of_messages(params.get("messages")) + _text_chars(params.get("system"))
    return tokens_from_chars(chars) if chars else None


ADAPTER: Final = Adapter(
    name="bedrock",
    distribution="botocore",
    min_version="1.41.3",  # 2025-11-24, the first botocore release on or after 2025-11-23
    wraps=WRAPS,
    request=request,
    observe_response=observe_response,
    observe_chunk=observe_chunk,
    count_input=count_input,
    observe_stream_end=observe_stream_end,
    stream_slot=stream_slot,
    import_name="botocore",
)
