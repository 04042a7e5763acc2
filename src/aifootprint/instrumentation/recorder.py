"""The sans-IO recorder: one per instrumented call, from request to a :class:`CallRecord`, finalised once.

``start -> observe_response(result)`` for plain calls, ``start -> on_chunk()* -> finish()`` for streams.
It never touches the SDK's result beyond what the provider module reads, and it never raises while
``strict`` is off: a failure of ours becomes ``impacts=None`` with code ``estimation-failed`` and one
logged warning.
"""

from __future__ import annotations

import time
from typing import Any

from .._call import CallRecord, TokenUsage
from .._labels import LABELS
from ..ledger.entry import redact_url
from ..providers._base import Adapter, Observed, Request, WrapSpec, tokens_from_chars
from . import attach
from .runtime import NoImpactsError, Runtime

_perf = time.perf_counter


class Recorder:
    __slots__ = (
        "abandoned",
        "adapter",
        "args",
        "containers",
        "kwargs",
        "labels",
        "observed",
        "record",
        "request",
        "rt",
        "spec",
        "t0",
        "t_end",
        "t_first",
        "wall0",
    )

    def __init__(
        self,
        rt: Runtime,
        adapter: Adapter,
        spec: WrapSpec,
        request: Request,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        self.rt = rt
        self.adapter = adapter
        self.spec = spec
        self.request = request
        self.args = args
        self.kwargs = kwargs
        self.observed = Observed()
        self.labels = LABELS.get()
        self.record: CallRecord | None = None
        self.wall0 = time.time()
        self.t0 = _perf()
        self.t_first: float | None = None
        self.t_end: float | None = None
        self.abandoned = False
        self.containers: tuple[object, ...] = ()  # results holding the stream (boto3 dicts): get impacts too

    def abandon(self) -> None:
        """The call failed before producing anything (the SDK raised): record nothing."""
        self.abandoned = True

    def restart_clock(self) -> None:
        """Async calls: the request starts when the coroutine is awaited, not when it is created."""
        self.t0 = _perf()
        self.wall0 = time.time()

    def mark_end(self) -> None:
        if self.t_end is None:
            self.t_end = _perf()

    # -- plain responses ---------------------------------------------------------------------------------
    def on_response(self, result: object) -> CallRecord | None:
        """A complete response arrived: read its usage, estimate, attach impacts to it."""
        self.mark_end()
        if self.record is not None:
            return self.record
        try:
            self.adapter.observe_response(result, self.observed)
        except Exception:
            self.rt.internal_error("observe_response", self.adapter.name)
        rec = self.finish(complete=True)
        if rec is not None:
            attach.attach(result, rec)
        return rec

    # -- streams -------------------------------------------------------------------------------------------
    def on_chunk(self, chunk: object) -> None:
        now = _perf()
        if self.t_first is None:
            self.t_first = now
        self.t_end = now
        try:
            self.adapter.observe_chunk(chunk, self.observed)
        except Exception:
            self.rt.internal_error("observe_chunk", self.adapter.name)

    def on_final(self, result: object) -> None:
        """The final object returned by a stream helper (``get_final_message()``)."""
        try:
            self.adapter.observe_response(result, self.observed)
        except Exception:
            self.rt.internal_error("observe_response", self.adapter.name)

    def on_stream_end(self, stream: object) -> None:
        hook = self.adapter.observe_stream_end
        if hook is not None:
            try:
                hook(stream, self.observed)
            except Exception:
                self.rt.internal_error("observe_stream_end", self.adapter.name)

    # -- finalisation ----------------------------------------------------------------------------------------
    def finish(self, *, complete: bool) -> CallRecord | None:
        """Build the record and estimate impacts, exactly once; later calls return the same record."""
        if self.record is not None or self.abandoned:
            return self.record
        req = self.request
        self.mark_end()
        t_end = self.t_end if self.t_end is not None else _perf()
        rec = CallRecord(
            provider=req.provider,
            model=req.model,
            response_model=self.observed.model,
            operation=req.operation,
            stream=self.spec.result != "auto" or req.stream,
            server=redact_url(req.server),  # never credentials; the lookups use req.server
            started_at=self.wall0,
            latency_s=max(t_end - self.t0, 0.0),
            ttft_s=None if self.t_first is None else max(self.t_first - self.t0, 0.0),
            complete=complete,
            instrument=self.adapter.name,
            labels=self.labels,
        )
        self.record = rec
        try:
            rec.usage = self._usage()
            if req.operation == "image":
                raise NoImpactsError(
                    "operation-not-modelled",
                    "image generation has no impact model yet; the call is recorded without impacts",
                )
            if rec.usage is None:
                raise NoImpactsError(
                    "usage-missing",
                    f"{req.provider} reported no token usage for this call and no text to count",
                )
            imp = self.rt.estimate(req, rec.response_model, rec.usage, rec.latency_s)
            if not complete:
                imp = imp.with_warnings(("stream-incomplete",))
            rec.impacts = imp
        except NoImpactsError as exc:
            rec.error, rec.message = exc.code, exc.message
            if exc.code != "operation-not-modelled":
                from .._log import log_once

                log_once(("no-impacts", exc.code, req.provider, req.model), "aifootprint: %s", exc.message)
        except Exception as exc:
            rec.error, rec.message = "estimation-failed", f"{type(exc).__name__}: {exc}"
            self.rt.internal_error("estimate", self.adapter.name)
        self.rt.emit(rec)
        return rec

    def _usage(self) -> TokenUsage | None:
        o = self.observed
        if o.output_tokens is not None or o.input_tokens is not None:
            out = o.output_tokens
            src = "reported"
            if out is None:
                out, src = tokens_from_chars(o.text_chars), "counted"
            inp = o.input_tokens
            in_src = "reported"
            if inp is None:
                inp, in_src = self._count_input(), "counted"
            return TokenUsage(
                input_tokens=inp,
                output_tokens=out,
                reasoning_tokens=o.reasoning_tokens or 0,
                cached_input_tokens=o.cached_input_tokens or 0,
                source=src,  # type: ignore[arg-type]
                input_source=in_src,  # type: ignore[arg-type]
            )
        if o.text_chunks or o.text_chars:
            # No usage report (e.g. OpenAI streams without stream_options.include_usage): count.
            out = max(tokens_from_chars(o.text_chars), o.text_chunks)  # a content chunk holds >= 1 token
            return TokenUsage(
                input_tokens=self._count_input(),
                output_tokens=out,
                source="counted",
                input_source="counted",
            )
        return None

    def _count_input(self) -> int:
        try:
            n = self.adapter.count_input(self.args, self.kwargs)
        except Exception:
            self.rt.internal_error("count_input", self.adapter.name)
            n = None
        return n or 0
