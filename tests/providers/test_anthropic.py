"""Anthropic extractors fed with real ``anthropic`` SDK objects from the recorded exchanges, and the
Anthropic-specific behaviour: who serves the call (Bedrock, Vertex AI, ...), prompt-cache and thinking
counts, streams read by the SDK's own helpers, odd shapes."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("anthropic")

import aifootprint as af
from aifootprint.providers import anthropic as adapter_mod
from aifootprint.providers._base import Observed, WrapSpec

from . import cases_anthropic as cases
from .conftest import Records
from .exchanges import load


@pytest.fixture
def records() -> Iterator[Records]:
    """Only the Anthropic SDK instrumented (strict), and its call records."""
    af.instrument(providers=["anthropic"], strict=True)
    recs = Records()
    remove = af.add_listener(recs)
    yield recs
    remove()


ADAPTER = adapter_mod.ADAPTER
CREATE = WrapSpec(adapter_mod._MESSAGES, "Messages.create")
STREAM = WrapSpec(adapter_mod._MESSAGES, "Messages.stream", result="manager")
DATED = "claude-haiku-4-5-20251001"


def _sdk_version() -> tuple[int, ...]:
    import anthropic

    return tuple(int(p) for p in anthropic.__version__.split(".")[:2])


def _snapshot_keeps_thinking_tokens() -> bool:
    """MessageStream snapshots copy message_delta's ``output_tokens_details`` once the SDK knows the field
    (late 0.x and later); older snapshots keep ``output_tokens`` only."""
    from anthropic.types import MessageDeltaUsage

    return "output_tokens_details" in MessageDeltaUsage.model_fields


def _observe_response(resp: Any) -> Observed:
    obs = Observed()
    ADAPTER.observe_response(resp, obs)
    return obs


def _observe_chunks(chunks: list[Any]) -> Observed:
    obs = Observed()
    for c in chunks:
        ADAPTER.observe_chunk(c, obs)
    return obs


def _usage(obs: Observed) -> tuple[Any, ...]:
    return obs.input_tokens, obs.output_tokens, obs.reasoning_tokens, obs.cached_input_tokens


def _raw_events(name: str, make: Any = None, **kw: Any) -> list[Any]:
    stream = (make or cases.create)(load(name), stream=True, **kw)
    return list(stream)


def _helper_events(name: str) -> list[Any]:
    with cases.stream_manager(load(name)) as stream:
        return list(stream)


# -- what is wrapped ---------------------------------------------------------------------------------------


def test_min_version_is_the_first_release_of_the_supported_year() -> None:
    assert ADAPTER.min_version == "0.75.0"  # 2025-11-24; 0.74.1 is from 2025-11-19
    assert ADAPTER.distribution == "anthropic"


def test_wrapped_methods_exist_in_installed_sdk() -> None:
    found = []
    for spec in ADAPTER.wraps:
        obj: Any = importlib.import_module(spec.module)
        for part in spec.path.split("."):
            obj = getattr(obj, part, None)
        if obj is not None:
            assert callable(obj)
            found.append((spec.module, spec.path))
    for module in (adapter_mod._MESSAGES, adapter_mod._BETA):
        for path in ("Messages.create", "AsyncMessages.create", "Messages.stream", "AsyncMessages.stream"):
            assert (module, path) in found
    if _sdk_version() >= (1, 0):
        assert len(found) == len(ADAPTER.wraps)  # parse and the Bedrock/Vertex beta streams exist too


def test_bedrock_and_vertex_beta_hold_their_own_copy_of_create() -> None:
    """Why they are wrapped separately: wrapping the first-party class would not reach them."""
    for module in (adapter_mod._BEDROCK_BETA, adapter_mod._VERTEX_BETA):
        cls = importlib.import_module(module).Messages
        assert "create" in vars(cls)


def test_stream_specs_are_managers_with_the_helpers_that_read_to_the_end() -> None:
    streams = [s for s in ADAPTER.wraps if s.path.endswith(".stream")]
    assert streams and all(s.result == "manager" for s in streams)
    assert all({"get_final_message", "get_final_text", "until_done"} <= set(s.final_methods) for s in streams)
    assert all(s.result == "auto" for s in ADAPTER.wraps if not s.path.endswith(".stream"))


# -- responses ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exchange", "kw", "expected"),
    [
        ("message", {}, (14, 12, None, 0)),
        (
            "message_cached",
            {"model": DATED},
            (21 + 1864, 17, None, 1864),
        ),  # input_tokens excludes cache reads
        ("message_cache_write", {"model": DATED}, (21 + 1864, 11, None, 0)),  # ... and cache writes
        ("message_thinking", {"thinking": cases.THINKING, "max_tokens": 2048}, (41, 96, 71, 0)),
    ],
)
def test_observe_response(exchange: str, kw: dict[str, Any], expected: tuple[Any, ...]) -> None:
    resp = cases.create(load(f"anthropic/{exchange}"), **kw)
    obs = _observe_response(resp)
    assert _usage(obs) == expected
    assert obs.model == "claude-haiku-4-5-20251001"


def test_thinking_tokens_are_part_of_output_tokens() -> None:
    resp = cases.create(load("anthropic/message_thinking"), thinking=cases.THINKING, max_tokens=2048)
    assert [b.type for b in resp.content] == ["thinking", "text"]
    obs = _observe_response(resp)
    assert obs.output_tokens == resp.usage.output_tokens  # billed total, not output + thinking
    assert obs.reasoning_tokens is not None and obs.reasoning_tokens < obs.output_tokens


def test_observe_beta_bedrock_and_vertex_messages() -> None:
    beta = cases.client(load("anthropic/beta_message")).beta.messages.create(
        model="claude-haiku-4-5", max_tokens=256, messages=cases.MESSAGES
    )
    assert _usage(_observe_response(beta)) == (30 + 2048, 9, None, 2048)
    vertex = cases.vertex(load("anthropic/vertex_message")).messages.create(
        model=cases.VERTEX_MODEL, max_tokens=256, messages=cases.MESSAGES
    )
    assert _usage(_observe_response(vertex)) == (14, 12, None, 0)


def test_observe_parsed_message_from_raw_response() -> None:
    raw = cases.client(load("anthropic/message")).messages.with_raw_response.create(
        model="claude-haiku-4-5", max_tokens=256, messages=cases.MESSAGES
    )
    assert ADAPTER.is_raw(raw)
    message = raw.parse()
    assert not ADAPTER.is_raw(message)
    assert _usage(_observe_response(message)) == (14, 12, None, 0)


def test_dict_shaped_message() -> None:
    body = load("anthropic/message_cached").data["response"]["json"]
    assert _usage(_observe_response(body)) == (1885, 17, None, 1864)


@pytest.mark.parametrize(
    "odd",
    [
        None,
        "text",
        {},
        SimpleNamespace(usage=None),
        SimpleNamespace(usage=SimpleNamespace()),
        SimpleNamespace(usage={"input_tokens": "14", "output_tokens": -1, "cache_read_input_tokens": 2.5}),
        SimpleNamespace(usage=SimpleNamespace(input_tokens=None, output_tokens=True)),
    ],
)
def test_odd_or_missing_usage_sets_nothing(odd: Any) -> None:
    obs = _observe_response(odd)
    assert _usage(obs) == (None, None, None, None)
    ADAPTER.observe_chunk(odd, obs)
    assert _usage(obs) == (None, None, None, None)
    assert obs.text_chars == 0


def test_message_without_usage_keeps_the_model_only() -> None:
    obs = _observe_response({"model": "claude-haiku-4-5-20251001", "content": []})
    assert obs.model == "claude-haiku-4-5-20251001"
    assert _usage(obs) == (None, None, None, None)


# -- streams -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exchange", "kw", "expected"),
    [
        ("stream", {}, (14, 12, None, 0)),
        ("stream_thinking", {"thinking": cases.THINKING, "max_tokens": 2048}, (41, 96, 71, 0)),
        ("stream_cached", {}, (21 + 1864, 8, None, 1864)),
    ],
)
def test_observe_raw_stream_events(exchange: str, kw: dict[str, Any], expected: tuple[Any, ...]) -> None:
    events = _raw_events(f"anthropic/{exchange}", **kw)
    obs = _observe_chunks(events)
    assert _usage(obs) == expected
    assert obs.model == "claude-haiku-4-5-20251001"


def test_stream_text_is_counted_once_per_delta() -> None:
    events = _raw_events("anthropic/stream")
    text = "".join(e.delta.text for e in events if e.type == "content_block_delta")
    obs = _observe_chunks(events)
    assert (obs.text_chars, obs.text_chunks) == (len(text), 3)
    # MessageStream adds a "text" event for each delta: it must not be counted twice
    helper = _helper_events("anthropic/stream")
    assert [e.type for e in helper].count("text") == 3
    obs2 = _observe_chunks(helper)
    assert (obs2.text_chars, obs2.text_chunks) == (len(text), 3)
    assert _usage(obs2) == _usage(obs)


def test_thinking_deltas_are_counted_as_generated_text() -> None:
    events = _raw_events("anthropic/stream_thinking", thinking=cases.THINKING, max_tokens=2048)
    deltas = [e.delta for e in events if e.type == "content_block_delta"]
    thinking = "".join(d.thinking for d in deltas if d.type == "thinking_delta")
    obs = _observe_chunks(events)
    assert obs.text_chars == len(thinking) + len("27 * 453 = 12,231.")


def test_stream_cut_before_message_delta_reports_input_only() -> None:
    """message_start's output_tokens is a placeholder: the output count then comes from the text seen."""
    events = _raw_events("anthropic/stream")
    start = events[0]
    assert start.type == "message_start" and start.message.usage.output_tokens == 1
    first = next(i for i, e in enumerate(events) if e.type == "content_block_delta")
    obs = _observe_chunks(events[: first + 1])  # up to the first text delta
    assert (obs.input_tokens, obs.output_tokens) == (14, None)
    assert obs.text_chars == len("Hello")


def test_message_delta_input_counts_overwrite_the_start_counts() -> None:
    events = _raw_events("anthropic/stream_cached")
    start = events[0]
    start.message.usage.cache_read_input_tokens = 0  # as if the cache read were only known at the end
    obs = _observe_chunks(events)
    assert (obs.input_tokens, obs.cached_input_tokens) == (21 + 1864, 1864)
    # and a delta that omits them keeps the start's values
    obs2 = _observe_chunks(_raw_events("anthropic/stream"))
    assert obs2.input_tokens == 14


def test_bedrock_event_stream() -> None:
    pytest.importorskip("boto3")
    stream = cases.bedrock(load("anthropic/bedrock_stream")).messages.create(
        model=cases.BEDROCK_MODEL, max_tokens=256, messages=cases.MESSAGES, stream=True
    )
    obs = _observe_chunks(list(stream))
    assert _usage(obs) == (14, 12, None, 0)


def test_vertex_stream() -> None:
    stream = cases.vertex(load("anthropic/vertex_stream")).messages.create(
        model=cases.VERTEX_MODEL, max_tokens=256, messages=cases.MESSAGES, stream=True
    )
    assert _usage(_observe_chunks(list(stream))) == (14, 12, None, 0)


def test_stream_end_reads_the_message_stream_snapshot() -> None:
    with cases.stream_manager(
        load("anthropic/stream_thinking"), thinking=cases.THINKING, max_tokens=2048
    ) as s:
        s.until_done()  # the SDK reads every event itself: nothing passes through a proxy
        obs = Observed()
        ADAPTER.observe_stream_end(s, obs)  # type: ignore[misc]
    assert _usage(obs) == (41, 96, 71 if _snapshot_keeps_thinking_tokens() else None, 0)
    assert obs.model == "claude-haiku-4-5-20251001"


def test_stream_end_of_a_cut_stream_counts_the_snapshot_text() -> None:
    with cases.stream_manager(load("anthropic/stream")) as s:
        for event in s:
            if event.type == "content_block_delta":
                break
        obs = Observed()
        ADAPTER.observe_stream_end(s, obs)  # type: ignore[misc]
    assert (obs.input_tokens, obs.output_tokens) == (14, None)
    assert obs.text_chars == len("Hello")


def test_stream_end_before_any_event_or_on_a_raw_stream_sets_nothing() -> None:
    hook = ADAPTER.observe_stream_end
    assert hook is not None
    with cases.stream_manager(load("anthropic/stream")) as s:
        obs = Observed()
        hook(s, obs)  # current_message_snapshot asserts before message_start
        assert _usage(obs) == (None, None, None, None)
    raw = cases.create(load("anthropic/stream"), stream=True)
    hook(raw, obs)
    hook(object(), obs)
    assert _usage(obs) == (None, None, None, None)
    raw.close()


# -- attribution -------------------------------------------------------------------------------------------


def _request(client: Any, spec: WrapSpec = CREATE, **kw: Any) -> Any:
    return ADAPTER.request(spec, client.messages, (), {"max_tokens": 256, "messages": cases.MESSAGES, **kw})


def test_first_party_request() -> None:
    import anthropic

    r = _request(anthropic.Anthropic(api_key="k"), model="claude-haiku-4-5")
    assert (r.provider, r.model, r.operation, r.stream, r.region, r.datacenter) == (
        "anthropic",
        "claude-haiku-4-5",
        "chat",
        False,
        None,
        None,
    )
    assert r.server is not None and r.server.startswith("https://api.anthropic.com")
    assert _request(anthropic.AsyncAnthropic(api_key="k"), model="m", stream=True).stream is True
    assert _request(anthropic.Anthropic(api_key="k"), STREAM, model="m").stream is True
    gateway = anthropic.Anthropic(api_key="k", base_url="https://gateway.example.com/anthropic")
    assert _request(gateway, model="m").server == "https://gateway.example.com/anthropic/"


def test_bedrock_request() -> None:
    pytest.importorskip("boto3")
    import anthropic

    client = anthropic.AnthropicBedrock(**cases._AWS)
    r = _request(client, model=cases.BEDROCK_MODEL)
    assert (r.provider, r.model, r.region) == ("bedrock", cases.BEDROCK_MODEL, "us-east-1")
    assert r.server is not None and r.server.startswith("https://bedrock-runtime.us-east-1.amazonaws.com")
    arn = (
        "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-haiku-4-5-20251001-v1:0"
    )
    assert _request(client, model=arn).model == "eu.anthropic.claude-haiku-4-5-20251001-v1:0"
    async_client = anthropic.AsyncAnthropicBedrock(**{**cases._AWS, "aws_region": "eu-west-3"})
    assert _request(async_client, model="m").region == "eu-west-3"


def test_vertex_request_maps_the_model_id_to_the_catalogue_name() -> None:
    import anthropic

    r = _request(anthropic.AnthropicVertex(**cases._GCP), model="claude-sonnet-4-5@20250929")
    assert (r.provider, r.model, r.region, r.datacenter) == (
        "anthropic",
        "claude-sonnet-4-5-20250929",
        "us-east5",
        "google",
    )
    europe = anthropic.AsyncAnthropicVertex(**{**cases._GCP, "region": "europe-west1"})
    assert _request(europe, model="claude-opus-4-6").model == "claude-opus-4-6"
    assert _request(europe, model="m").region == "europe-west1"


def test_other_clients_are_attributed_by_their_class() -> None:
    import anthropic

    if hasattr(anthropic, "AnthropicAWS"):
        aws = anthropic.AnthropicAWS(api_key="k", workspace_id="wrkspc_01", aws_region="us-west-2")
        r = _request(aws, model="claude-haiku-4-5")
        assert (r.provider, r.datacenter, r.region) == ("anthropic", "bedrock", "us-west-2")
    if hasattr(anthropic, "AnthropicGoogleCloud"):
        gc = anthropic.AnthropicGoogleCloud(project="p", workspace_id="w", skip_auth=True)
        r = _request(gc, model="claude-haiku-4-5")
        assert (r.provider, r.datacenter, r.region) == ("anthropic", "google", "global")
    if hasattr(anthropic, "AnthropicFoundry"):
        foundry = anthropic.AnthropicFoundry(api_key="k", resource="example-resource")
        r = _request(foundry, model="claude-haiku-4-5")
        assert (r.provider, r.datacenter) == ("anthropic", None)
        assert r.server == "https://example-resource.services.ai.azure.com/anthropic/"


def test_client_kind_follows_subclasses_and_tolerates_strangers() -> None:
    import anthropic

    class MyBedrock(anthropic.AnthropicBedrock):
        pass

    assert adapter_mod.client_kind(MyBedrock.__new__(MyBedrock)) == "bedrock"
    assert adapter_mod.client_kind(object()) == "anthropic"
    r = ADAPTER.request(CREATE, object(), (), {"model": 3})
    assert (r.provider, r.model, r.server) == ("anthropic", None, None)


def test_count_input_counts_messages_and_system() -> None:
    kw = {
        "messages": [{"role": "user", "content": [{"type": "text", "text": "x" * 40}]}],
        "system": [{"type": "text", "text": "y" * 40}],
    }
    assert ADAPTER.count_input((), kw) == 20
    assert ADAPTER.count_input((), {"messages": cases.MESSAGES, "system": "z" * 7}) == 5
    assert ADAPTER.count_input((), {}) == 0


# -- instrumented: the SDK's own stream helpers ----------------------------------------------------------


def test_get_final_message_alone_carries_the_impacts(records: Records) -> None:
    with cases.stream_manager(load("anthropic/stream")) as stream:
        final = stream.get_final_message()
    assert final.impacts is not None and af.impacts_of(final) is final.impacts
    assert len(records.items) == 1
    usage = records.items[0].usage
    assert usage is not None and (usage.input_tokens, usage.output_tokens, usage.source) == (
        14,
        12,
        "reported",
    )


def test_text_stream_and_until_done_are_read_from_the_snapshot(records: Records) -> None:
    with cases.stream_manager(load("anthropic/stream")) as stream:
        text = "".join(stream.text_stream)
    assert text == "Hello! How can I help you today?"
    with cases.stream_manager(
        load("anthropic/stream_thinking"), thinking=cases.THINKING, max_tokens=2048
    ) as s2:
        s2.until_done()
    assert len(records.items) == 2
    u1, u2 = (r.usage for r in records.items)
    assert u1 is not None and (u1.input_tokens, u1.output_tokens, u1.source) == (14, 12, "reported")
    assert u2 is not None and (u2.output_tokens, u2.reasoning_tokens) == (
        96,
        71 if _snapshot_keeps_thinking_tokens() else 0,
    )
    assert af.impacts_of(stream) is not None


def test_async_get_final_text(records: Records) -> None:
    async def go() -> str:
        async with cases.astream_manager(load("anthropic/stream")) as stream:
            return await stream.get_final_text()

    assert asyncio.run(go()) == "Hello! How can I help you today?"
    assert len(records.items) == 1 and records.items[0].impacts is not None


def test_foundry_client_is_instrumented_through_the_first_party_class(records: Records) -> None:
    import anthropic

    if not hasattr(anthropic, "AnthropicFoundry"):
        pytest.skip("no AnthropicFoundry in this SDK")
    ex = load("anthropic/message")
    ex.data["request"]["path"] = "/anthropic/v1/messages"  # the resource's base URL ends in /anthropic/
    client = anthropic.AnthropicFoundry(
        api_key="k", resource="example-resource", http_client=cases._http(ex, False), max_retries=0
    )
    msg = client.messages.create(model="claude-haiku-4-5", max_tokens=256, messages=cases.MESSAGES)
    assert msg.impacts is not None
    assert records.items[0].server == "https://example-resource.services.ai.azure.com/anthropic/"


def test_bedrock_model_resolves_in_the_bedrock_catalogue(records: Records) -> None:
    pytest.importorskip("boto3")
    ex = load("anthropic/bedrock_message")
    msg = cases.bedrock(ex).messages.create(
        model=cases.BEDROCK_MODEL, max_tokens=256, messages=cases.MESSAGES
    )
    assert msg.impacts.model == cases.BEDROCK_HAIKU
    rec = records.items[0]
    assert (rec.provider, rec.model, rec.response_model) == (
        "bedrock",
        cases.BEDROCK_MODEL,
        "claude-haiku-4-5-20251001",
    )
    assert ex.requests[0].path == f"/model/{cases.BEDROCK_MODEL}/invoke"
