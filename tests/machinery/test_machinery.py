"""The instrumentation machinery on a fake SDK: every result kind, failure paths, registry behaviour."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Iterator
from typing import Any

import pytest

import aifootprint as af
from aifootprint._log import reset_log_once
from aifootprint.instrumentation import CallRecord
from aifootprint.providers import PROVIDER_MODULES

from . import fake_provider, fake_sdk

MODEL = "gpt-4o-mini"


@pytest.fixture
def records(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[CallRecord]]:
    monkeypatch.setitem(PROVIDER_MODULES, "fake", fake_provider.__name__)
    af.uninstrument()
    reset_log_once()
    af.instrument(["fake"], strict=True)
    out: list[CallRecord] = []
    remove = af.add_listener(out.append)
    yield out
    remove()
    af.uninstrument()


def test_plain_response(records: list[CallRecord]) -> None:
    r = fake_sdk.Client().chat(MODEL, 4)
    assert type(r) is fake_sdk.Response  # the very object, not a copy or a proxy
    assert r.impacts is af.impacts_of(r) is records[0].impacts
    assert records[0].usage == af.TokenUsage(7, 4)
    assert records[0].model == MODEL and records[0].response_model == MODEL


def test_no_usage_and_no_text_is_usage_missing(records: list[CallRecord]) -> None:
    r = fake_sdk.Client().chat(MODEL, usage=False)
    assert r.impacts is None and records[0].error == "usage-missing"


def test_sdk_exception_propagates_and_records_nothing(records: list[CallRecord]) -> None:
    with pytest.raises(fake_sdk.SDKError, match="bad request"):
        fake_sdk.Client().chat(MODEL, fail=True)
    assert records == []


def test_not_ours_passes_through(records: list[CallRecord]) -> None:
    r = fake_sdk.Client().chat("not-ours")
    assert not hasattr(r, "impacts") and records == []


def test_nested_instrumented_calls_count_once(records: list[CallRecord]) -> None:
    fake_sdk.Client().outer(MODEL)
    assert len(records) == 1


def test_stream_finalised_once_at_exhaustion(records: list[CallRecord]) -> None:
    s = fake_sdk.Client().chat(MODEL, 3, stream=True)
    assert isinstance(s, fake_sdk.Stream)
    items = list(s)
    assert len(items) == 4 and len(records) == 1
    assert items[-1].impacts is s.impacts is records[0].impacts
    assert records[0].usage == af.TokenUsage(7, 3) and records[0].complete
    s.close()
    assert len(records) == 1 and s.closed


def test_stream_without_usage_is_counted(records: list[CallRecord]) -> None:
    list(fake_sdk.Client().chat(MODEL, 10, stream=True, usage=False))
    u = records[0].usage
    assert u == af.TokenUsage(5, 10, source="counted", input_source="counted")  # 40 chars / 4, 10 chunks
    assert records[0].impacts is not None and "usage-counted" in records[0].impacts.warnings


def test_stream_error_midway_records_what_was_consumed(records: list[CallRecord]) -> None:
    s = fake_sdk.Client().chat(MODEL, 5, stream=True, usage=False, fail_at=2)
    with pytest.raises(fake_sdk.SDKError):
        list(s)
    assert len(records) == 1 and not records[0].complete
    assert records[0].usage is not None and records[0].usage.output_tokens == 2


def test_stream_error_before_first_chunk_records_nothing(records: list[CallRecord]) -> None:
    s = fake_sdk.Client().chat(MODEL, 5, stream=True, fail_at=0)
    with pytest.raises(fake_sdk.SDKError):
        next(s)
    del s
    gc.collect()
    assert records == []


def test_context_exit_finalises(records: list[CallRecord]) -> None:
    with fake_sdk.Client().chat(MODEL, 3, stream=True) as s:
        next(s)
    assert len(records) == 1 and not records[0].complete and s.closed


def test_async_stream(records: list[CallRecord]) -> None:
    async def go() -> Any:
        s = await fake_sdk.Client().achat(MODEL, 3, stream=True)
        assert isinstance(s, fake_sdk.AsyncStream)
        return s, [c async for c in s]

    s, items = asyncio.run(go())
    assert len(items) == 4 and records[0].complete and s.impacts is records[0].impacts


def test_async_stream_close_finalises(records: list[CallRecord]) -> None:
    async def go() -> None:
        s = await fake_sdk.Client().achat(MODEL, 3, stream=True)
        await s.__anext__()
        await s.close()

    asyncio.run(go())
    assert len(records) == 1 and not records[0].complete


def test_manager_and_final_method(records: list[CallRecord]) -> None:
    m = fake_sdk.Client().stream_manager(MODEL, 3)
    with m as s:
        text = s.helper_text()  # consumes the stream inside the SDK, not through the proxy
    assert text == "abcd" * 3
    assert len(records) == 1 and records[0].complete
    assert m.impacts is s.impacts is records[0].impacts


def test_stream_slot_in_a_container(records: list[CallRecord]) -> None:
    box = fake_sdk.Client().boxed(MODEL, 2)
    assert type(box) is dict and isinstance(box["stream"], fake_sdk.Stream)
    list(box["stream"])
    assert af.impacts_of(box["stream"]) is records[0].impacts
    assert af.impacts_of(box) is records[0].impacts  # the dict the call returned, through the side table


def test_stream_class_refusing_proxies_is_observed_in_place(records: list[CallRecord]) -> None:
    s = fake_sdk.Client().legacy(MODEL, 3)
    assert type(s) is fake_sdk.LegacyStream and isinstance(s, fake_sdk.LegacyStream)
    items = list(s)
    assert len(items) == 4 and len(records) == 1 and records[0].complete
    assert s.impacts is af.impacts_of(s) is items[-1].impacts


def test_stream_refusing_proxies_closed_early(records: list[CallRecord]) -> None:
    s = fake_sdk.Client().legacy(MODEL, 3)
    for _ in s:
        break
    s.close()
    assert len(records) == 1 and not records[0].complete


def test_dicts_reach_impacts_through_the_side_table() -> None:
    from aifootprint.instrumentation import attach

    rec = CallRecord("p", "m", None, "chat", False, None, 0.0)
    d: dict[str, int] = {}
    attach.attach(d, rec)
    assert af.record_of(d) is rec and af.record_of({}) is None


def test_missing_methods_and_modules_are_skipped(records: list[CallRecord]) -> None:
    assert "fake" in af.instrumentation.instrumented()
    assert not hasattr(fake_sdk.Client, "missing_in_this_version")


def test_old_sdk_version_is_skipped_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import dataclasses

    monkeypatch.setitem(PROVIDER_MODULES, "fake", fake_provider.__name__)
    monkeypatch.setattr(
        fake_provider, "ADAPTER", dataclasses.replace(fake_provider.ADAPTER, min_version="999.0")
    )
    af.uninstrument()
    reset_log_once()
    with caplog.at_level(logging.WARNING, logger="aifootprint"):
        af.instrument(["fake"])
        af.instrument(["fake"])
    assert "fake" not in af.instrumentation.instrumented()
    msgs = [r.getMessage() for r in caplog.records if "older than the oldest supported" in r.getMessage()]
    assert len(msgs) == 1
    r = fake_sdk.Client().chat(MODEL)
    assert not hasattr(r, "impacts")


def test_uninstrument_one_provider_keeps_the_others(records: list[CallRecord]) -> None:
    af.uninstrument(["fake"])
    assert "chat" in vars(fake_sdk.Client) and not hasattr(vars(fake_sdk.Client)["chat"], "__wrapped__")


def test_listener_failure_never_breaks_the_call(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(PROVIDER_MODULES, "fake", fake_provider.__name__)
    af.uninstrument()
    af.instrument(["fake"])

    def bad(rec: CallRecord) -> None:
        raise ValueError("listener bug")

    remove = af.add_listener(bad)
    with caplog.at_level(logging.WARNING, logger="aifootprint"):
        r = fake_sdk.Client().chat(MODEL)
    remove()
    af.uninstrument()
    assert r.impacts is not None
    assert any("listener failed" in m.getMessage() for m in caplog.records)


def test_impacts_of_required_codes() -> None:
    with pytest.raises(af.ImpactsUnavailableError) as info:
        af.impacts_of(object(), required=True)
    assert info.value.code == "not-instrumented"


def test_add_listener_needs_instrument() -> None:
    af.uninstrument()
    with pytest.raises(af.AifootprintError, match="instrument"):
        af.add_listener(lambda r: None)
