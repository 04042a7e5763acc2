"""google-genai extractors, fed with real SDK objects from the recorded exchanges, plus attribution rules."""

from __future__ import annotations

import asyncio
import importlib
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("google.genai")

from google.genai import types

from aifootprint.providers import google_genai as gg
from aifootprint.providers._base import Observed, WrapSpec

from .cases_google_genai import MODEL, PROMPT, client
from .exchanges import load

SPEC = WrapSpec("google.genai.models", "Models.generate_content")
STREAM_SPEC = WrapSpec("google.genai.models", "Models.generate_content_stream", result="stream")


def sdk_major() -> int:
    from google.genai import version

    return int(version.__version__.split(".")[0])


def observe(resp: Any) -> Observed:
    o = Observed()
    gg.ADAPTER.observe_response(resp, o)
    return o


def observe_stream(chunks: list[Any]) -> Observed:
    o = Observed()
    for c in chunks:
        gg.ADAPTER.observe_chunk(c, o)
    assert gg.ADAPTER.observe_stream_end is not None
    gg.ADAPTER.observe_stream_end(None, o)
    return o


def test_every_wrap_spec_exists_in_the_installed_sdk() -> None:
    for spec in gg.WRAPS:
        obj: Any = importlib.import_module(spec.module)
        for name in spec.path.split("."):
            obj = getattr(obj, name)
        assert callable(obj), spec


def test_generate_content_usage_and_model() -> None:
    ex = load("google_genai/generate_content")
    resp = client(ex).models.generate_content(model=MODEL, contents=PROMPT)
    assert isinstance(resp, types.GenerateContentResponse)
    o = observe(resp)
    assert (o.input_tokens, o.output_tokens, o.reasoning_tokens, o.cached_input_tokens) == (9, 43, 28, 0)
    assert o.model == "gemini-2.5-flash"
    assert o.text_chars == 0


def test_default_api_version_follows_the_sdk_major() -> None:
    ex = load("google_genai/generate_content")
    client(ex).models.generate_content(model=MODEL, contents=PROMPT)
    (seen,) = ex.requests
    assert seen.path == f"/{'v1' if sdk_major() >= 3 else 'v1beta'}/models/gemini-2.5-flash:generateContent"
    assert seen.headers["x-goog-api-key"] == "fake-gemini-api-key"


def test_stream_takes_the_last_cumulative_usage() -> None:
    ex = load("google_genai/generate_content_stream")
    chunks = list(client(ex).models.generate_content_stream(model=MODEL, contents=PROMPT))
    assert len(chunks) == 3 and all(isinstance(c, types.GenerateContentResponse) for c in chunks)
    o = Observed()
    for c in chunks:
        gg.ADAPTER.observe_chunk(c, o)
    assert o.output_tokens is None  # per chunk only the usage object is kept; read once at the end
    o = observe_stream(chunks[:1])
    assert (o.input_tokens, o.output_tokens) == (9, 33)  # 5 so far + 28 thoughts
    o = observe_stream(chunks)
    assert (o.input_tokens, o.output_tokens, o.reasoning_tokens) == (9, 43, 28)
    assert o.model == "gemini-2.5-flash"
    assert o.text_chars == 0  # usage reported: nothing counted


def test_async_stream_chunks_are_the_same_types() -> None:
    async def go() -> list[Any]:
        ex = load("google_genai/generate_content_stream")
        stream = await client(ex).aio.models.generate_content_stream(model=MODEL, contents=PROMPT)
        return [c async for c in stream]

    o = observe_stream(asyncio.run(go()))
    assert (o.input_tokens, o.output_tokens, o.reasoning_tokens) == (9, 43, 28)


def test_stream_without_usage_counts_text() -> None:
    ex = load("google_genai/generate_content_stream")
    for ev in ex.data["response"]["sse"]:
        del ev["data"]["usageMetadata"]
    chunks = list(client(ex).models.generate_content_stream(model=MODEL, contents=PROMPT))
    o = observe_stream(chunks)
    assert o.output_tokens is None and o.input_tokens is None
    assert o.text_chars == len("Hellebore, often called the Christmas rose, blooms in mid-winter.")
    assert o.text_chunks == 3


def test_vertex_cached_tokens_region_and_server() -> None:
    ex = load("google_genai/vertex_generate_content")
    c = client(ex, vertex=True)
    resp = c.models.generate_content(model=MODEL, contents="When does the contract renew?")
    o = observe(resp)
    assert (o.input_tokens, o.output_tokens, o.reasoning_tokens, o.cached_input_tokens) == (2110, 17, 0, 2048)
    req = gg.ADAPTER.request(SPEC, c.models, (), {"model": MODEL, "contents": "x"})
    assert req is not None
    assert (req.provider, req.model, req.region, req.stream) == ("google", MODEL, "europe-west4", False)
    assert req.server == "https://europe-west4-aiplatform.googleapis.com/"
    assert ex.requests[0].headers["authorization"] == "Bearer ya29.fake-token"


def test_gemini_api_request_attribution() -> None:
    c = client(load("google_genai/generate_content"))
    req = gg.ADAPTER.request(STREAM_SPEC, c.models, (), {"model": "models/gemini-2.5-flash", "contents": "x"})
    assert req is not None
    assert (req.provider, req.model, req.region, req.stream, req.operation) == (
        "google",
        "gemini-2.5-flash",
        None,
        True,
        "chat",
    )
    assert req.server == "https://generativelanguage.googleapis.com/"
    areq = gg.ADAPTER.request(SPEC, c.aio.models, (), {"model": MODEL, "contents": "x"})
    assert areq is not None and areq.server == req.server and areq.stream is False


def test_vertex_region_from_resource_name_and_global_location() -> None:
    c = client(load("google_genai/vertex_generate_content"), vertex=True)
    name = "projects/my-project/locations/us-east5/publishers/google/models/gemini-2.5-pro"
    req = gg.ADAPTER.request(SPEC, c.models, (), {"model": name, "contents": "x"})
    assert req is not None and (req.model, req.region) == ("gemini-2.5-pro", "us-east5")
    from google import genai
    from google.oauth2.credentials import Credentials

    g = genai.Client(vertexai=True, project="p", location="global", credentials=Credentials(token="t"))
    req = gg.ADAPTER.request(SPEC, g.models, (), {"model": MODEL, "contents": "x"})
    assert req is not None and req.region is None and req.server == "https://aiplatform.googleapis.com/"


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("gemini-2.5-flash", "gemini-2.5-flash"),
        ("models/gemini-2.5-flash", "gemini-2.5-flash"),
        ("publishers/google/models/gemini-2.5-flash", "gemini-2.5-flash"),
        ("projects/p/locations/l/publishers/google/models/gemini-2.5-flash", "gemini-2.5-flash"),
        ("google/gemini-2.5-flash", "gemini-2.5-flash"),
        ("tunedModels/1234567890", "tunedModels/1234567890"),
        ("projects/p/locations/l/endpoints/123", "projects/p/locations/l/endpoints/123"),
        ("", None),
        (None, None),
        (42, None),
    ],
)
def test_model_id(raw: object, want: str | None) -> None:
    assert gg.model_id(raw) == want


def test_missing_usage_sets_nothing() -> None:
    o = observe(types.GenerateContentResponse())
    assert o == Observed()
    o = observe(types.GenerateContentResponse(usage_metadata=types.GenerateContentResponseUsageMetadata()))
    assert o == Observed()


def test_zero_counts_left_out_by_proto3_json_are_zero() -> None:
    usage = types.GenerateContentResponseUsageMetadata(prompt_token_count=7, total_token_count=7)
    o = observe(types.GenerateContentResponse(usage_metadata=usage))
    assert (o.input_tokens, o.output_tokens, o.reasoning_tokens, o.cached_input_tokens) == (7, 0, 0, 0)


def test_tool_use_prompt_tokens_count_as_input() -> None:
    usage = types.GenerateContentResponseUsageMetadata(
        prompt_token_count=12, tool_use_prompt_token_count=300, candidates_token_count=40
    )
    o = observe(types.GenerateContentResponse(usage_metadata=usage))
    assert (o.input_tokens, o.output_tokens) == (312, 40)


def test_odd_objects_never_raise() -> None:
    for odd in (
        None,
        42,
        "text",
        SimpleNamespace(usage_metadata="x", model_version=3),
        SimpleNamespace(usage_metadata=SimpleNamespace(prompt_token_count="9", candidates_token_count=-1)),
        SimpleNamespace(candidates=[SimpleNamespace(content=None)]),
        {"usage_metadata": {"prompt_token_count": 4, "candidates_token_count": 2}},
    ):
        o = Observed()
        gg.ADAPTER.observe_response(odd, o)
        o = observe_stream([odd, odd])
    o = Observed()
    gg.ADAPTER.observe_response({"usage_metadata": {"prompt_token_count": 4, "candidates_token_count": 2}}, o)
    assert (o.input_tokens, o.output_tokens) == (4, 2)
    req = gg.ADAPTER.request(SPEC, object(), (), {})
    assert req is not None and (req.provider, req.model, req.server, req.region) == (
        "google",
        None,
        None,
        None,
    )


def test_count_input_reads_every_contents_form() -> None:
    count = gg.ADAPTER.count_input
    assert count((), {"contents": "x" * 40}) == 10
    assert count((), {"contents": ["x" * 20, types.Part(text="y" * 20)]}) == 10
    contents = [
        types.Content(role="user", parts=[types.Part(text="a" * 16)]),
        {"role": "model", "parts": [{"text": "b" * 16}]},
    ]
    config = types.GenerateContentConfig(system_instruction="c" * 8)
    assert count((), {"contents": contents, "config": config}) == 10
    assert count((), {"contents": contents, "config": {"system_instruction": "c" * 8}}) == 10
    assert count((), {}) is None
    assert count((), {"contents": [object()]}) is None


class Spy:
    """Counts calls of a Models/AsyncModels method (the method the wrapper is put on)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, cls: type, name: str) -> None:
        self.calls = 0
        original = getattr(cls, name)

        def spy(inner: Any, *args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return original(inner, *args, **kwargs)

        monkeypatch.setattr(cls, name, spy)


def test_chats_go_through_the_wrapped_models_methods(monkeypatch: pytest.MonkeyPatch) -> None:
    from google.genai.models import AsyncModels, Models

    sync_spy = Spy(monkeypatch, Models, "generate_content")
    stream_spy = Spy(monkeypatch, Models, "generate_content_stream")
    async_spy = Spy(monkeypatch, AsyncModels, "generate_content")
    astream_spy = Spy(monkeypatch, AsyncModels, "generate_content_stream")

    chat = client(load("google_genai/generate_content")).chats.create(model=MODEL)
    assert observe(chat.send_message(PROMPT)).output_tokens == 43
    chat = client(load("google_genai/generate_content_stream")).chats.create(model=MODEL)
    assert len(list(chat.send_message_stream(PROMPT))) == 3

    async def go() -> None:
        achat = client(load("google_genai/generate_content")).aio.chats.create(model=MODEL)
        await achat.send_message(PROMPT)
        achat = client(load("google_genai/generate_content_stream")).aio.chats.create(model=MODEL)
        async for _ in await achat.send_message_stream(PROMPT):
            pass

    asyncio.run(go())
    assert (sync_spy.calls, stream_spy.calls, async_spy.calls, astream_spy.calls) == (1, 1, 1, 1)


def test_http_error_is_the_sdk_client_error() -> None:
    from google.genai import errors

    with pytest.raises(errors.ClientError) as info:
        client(load("google_genai/error_invalid_argument")).models.generate_content(
            model=MODEL, contents=PROMPT
        )
    assert info.value.code == 400


class Listener:
    def __init__(self) -> None:
        import aifootprint as af

        af.instrument(providers=["google_genai"], strict=True)
        self.records: list[Any] = []
        self.remove = af.add_listener(self.records.append)


@pytest.fixture
def instrumented() -> Any:
    import aifootprint as af

    listener = Listener()
    yield listener
    listener.remove()
    af.uninstrument()


def test_chat_stream_impacts_on_the_last_chunk_once(instrumented: Listener) -> None:
    import aifootprint as af

    chat = client(load("google_genai/generate_content_stream")).chats.create(model=MODEL)
    stream = chat.send_message_stream(PROMPT)
    chunks = list(stream)
    (rec,) = instrumented.records
    assert rec.usage is not None and (rec.usage.input_tokens, rec.usage.output_tokens) == (9, 43)
    assert rec.stream and rec.complete and rec.instrument == "google_genai"
    imp = af.impacts_of(chunks[-1])
    assert imp is not None and imp is rec.impacts and imp.model == f"google/{MODEL}"
    assert chunks[-1].impacts is imp
    assert af.impacts_of(chunks[0]) is None
    assert af.impacts_of(stream) is imp  # the chat stream itself carries them (wrapped, inner call nested)
    # the chat recorded the turn as usual
    assert [c.role for c in chat.get_history()] == ["user", "model", "model", "model"]


def test_async_chat_stream_impacts_on_the_last_chunk_once(instrumented: Listener) -> None:
    import aifootprint as af

    async def go() -> list[Any]:
        chat = client(load("google_genai/generate_content_stream")).aio.chats.create(model=MODEL)
        stream = await chat.send_message_stream(PROMPT)
        return [stream, *[c async for c in stream]]

    stream, *chunks = asyncio.run(go())
    (rec,) = instrumented.records
    assert rec.usage is not None and (rec.usage.input_tokens, rec.usage.output_tokens) == (9, 43)
    assert af.impacts_of(chunks[-1]) is rec.impacts is not None
    assert af.impacts_of(stream) is rec.impacts


def test_chat_turns_are_recorded_once_each(instrumented: Listener) -> None:
    import aifootprint as af

    ex = load("google_genai/generate_content")
    del ex.data["request"]["json_subset"]  # the second turn sends the history too
    chat = client(ex).chats.create(model=MODEL)
    first = chat.send_message(PROMPT)
    second = chat.send_message("And one for summer?")
    assert len(instrumented.records) == 2 and len(ex.requests) == 2
    assert af.impacts_of(first) is instrumented.records[0].impacts is not None
    assert af.impacts_of(second) is instrumented.records[1].impacts is not None
    assert len(ex.requests[1].json["contents"]) == 3  # history sent again: counted as input by the API


def test_chat_stream_closed_early_records_what_was_consumed(instrumented: Listener) -> None:
    import aifootprint as af

    chat = client(load("google_genai/generate_content_stream")).chats.create(model=MODEL)
    stream = chat.send_message_stream(PROMPT)
    first = next(stream)
    stream.close()  # the chat's generator drops the model stream: finalised when collected
    (rec,) = instrumented.records
    assert rec.stream and not rec.complete
    assert rec.usage is not None and (rec.usage.input_tokens, rec.usage.output_tokens) == (9, 33)
    assert rec.impacts is not None and "stream-incomplete" in rec.impacts.warnings
    assert af.impacts_of(first) is rec.impacts  # the last chunk consumed
