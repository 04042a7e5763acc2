"""A small threaded HTTP server on 127.0.0.1 that serves one recorded :class:`Exchange`.

For SDKs that do not use httpx (botocore uses urllib3), so a ``MockTransport`` cannot reach them::

    with LocalServer(exchange) as url:           # "http://127.0.0.1:<port>"
        client = make_client(endpoint_url=url)
        result = client.call(...)

Every request gets the exchange's response and is checked and logged by ``Exchange.check_request``
(``exchange.requests``). Besides the body kinds of :mod:`.exchanges`, a response may hold
``"eventstream": [{"headers": {":event-type": ...}, "payload": {...}}, ...]``: AWS event-stream messages
(``application/vnd.amazon.eventstream``), encoded here at serve time. Inside a payload,
``{"$base64json": X}`` becomes the base64 of ``json.dumps(X)`` (Bedrock ``PayloadPart.bytes``).

The server sends no ``Date``/``Server`` headers, so two calls on the same exchange get byte-identical
responses; it answers in HTTP/1.0 (one request per connection, body delimited by Content-Length).
Closing it waits for the handler threads, so a response that the client reads later (a stream) has
already been written in full to the socket.
"""

from __future__ import annotations

import base64
import json
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from .exchanges import Exchange

T = TypeVar("T")

_STRING_HEADER = 7  # event-stream header value type "string"


def _expand(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$base64json"}:
            return base64.b64encode(json.dumps(value["$base64json"], separators=(",", ":")).encode()).decode()
        return {k: _expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v) for v in value]
    return value


def encode_event(headers: dict[str, str], payload: bytes) -> bytes:
    """One AWS event-stream message: prelude (total length, headers length, CRC32), headers, payload, CRC32.

    Format: https://docs.aws.amazon.com/AmazonS3/latest/API/RESTSelectObjectAppendix.html
    (string headers only: ``name-length(1) name type(1)=7 value-length(2) value``).
    """
    hdr = b""
    for name, value in headers.items():
        n, v = name.encode(), value.encode()
        hdr += struct.pack("!B", len(n)) + n + struct.pack("!BH", _STRING_HEADER, len(v)) + v
    total = 12 + len(hdr) + len(payload) + 4
    prelude = struct.pack("!II", total, len(hdr))
    prelude += struct.pack("!I", zlib.crc32(prelude))
    message = prelude + hdr + payload
    return message + struct.pack("!I", zlib.crc32(message))


def encode_eventstream(events: list[dict[str, Any]]) -> bytes:
    """Messages for ``[{"headers": {...}, "payload": {...} | "text"}, ...]`` concatenated."""
    out = b""
    for ev in events:
        payload = ev.get("payload", {})
        raw = payload.encode() if isinstance(payload, str) else json.dumps(_expand(payload)).encode()
        out += encode_event(dict(ev.get("headers", {})), raw)
    return out


def response_body(exchange: Exchange) -> bytes:
    r = exchange.data["response"]
    if "eventstream" in r:
        return encode_eventstream(r["eventstream"])
    return exchange.body()


def response_headers(exchange: Exchange) -> dict[str, str]:
    h = exchange.headers()
    if "eventstream" in exchange.data["response"] and "content-type" not in {k.lower() for k in h}:
        h["content-type"] = "application/vnd.amazon.eventstream"
    return h


class LocalServer:
    """Serves ``exchange`` on ``http://127.0.0.1:<free port>`` from a background thread."""

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self._body = response_body(exchange)
        self._headers = response_headers(exchange)
        self._errors: list[BaseException] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                try:
                    server.exchange.check_request(
                        self.command, self.path, body, {k.lower(): v for k, v in self.headers.items()}
                    )
                except AssertionError as exc:  # reported by close(); the client gets a 599
                    server._errors.append(exc)
                    self.send_response_only(599)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                self.send_response_only(server.exchange.status)
                for k, v in server._headers.items():
                    if k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("content-length", str(len(server._body)))
                self.end_headers()
                self.wfile.write(server._body)

            do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815 (http.server's names)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = False  # close() joins the handlers: responses are fully written
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
        if self._errors:
            raise self._errors[0]

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextmanager
def serve(exchange: Exchange) -> Iterator[str]:
    """``with serve(exchange) as url:`` -> base URL of a :class:`LocalServer` for the block."""
    srv = LocalServer(exchange)
    try:
        yield srv.url
    finally:
        srv.close()


def call_served(exchange: Exchange, call: Callable[[str], T]) -> T:
    """``call(url)`` against a server that lives for the call only (a returned stream stays readable)."""
    with serve(exchange) as url:
        return call(url)
