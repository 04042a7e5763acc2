"""One ledger entry: an instrumented API call (``kind="api"``) or a local run (``kind="local"``).

Entries carry no prompt or response text and no credentials: the endpoint is kept as ``host[:port]`` only.
Impacts may be lazy (computed on first read, in the ledger's writer thread rather than the caller's).

The entry of an instrumented call holds that call's :class:`~aifootprint.CallRecord` (``entry.call``) and
reads its fields from it: one record per call, nothing copied on the caller's thread. Local runs and
imported rows hold their own fields (``entry.call`` is ``None``).
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import attrgetter
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from .._labels import EMPTY

if TYPE_CHECKING:
    from .._call import CallRecord, TokenUsage
    from .._values import Impacts

Kind = Literal["api", "local"]
EnergyMethod = Literal["estimated", "measured", "mixed"]


class Entry:
    """What the ledger records for one call or run (see docs/ledger.md for every field).

    ``ts`` is the start as a Unix timestamp (seconds, UTC). ``source`` says what recorded the entry: the
    instrumented SDK (``openai``, ``litellm``...), ``measure`` for local measurements, ``codecarbon`` for
    imported CodeCarbon runs. ``energy_method`` is ``estimated`` (API calls, modelled devices),
    ``measured`` (energy counters) or ``mixed`` (a local run with both). ``external_id`` identifies an
    imported row so importing twice adds nothing. ``impacts`` is ``None`` exactly when ``error`` holds a
    code (``model-not-registered``...). ``call`` is the :class:`~aifootprint.CallRecord` of an
    instrumented call, whose fields the entry's are (read-only there), else ``None``.
    """

    __slots__ = (
        "call",
        "complete",
        "duration_s",
        "energy_method",
        "error",
        "external_id",
        "impacts",
        "kind",
        "labels",
        "latency_s",
        "model",
        "operation",
        "provider",
        "response_model",
        "server",
        "source",
        "stream",
        "ts",
        "ttft_s",
        "usage",
    )

    def __init__(
        self,
        *,
        kind: Kind,
        ts: float,
        source: str,
        impacts: Impacts | None,
        provider: str | None = None,
        model: str | None = None,
        response_model: str | None = None,
        operation: str | None = None,
        stream: bool = False,
        server: str | None = None,
        usage: TokenUsage | None = None,
        latency_s: float | None = None,
        ttft_s: float | None = None,
        duration_s: float | None = None,
        complete: bool = True,
        error: str | None = None,
        energy_method: EnergyMethod = "estimated",
        labels: Mapping[str, str] = EMPTY,
        external_id: str | None = None,
    ) -> None:
        self.call: CallRecord | None = None
        self.kind = kind
        self.ts = ts
        self.source = source
        self.impacts = impacts
        self.provider = provider
        self.model = model
        self.response_model = response_model
        self.operation = operation
        self.stream = stream
        self.server = server
        self.usage = usage
        self.latency_s = latency_s
        self.ttft_s = ttft_s
        self.duration_s = duration_s
        self.complete = complete
        self.error = error
        self.energy_method = energy_method
        self.labels = labels
        self.external_id = external_id

    @staticmethod
    def from_call(rec: CallRecord) -> Entry:
        """The entry of an instrumented call: it holds ``rec`` (nothing is copied or computed here)."""
        e = _new_entry(_CallEntry)  # no __init__ to run: the one field is set here
        e.call = rec
        return e

    def __repr__(self) -> str:
        what = self.model or self.operation or "?"
        return f"Entry({self.kind}, {self.source}, {what!r}, ts={self.ts:.3f}, error={self.error!r})"


class _CallEntry(Entry):
    """The entry of an instrumented call: a view of its :class:`CallRecord` (``self.call``), whose fields
    are read when asked for (by the ledger's writer, telemetry), never copied on the caller's thread."""

    __slots__ = ()

    if not TYPE_CHECKING:  # the types are Entry's; these read-only properties shadow its slots
        kind = "api"
        duration_s = None
        energy_method = "estimated"
        external_id = None
        ts = property(attrgetter("call.started_at"))
        source = property(lambda self: self.call.instrument or self.call.provider)
        impacts = property(attrgetter("call.impacts"))
        provider = property(attrgetter("call.provider"))
        model = property(lambda self: self.call.model or self.call.response_model)
        response_model = property(attrgetter("call.response_model"))
        operation = property(attrgetter("call.operation"))
        stream = property(attrgetter("call.stream"))
        server = property(attrgetter("call.server"))
        usage = property(attrgetter("call.usage"))
        latency_s = property(attrgetter("call.latency_s"))
        ttft_s = property(attrgetter("call.ttft_s"))
        complete = property(attrgetter("call.complete"))
        error = property(attrgetter("call.error"))
        labels = property(attrgetter("call.labels"))


_new_entry = object.__new__


_urls: dict[str, tuple[str | None, int | None, str | None]] = {}


def _url_parts(server: str) -> tuple[str | None, int | None, str | None]:
    """(host, port, URL without credentials) of an endpoint URL: the one parser behind
    :func:`server_address`, :func:`server_host` and :func:`redact_url`. Cached per URL (an application talks
    to few servers)."""
    found = _urls.get(server)
    if found is None:
        try:
            parts = urlsplit(server if "://" in server else f"//{server}")
        except ValueError:
            found = (None, None, None)
        else:
            hostport = parts.netloc.rpartition("@")[2]  # user:password@ dropped
            shown = f"{parts.scheme}://{hostport}{parts.path}" if parts.scheme else f"{hostport}{parts.path}"
            try:
                port = parts.port
            except ValueError:  # not a number, or out of range
                port = None
            found = (parts.hostname, port, shown)
        if len(_urls) < 1024:
            _urls[server] = found
    return found


def server_address(server: str | None) -> tuple[str | None, int | None]:
    """``https://user:key@api.example.com:8443/v1?x=y`` -> (``api.example.com``, 8443); never credentials."""
    if not server:
        return None, None
    host, port, _ = _url_parts(server)
    return host, port


def server_host(server: str | None) -> str | None:
    """``host[:port]`` of an endpoint URL, as the ledger stores it."""
    host, port = server_address(server)
    return None if host is None else (f"{host}:{port}" if port else host)


def redact_url(server: str | None) -> str | None:
    """``https://user:key@api.example.com:8443/v1?api_key=k#x`` -> ``https://api.example.com:8443/v1``.

    The URL as records, log lines and error messages show it: without user and password and without the query
    and fragment (where keys and tokens are put), all of them dropped whatever their names. ``None`` when the
    URL cannot be parsed."""
    if not server:
        return None
    return _url_parts(server)[2]
