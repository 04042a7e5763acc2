from __future__ import annotations

from collections.abc import Iterator

import pytest

import aifootprint as af
from aifootprint._log import reset_log_once
from aifootprint.instrumentation import CallRecord


@pytest.fixture(autouse=True)
def _uninstrumented(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts and ends with no SDK instrumented and a fresh log-once memory; fake API keys."""
    for key in (
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "MISTRAL_API_KEY",
        "CO_API_KEY",
        "GOOGLE_API_KEY",
        "GEMINI_API_KEY",
        "HF_TOKEN",
        "GROQ_API_KEY",
        "TOGETHER_API_KEY",
    ):
        monkeypatch.setenv(key, "test-key")
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    af.uninstrument()
    reset_log_once()
    yield
    af.uninstrument()


class Records:
    """Call records seen by a listener while instrumented."""

    def __init__(self) -> None:
        self.items: list[CallRecord] = []

    def __call__(self, rec: CallRecord) -> None:
        self.items.append(rec)


@pytest.fixture
def records() -> Iterator[Records]:
    """Instrument every installed SDK (strict) and collect the call records."""
    af.instrument(strict=True)
    recs = Records()
    remove = af.add_listener(recs)
    yield recs
    remove()
