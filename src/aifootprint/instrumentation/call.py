"""The record of one instrumented call: :class:`CallRecord` (its tokens: :class:`~aifootprint.TokenUsage`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .._labels import EMPTY

if TYPE_CHECKING:
    from .._values import Impacts, TokenUsage


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
