"""The active instrumented call of the current thread / asyncio task.

While an instrumented call runs, nested instrumented SDK calls (LiteLLM calling the OpenAI SDK, a stream
helper calling ``create``) pass through untouched, so each user call is counted once: the outermost wins.
"""

from __future__ import annotations

from contextvars import ContextVar

ACTIVE: ContextVar[object | None] = ContextVar("aifootprint_active_call", default=None)
