"""The shared contract, run on every call shape of every provider (see contract.py)."""

from __future__ import annotations

import importlib
import logging
from typing import Any

import pytest

import aifootprint as af
from aifootprint.instrumentation.runtime import Runtime
from aifootprint.providers import PROVIDER_MODULES

from .conftest import Records
from .contract import Case


def _cases() -> list[Case]:
    out: list[Case] = []
    for name in PROVIDER_MODULES:
        try:
            mod = importlib.import_module(f"{__package__}.cases_{name}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.endswith(f"cases_{name}"):
                continue
            raise
        out.extend(mod.CASES)
    return out


CASES = _cases()
STREAMS = [c for c in CASES if c.is_stream]
ERRORS = [c for c in CASES if c.error_exchange]


def _dump(x: Any) -> Any:
    if hasattr(x, "model_dump"):
        return x.model_dump(warnings=False)
    if isinstance(x, (dict, list, str, int, float, type(None))):
        return x
    return repr(x.__class__)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_result_unchanged(case: Case) -> None:
    plain, plain_holder, plain_last = case.call()
    af.instrument(strict=True)
    result, holder, last = case.call()
    assert result.__class__ is plain.__class__
    assert isinstance(result, plain.__class__)
    assert holder.__class__ is plain_holder.__class__
    if case.dumps:
        assert _dump(holder) == _dump(plain_holder)
        assert _dump(last) == _dump(plain_last)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_impacts_from_reported_usage(case: Case, records: Records) -> None:
    result, holder, last = case.call()
    imp = af.impacts_of(holder)
    assert imp is not None, af.record_of(holder)
    assert getattr(holder, "impacts", imp) is imp
    assert imp.energy.value > 0 and imp.gwp.low <= imp.gwp.value <= imp.gwp.high
    assert imp.model == case.model
    assert len(records.items) == 1, records.items  # exactly one record: nested SDK calls not counted
    rec = records.items[0]
    assert rec.error is None
    assert rec.usage is not None
    assert (rec.usage.input_tokens, rec.usage.output_tokens) == (case.input_tokens, case.output_tokens)
    assert rec.usage.source == case.usage_source
    assert rec.usage.reasoning_tokens == case.reasoning_tokens
    assert rec.usage.cached_input_tokens == case.cached_input_tokens
    assert rec.latency_s is not None and rec.latency_s >= 0
    if case.is_stream:
        assert rec.stream and rec.complete
        assert rec.ttft_s is not None and rec.ttft_s <= rec.latency_s
        if last is not None:
            assert af.impacts_of(last) is imp
    assert af.impacts_of(result) is imp or case.shape in ("manager", "async_manager")


@pytest.mark.parametrize("case", ERRORS, ids=lambda c: c.id)
def test_sdk_errors_propagate_unchanged(case: Case, records: Records) -> None:
    with pytest.raises(Exception) as info:
        case.call(case.exchange_obj(case.error_exchange))
    exc_type = type(info.value)
    assert f"{exc_type.__module__}.{exc_type.__qualname__}".endswith(case.error_type or "?") or any(
        f"{t.__module__}.{t.__qualname__}" == case.error_type for t in exc_type.__mro__
    ), exc_type
    assert records.items == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_internal_failure_never_breaks_the_call(
    case: Case, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _plain, plain_holder, _plain_last = case.call()

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("estimator exploded")

    monkeypatch.setattr(Runtime, "estimate", boom)
    af.instrument(strict=False)
    with caplog.at_level(logging.WARNING, logger="aifootprint"):
        for _ in range(2):
            _result, holder, _last = case.call()
            assert holder.__class__ is plain_holder.__class__
            if case.dumps:
                assert _dump(holder) == _dump(plain_holder)
            assert af.impacts_of(holder) is None
            rec = af.record_of(holder)
            assert rec is not None and rec.error == "estimation-failed"
    logged = [r for r in caplog.records if "internal error" in r.getMessage()]
    assert len(logged) == 1


@pytest.mark.parametrize(
    "case", [c for c in STREAMS if c.shape in ("stream", "async_stream")], ids=lambda c: c.id
)
def test_stream_closed_early_records_what_was_consumed(case: Case, records: Records) -> None:
    import asyncio

    async def first_then_close_async(stream: Any) -> Any:
        async for _item in stream:
            break
        close = getattr(stream, "aclose", None) or getattr(stream, "close", None)
        if close is not None:
            r = close()
            if hasattr(r, "__await__"):
                await r
        elif hasattr(
            stream.__class__, "__aexit__"
        ):  # closes only through its context manager (mistralai < 2.10.1)
            await stream.__aexit__(None, None, None)
        else:  # no way to close (litellm): reading the impacts finalises with what was consumed
            assert stream.impacts is not None or af.record_of(stream) is not None
        return stream

    ex = case.exchange_obj()
    if case.is_async:

        async def go() -> Any:
            s = case.run(ex)
            if hasattr(s, "__await__"):
                s = await s
            return await first_then_close_async(s)

        stream = asyncio.run(go())
    else:
        stream = case.run(ex)
        for _item in stream:
            break
        if hasattr(stream, "close"):
            stream.close()
        elif hasattr(stream.__class__, "__exit__"):
            stream.__exit__(None, None, None)
        else:
            assert stream.impacts is not None or af.record_of(stream) is not None
    assert len(records.items) == 1
    rec = records.items[0]
    assert rec.stream and not rec.complete
    assert rec.impacts is not None or rec.error == "usage-missing"
    if rec.impacts is not None:
        assert "stream-incomplete" in rec.impacts.warnings
    assert af.record_of(stream) is rec
