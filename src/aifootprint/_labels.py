"""``aifootprint.labels(...)``: labels attached to every ledger entry made inside, async-safe (contextvars).

    with aifootprint.labels(project="support-bot", feature="triage"):
        client.chat.completions.create(...)        # the entry carries both labels

    @aifootprint.labels(feature="summarise")       # sync or async functions
    async def summarise(text): ...

Labels nest (inner values win; ``None`` removes a label inside) and follow ``asyncio`` tasks and
``contextvars.copy_context()``; threads started inside do not inherit them unless given the context.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar, Token
from types import MappingProxyType, TracebackType
from typing import Any, Final, TypeVar

from .errors import InputError

EMPTY: Final[Mapping[str, str]] = MappingProxyType({})
LABELS: ContextVar[Mapping[str, str]] = ContextVar("aifootprint_labels", default=EMPTY)

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}\Z")
MAX_VALUE_CHARS: Final = 256

F = TypeVar("F", bound=Callable[..., Any])


def current_labels() -> Mapping[str, str]:
    """The labels in force here (read-only)."""
    return LABELS.get()


def _value(key: str, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        text = str(value)
        if len(text) > MAX_VALUE_CHARS:
            raise InputError(f"labels.{key}", f"a label value is at most {MAX_VALUE_CHARS} characters")
        return text
    raise InputError(
        f"labels.{key}",
        f"must be a str, int, float or bool (or None to remove it), got {type(value).__name__}",
    )


def check_labels(values: Mapping[str, object]) -> dict[str, str | None]:
    """Validated labels: keys like ``project`` or ``team.name``, values made strings (``None`` kept)."""
    out: dict[str, str | None] = {}
    for key, value in values.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise InputError(
                f"labels.{key}",
                "a label name starts with a letter or '_' and holds letters, digits, '_', '.', '-' "
                "(64 characters at most)",
            )
        out[key] = _value(key, value)
    return out


class labels:  # noqa: N801 - used like a function: ``with aifootprint.labels(project="x"):``
    """Attach labels to every entry recorded inside: ``with``, ``async with``, or as a decorator."""

    __slots__ = ("_add", "_tokens")

    def __init__(self, **values: object) -> None:
        self._add = check_labels(values)
        # The tokens of this object's open blocks, per context: one object may be entered by several
        # asyncio tasks or threads at once, each in its own context.
        self._tokens: ContextVar[tuple[Token[Mapping[str, str]], ...]] = ContextVar(
            "aifootprint_labels_tokens"
        )

    def _merged(self) -> Mapping[str, str]:
        merged = dict(LABELS.get())
        for k, v in self._add.items():
            if v is None:
                merged.pop(k, None)
            else:
                merged[k] = v
        return MappingProxyType(merged)

    def __enter__(self) -> Mapping[str, str]:
        merged = self._merged()
        self._tokens.set((*self._tokens.get(()), LABELS.set(merged)))
        return merged

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        *rest, token = self._tokens.get()
        self._tokens.set(tuple(rest))
        LABELS.reset(token)

    async def __aenter__(self) -> Mapping[str, str]:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(exc_type, exc, tb)

    def __call__(self, fn: F) -> F:
        if inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):
            raise InputError(
                "labels",
                f"cannot decorate the generator {getattr(fn, '__qualname__', fn)!r}: its body runs between "
                "the caller's steps; use `with aifootprint.labels(...)` around the code that consumes it",
            )
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                token = LABELS.set(self._merged())
                try:
                    return await fn(*args, **kwargs)
                finally:
                    LABELS.reset(token)

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            token = LABELS.set(self._merged())
            try:
                return fn(*args, **kwargs)
            finally:
                LABELS.reset(token)

        return wrapper  # type: ignore[return-value]

    def __repr__(self) -> str:
        return "labels(" + ", ".join(f"{k}={v!r}" for k, v in self._add.items()) + ")"
