"""Public records of instrumented calls: :class:`TokenUsage` and :class:`CallRecord`, and the stable codes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal

from .._labels import EMPTY

if TYPE_CHECKING:
    from ..records import Impacts

#: Why an instrumented call has no impacts (``CallRecord.error``); documented in docs/instrumentation.md.
ERROR_CODES: Final[dict[str, str]] = {
    "model-not-registered": "the model is not in the catalogue; register it to get impacts",
    "usage-missing": "the provider reported no token usage and there was no text to count",
    "operation-not-modelled": "this kind of call (e.g. image generation) has no impact model yet",
    "estimation-failed": "aifootprint failed while estimating; the call itself was not affected",
    "not-instrumented": "the object does not come from an instrumented call",
}

UsageSource = Literal["reported", "counted"]


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens of one call: the provider's counts (``reported``) or counted from streamed text (``counted``).

    ``output_tokens`` includes ``reasoning_tokens``; ``input_tokens`` includes ``cached_input_tokens``.
    """

    input_tokens: int
    output_tokens: int
    reasoning_tokens: int = 0
    cached_input_tokens: int = 0
    source: UsageSource = "reported"
    input_source: UsageSource = "reported"


@dataclass(slots=True)
class CallRecord:
    """One instrumented SDK call: what was asked, what the provider reported, timing and impacts.

    ``impacts`` is ``None`` exactly when ``error`` holds a code from :data:`ERROR_CODES` (``message`` says
    more and how to fix it). ``labels`` are those of ``aifootprint.labels(...)`` where the call was
    made. ``complete`` is False for a stream closed before its end (the impacts then
    cover what was consumed). Times are seconds; ``started_at`` is a Unix timestamp. ``model`` is the model
    the call named, or the provider's documented default when it named none (warning ``model-defaulted``).
    ``server`` is the base URL without user, password, query or fragment (never credentials).
    """

    provider: str
    model: str | None
    response_model: str | None
    operation: str
    stream: bool
    server: str | None
    started_at: float
    latency_s: float | None = None
    ttft_s: float | None = None
    usage: TokenUsage | None = None
    impacts: Impacts | None = None
    error: str | None = None
    message: str | None = None
    complete: bool = True
    instrument: str = ""  # name of the instrumented SDK ("openai", "litellm", ...)
    labels: Mapping[str, str] = field(default_factory=lambda: EMPTY)  # aifootprint.labels(...) at the call
