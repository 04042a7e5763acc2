"""Dates and periods given on the command line: ``2026-01-01``, ``2026-01-01T12:00+02:00``, ``30d``."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

from ..errors import InputError

_RELATIVE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])\Z")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_when(text: str, field: str, *, now: float | None = None) -> float:
    """Unix time of an ISO date (midnight UTC), an ISO date-time (UTC unless it has an offset), ``now``,
    or a duration before now (``90m``, ``12h``, ``30d``, ``2w``)."""
    s = text.strip()
    if s.lower() == "now":
        return time.time() if now is None else now
    m = _RELATIVE.match(s.lower())
    if m:
        return (time.time() if now is None else now) - float(m.group(1)) * _SECONDS[m.group(2)]
    try:
        dt = iso_datetime(s)
    except ValueError:
        raise InputError(
            field,
            f"{text!r} is not a date: use 2026-01-31, 2026-01-31T14:00, 2026-01-31T14:00+01:00, "
            "or a duration before now such as 30d, 12h",
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def iso_datetime(text: str) -> datetime:
    """``datetime.fromisoformat`` that also takes a ``Z`` suffix on Python 3.10 (naive stays naive)."""
    s = text.strip()
    return datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s)


def year_range(year: int) -> tuple[float, float]:
    start = datetime(year, 1, 1, tzinfo=timezone.utc).timestamp()
    end = datetime(year + 1, 1, 1, tzinfo=timezone.utc).timestamp()
    return start, end


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat().replace("+00:00", "Z")
