"""Bedrock extractors fed with real botocore results (dicts, event-stream events) from recorded exchanges."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("boto3")

import aifootprint as af
from aifootprint.providers import bedrock
from aifootprint.providers._base import Observed, tokens_from_chars

from . import cases_bedrock as cb
from .conftest import Records
from .exchanges import Exchange, load
from .localserver import call_served, encode_event, encode_eventstream

SPEC = bedrock.WRAPS[0]
TEXT = "Bonjour ! Comment puis-je vous aider ?"


def observe(resp: Any) -> Observed:
    o = Observed()
    bedrock.ADAPTER.observe_response(resp, o)
    return o


def observe_stream(events: list[Any]) -> Observed:
    o = Observed()
    for ev in events:
        bedrock.ADAPTER.observe_chunk(ev, o)
    assert bedrock.ADAPTER.observe_stream_end is not None
    bedrock.ADAPTER.observe_stream_end(None, o)
    return o


def converse_events() -> list[Any]:
    return list(cb.converse_stream(load("bedrock/converse_stream")))


def invoke_events() -> list[Any]:
    return list(cb.invoke_model_stream(load("bedrock/invoke_model_stream")))


@pytest.fixture
def records() -> Iterator[Records]:
    """Only bedrock instrumented (strict), its records collected (the shared fixture imports every SDK)."""
    af.instrument(providers=["bedrock"], strict=True)
    recs = Records()
    remove = af.add_listener(recs)
    yield recs
    remove()


# -- request: only bedrock-runtime inference calls are ours ----------------------------------------


def test_request_reads_model_region_and_endpoint_from_a_real_client() -> None:
    client = cb.client("http://127.0.0.1:9", region="eu-west-3")
    req = bedrock.request(SPEC, client, ("Converse", {"modelId": cb.HAIKU_3, "messages": cb.MESSAGES}), {})
    assert req is not None
    assert (req.provider, req.model, req.operation, req.stream) == ("bedrock", cb.HAIKU_3, "chat", False)
    assert (req.server, req.region) == ("http://127.0.0.1:9", "eu-west-3")
    for op, stream in [
        ("ConverseStream", True),
        ("InvokeModel", False),
        ("InvokeModelWithResponseStream", True),
    ]:
        r = bedrock.request(SPEC, client, (op, {"modelId": cb.HAIKU_3}), {})
        assert r is not None and r.stream is stream, op


def test_request_ignores_other_operations_and_services() -> None:
    client = cb.client("http://127.0.0.1:9")
    assert bedrock.request(SPEC, client, ("ApplyGuardrail", {"guardrailIdentifier": "g"}), {}) is None
    assert bedrock.request(SPEC, client, ("CountTokens", {"modelId": cb.HAIKU_3}), {}) is None
    s3 = cb._session().client(
        "s3", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLEFAKE", aws_secret_access_key="fake"
    )
    assert bedrock.request(SPEC, s3, ("Converse", {"modelId": cb.HAIKU_3}), {}) is None  # same name, not ours
    assert bedrock.request(SPEC, object(), ("Converse", {}), {}) is None
    assert bedrock.request(SPEC, client, (), {}) is None


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        (cb.HAIKU_3, cb.HAIKU_3),
        (cb.HAIKU_35_US, cb.HAIKU_35_US),  # an inference profile: a catalogue alias
        (f"arn:aws:bedrock:us-east-1::foundation-model/{cb.HAIKU_3}", cb.HAIKU_3),
        (f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/{cb.HAIKU_35_US}", cb.HAIKU_35_US),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_model_id(model_id: object, expected: str | None) -> None:
    assert bedrock.model_id(model_id) == expected


@pytest.mark.parametrize(
    ("model_id", "operation"),
    [
        ("amazon.titan-embed-text-v2:0", "embeddings"),
        ("cohere.embed-english-v3", "embeddings"),
        ("stability.sd3-5-large-v1:0", "image"),
        ("amazon.nova-canvas-v1:0", "image"),
        ("meta.llama3-1-8b-instruct-v1:0", "chat"),
    ],
)
def test_operation_from_model_id(model_id: str, operation: str) -> None:
    req = bedrock.request(SPEC, cb.client("http://127.0.0.1:9"), ("InvokeModel", {"modelId": model_id}), {})
    assert req is not None and req.operation == operation


def test_stream_slot() -> None:
    ex = load("bedrock/converse_stream")
    conv = call_served(
        ex, lambda url: cb.client(url).converse_stream(modelId=cb.HAIKU_3, messages=cb.MESSAGES)
    )
    assert bedrock.stream_slot(conv) == (conv, "stream")
    ex = load("bedrock/invoke_model_stream")
    inv = call_served(
        ex,
        lambda url: cb.client(url).invoke_model_with_response_stream(modelId=cb.HAIKU_3, body=cb.INVOKE_BODY),
    )
    assert bedrock.stream_slot(inv) == (inv, "body")
    plain = cb.invoke_model(load("bedrock/invoke_model"))
    assert bedrock.stream_slot(plain) is None  # a StreamingBody is no event stream
    assert bedrock.stream_slot([1, 2]) is None
    conv["stream"].close()  # an unread event stream keeps its socket open (ResourceWarning at GC)
    inv["body"].close()


# -- responses -------------------------------------------------------------------------------------


def test_converse_usage() -> None:
    o = observe(cb.converse(load("bedrock/converse")))
    assert (o.input_tokens, o.output_tokens, o.cached_input_tokens) == (13, 12, 0)
    assert o.model is None  # Converse does not name the model: the request's modelId is used


def test_converse_cache_reads_and_writes_count_as_input() -> None:
    o = observe(cb.converse_cached(load("bedrock/converse_cached")))
    assert (o.input_tokens, o.output_tokens, o.cached_input_tokens) == (9 + 2048 + 16, 10, 2048)


def raw_invoke_model(ex: Exchange) -> Any:
    """``invoke_model`` with its body as botocore returns it (the case helper reads and replaces it)."""
    return call_served(ex, lambda url: cb.client(url).invoke_model(modelId=cb.HAIKU_3, body=cb.INVOKE_BODY))


def test_invoke_model_usage_from_headers_leaves_the_body_unread() -> None:
    ex = load("bedrock/invoke_model")
    resp = raw_invoke_model(ex)
    o = observe(resp)
    assert (o.input_tokens, o.output_tokens) == (13, 12)
    assert json.loads(resp["body"].read()) == ex.data["response"]["json"]


def test_invoke_model_cache_headers_count_as_input() -> None:
    resp = raw_invoke_model(load("bedrock/invoke_model"))
    resp["body"].close()
    headers = resp["ResponseMetadata"]["HTTPHeaders"]
    headers["x-amzn-bedrock-cache-read-input-token-count"] = "2048"
    headers["x-amzn-bedrock-cache-write-input-token-count"] = "16"
    o = observe(resp)
    assert (o.input_tokens, o.output_tokens, o.cached_input_tokens) == (13 + 2048 + 16, 12, 2048)


def test_invocation_metrics_with_cache() -> None:
    metrics = {"inputTokenCount": 9, "outputTokenCount": 10, "cacheReadInputTokenCount": 2048}
    body = json.dumps({"type": "message_stop", "amazon-bedrock-invocationMetrics": metrics}).encode()
    o = observe_stream([{"chunk": {"bytes": body}}])
    assert (o.input_tokens, o.output_tokens, o.cached_input_tokens) == (9 + 2048, 10, 2048)


def test_missing_usage_sets_nothing() -> None:
    resp = cb.converse(load("bedrock/converse"))
    del resp["usage"]
    resp["ResponseMetadata"]["HTTPHeaders"].pop("x-amzn-bedrock-input-token-count", None)
    for odd in (
        resp,
        None,
        [],
        "text",
        {"usage": "n/a"},
        {"usage": {"inputTokens": "13"}},
        {"ResponseMetadata": 1},
    ):
        o = observe(odd)
        assert (o.input_tokens, o.output_tokens, o.cached_input_tokens) == (None, None, None), odd


def test_odd_header_values_are_ignored() -> None:
    headers = {"x-amzn-bedrock-input-token-count": "-3", "x-amzn-bedrock-output-token-count": "twelve"}
    o = observe({"ResponseMetadata": {"HTTPHeaders": headers}})
    assert (o.input_tokens, o.output_tokens) == (None, None)


# -- streams ---------------------------------------------------------------------------------------


def test_converse_stream_usage_and_text() -> None:
    o = observe_stream(converse_events())
    assert (o.input_tokens, o.output_tokens, o.cached_input_tokens) == (13, 12, 0)
    assert (o.text_chars, o.text_chunks) == (len(TEXT), 3)


def test_converse_stream_without_metadata_counts_text() -> None:
    events = [e for e in converse_events() if "metadata" not in e]
    o = observe_stream(events)
    assert (o.input_tokens, o.output_tokens) == (None, None)
    assert o.text_chars == len(TEXT)


def test_converse_stream_reasoning_and_tool_deltas_are_counted() -> None:
    o = observe_stream(
        [
            {"contentBlockDelta": {"delta": {"reasoningContent": {"text": "think"}}, "contentBlockIndex": 0}},
            {
                "contentBlockDelta": {
                    "delta": {"reasoningContent": {"signature": "c2ln"}},
                    "contentBlockIndex": 0,
                }
            },
            {"contentBlockDelta": {"delta": {"toolUse": {"input": '{"city":'}}, "contentBlockIndex": 1}},
        ]
    )
    assert o.text_chars == len("think") + len('{"city":')


def test_invoke_stream_usage_from_invocation_metrics() -> None:
    events = invoke_events()
    assert all(isinstance(e["chunk"]["bytes"], bytes) for e in events)
    o = observe_stream(events)
    assert (o.input_tokens, o.output_tokens) == (13, 12)
    assert o.text_chars == 0  # usage reported: the chunks are not parsed
    assert bedrock._CHUNKS not in o.extra


def test_invoke_stream_closed_before_the_metrics_counts_text() -> None:
    o = observe_stream(invoke_events()[:-1])
    assert (o.input_tokens, o.output_tokens) == (None, None)
    assert o.text_chars == len(TEXT)


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"generation": "Hi", "prompt_token_count": 5}, "Hi"),  # Meta Llama
        ({"outputText": "Hi", "index": 0}, "Hi"),  # Amazon Titan
        ({"outputs": [{"text": "Hi", "stop_reason": None}]}, "Hi"),  # Mistral
        ({"choices": [{"index": 0, "delta": {"content": "Hi"}}]}, "Hi"),  # OpenAI-style (gpt-oss)
        ({"type": "message_delta", "delta": {"stop_reason": "end_turn"}}, None),
        ({"unknown": 1}, None),
        ([1, 2], None),
    ],
)
def test_chunk_text_of_model_families(body: object, text: str | None) -> None:
    assert bedrock._chunk_text(body) == text


def test_odd_stream_events_never_raise() -> None:
    o = observe_stream(
        [
            None,
            "text",
            {"chunk": None},
            {"chunk": {"bytes": "not bytes"}},
            {"chunk": {"bytes": b"{not json amazon-bedrock-invocationMetrics"}},
            {"chunk": {"bytes": b'{"amazon-bedrock-invocationMetrics": 5}'}},
            {"contentBlockDelta": "x"},
            {"contentBlockDelta": {"delta": {"text": 3}}},
            {"metadata": {"usage": None}},
            {"metadata": "x"},
        ]
    )
    assert (o.input_tokens, o.output_tokens, o.text_chars) == (None, None, 0)


# -- prompt counting -------------------------------------------------------------------------------


def test_count_input() -> None:
    system = [{"text": "Be brief."}]
    params = {"modelId": cb.HAIKU_3, "messages": cb.MESSAGES, "system": system}
    assert bedrock.count_input(("Converse", params), {}) == tokens_from_chars(
        len("Say hello in French.Be brief.")
    )
    body = json.loads(cb.INVOKE_BODY)
    expected = tokens_from_chars(len("Say hello in French."))
    assert (
        bedrock.count_input(("InvokeModel", {"modelId": cb.HAIKU_3, "body": cb.INVOKE_BODY}), {}) == expected
    )
    as_bytes = {"modelId": cb.HAIKU_3, "body": json.dumps(body).encode()}
    assert bedrock.count_input(("InvokeModel", as_bytes), {}) == expected
    llama = {"body": json.dumps({"prompt": "x" * 40, "max_gen_len": 64})}
    assert bedrock.count_input(("InvokeModel", llama), {}) == 10
    assert (
        bedrock.count_input(("InvokeModel", {"body": io.BytesIO(b'{"prompt": "x"}')}), {}) is None
    )  # not read
    assert bedrock.count_input(("InvokeModel", {"body": b"not json"}), {}) is None
    assert bedrock.count_input((), {}) is None


# -- instrumented ----------------------------------------------------------------------------------


def test_instrumented_invoke_model_body_stays_readable(records: Records) -> None:
    ex = load("bedrock/invoke_model")
    resp = raw_invoke_model(ex)
    assert af.impacts_of(resp) is not None
    assert json.loads(resp["body"].read()) == ex.data["response"]["json"]
    (rec,) = records.items
    assert rec.usage is not None and (rec.usage.input_tokens, rec.usage.output_tokens) == (13, 12)


def test_instrumented_converse_stream_keeps_the_container(records: Records) -> None:
    from botocore.eventstream import EventStream

    ex = load("bedrock/converse_stream")
    urls: list[str] = []

    def call(url: str) -> Any:
        urls.append(url)
        return cb.client(url).converse_stream(modelId=cb.HAIKU_3, messages=cb.MESSAGES)

    result = call_served(ex, call)
    assert set(result) == {"ResponseMetadata", "stream"}
    assert result["ResponseMetadata"]["HTTPStatusCode"] == 200
    stream = result["stream"]
    assert isinstance(stream, EventStream)
    events = list(stream)
    assert events[-1]["metadata"]["usage"]["totalTokens"] == 25
    assert af.impacts_of(stream) is not None
    (rec,) = records.items
    assert rec.stream and rec.complete and rec.server == urls[0]
    assert rec.usage is not None and rec.usage.source == "reported"


def test_region_picks_the_datacenter(records: Records) -> None:
    us = cb.converse(load("bedrock/converse"))
    eu = call_served(
        load("bedrock/converse"),
        lambda url: cb.client(url, region="eu-west-3").converse(modelId=cb.HAIKU_3, messages=cb.MESSAGES),
    )
    imp_us, imp_eu = af.impacts_of(us), af.impacts_of(eu)
    assert imp_us is not None and imp_eu is not None
    assert imp_eu.zone == af.estimate(f"bedrock/{cb.HAIKU_3}", output_tokens=12, region="eu-west-3").zone
    assert imp_eu.zone != imp_us.zone
    assert imp_eu.gwp.value != imp_us.gwp.value


def test_other_aws_services_pass_through_untouched(records: Records) -> None:
    import botocore.client
    import wrapt

    assert isinstance(vars(botocore.client.BaseClient)["_make_api_call"], wrapt.FunctionWrapper)

    def list_buckets(url: str) -> Any:
        s3 = cb._session().client(
            "s3",
            region_name="us-east-1",
            endpoint_url=url,
            aws_access_key_id="AKIDEXAMPLEFAKE",
            aws_secret_access_key="fake-secret-key",
        )
        return s3.list_buckets()

    resp = call_served(load("bedrock/s3_list_buckets"), list_buckets)
    assert [b["Name"] for b in resp["Buckets"]] == ["footprint-logs"]
    assert records.items == []
    assert af.record_of(resp) is None


def test_uninstrument_restores_botocore() -> None:
    import botocore.client

    original = vars(botocore.client.BaseClient)["_make_api_call"]
    af.instrument(providers=["bedrock"])
    assert vars(botocore.client.BaseClient)["_make_api_call"] is not original
    af.uninstrument()
    assert vars(botocore.client.BaseClient)["_make_api_call"] is original


# -- the event-stream encoder used by the local server ---------------------------------------------


def test_eventstream_encoder_round_trips_through_botocore() -> None:
    from botocore.eventstream import EventStreamBuffer

    buf = EventStreamBuffer()
    buf.add_data(
        encode_eventstream(
            [
                {
                    "headers": {":event-type": "chunk", ":message-type": "event"},
                    "payload": {"bytes": {"$base64json": {"a": 1}}},
                },
                {"headers": {":event-type": "messageStop"}, "payload": "raw"},
            ]
        )
    )
    first, second = list(buf)
    assert first.headers == {":event-type": "chunk", ":message-type": "event"}
    assert json.loads(first.payload) == {"bytes": "eyJhIjoxfQ=="}  # base64 of '{"a":1}'
    assert (second.headers, second.payload) == ({":event-type": "messageStop"}, b"raw")
    assert len(encode_event({}, b"")) == 16  # prelude (12) + message CRC (4)
