"""The record of one instrumented call: :class:`CallRecord` and its :class:`TokenUsage` (public value types;
the ledger entry of the call holds the record). Apart from :mod:`._values` so that a measurement's first
stop, which builds impacts, does not create these classes too."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ._values import Impacts


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


def _no_labels() -> Mapping[str, str]:
    from ._labels import EMPTY  # here: the labels module is not needed to build value types

    return EMPTY


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
    labels: Mapping[str, str] = field(default_factory=_no_labels)  # aifootprint.labels(...) at the call
