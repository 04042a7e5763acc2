"""Recorded HTTP exchanges, written by hand from each provider's API reference, and ways to serve them.

One JSON file per exchange, in ``tests/providers/exchanges/<provider>/<name>.json``::

    {
      "source": "API reference page the body was written from",
      "request": {"method": "POST", "path": "/v1/chat/completions", "json_subset": {"stream": true}},
      "response": {"status": 200, "headers": {"content-type": "application/json"},
                   "json": {...}}        # or "sse": [{"event": "...", "data": {...} or "[DONE]"}, ...]
                                          # or "ndjson": [{...}, ...], or "text": "...", or "body_hex": "..."
    }

Where SDK versions send the same call in two documented forms (a different path, a different model id in
the body), ``"request": {"one_of": [{...}, {...}]}`` lists them: a request must match one form entirely
(method, path and body together); ``Seen.form`` says which one it matched.

``Exchange.handler(httpx_module)`` serves it through ``httpx.MockTransport`` / ``httpx2.MockTransport``;
``Exchange.body()`` gives the raw bytes for a local HTTP server. Every request seen is kept in
``Exchange.requests`` (method, path, parsed JSON body) so tests can check what the SDK sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent / "exchanges"


@dataclass
class Seen:
    method: str
    path: str
    json: Any
    headers: dict[str, str]
    form: int = 0  # index of the request form it matched in ``"one_of"`` (0 without alternatives, -1: none)


def _mismatch(want: dict[str, Any], method: str, path: str, parsed: Any) -> str | None:
    """Why a request does not match one request form, or ``None`` when it does."""
    if "method" in want and method != want["method"]:
        return f"expected {want['method']}, SDK sent {method}"
    if "path" in want and path != want["path"]:
        return f"expected path {want['path']}, SDK sent {path}"
    for k, v in want.get("json_subset", {}).items():
        if not (isinstance(parsed, dict) and parsed.get(k) == v):
            return f"expected body {k}={v!r}, SDK sent {parsed!r}"
    return None


@dataclass
class Exchange:
    name: str
    data: dict[str, Any]
    requests: list[Seen] = field(default_factory=list)

    @property
    def status(self) -> int:
        return int(self.data["response"].get("status", 200))

    def headers(self) -> dict[str, str]:
        h = dict(self.data["response"].get("headers", {}))
        r = self.data["response"]
        if "content-type" not in {k.lower() for k in h}:
            if "sse" in r:
                h["content-type"] = "text/event-stream"
            elif "ndjson" in r:
                h["content-type"] = "application/x-ndjson"
            elif "json" in r:
                h["content-type"] = "application/json"
        return h

    def body(self) -> bytes:
        r = self.data["response"]
        if "json" in r:
            return json.dumps(r["json"]).encode()
        if "sse" in r:
            out = []
            for ev in r["sse"]:
                if "event" in ev:
                    out.append(f"event: {ev['event']}\n")
                d = ev["data"]
                out.append(f"data: {d if isinstance(d, str) else json.dumps(d)}\n\n")
            return "".join(out).encode()
        if "ndjson" in r:
            return "".join(json.dumps(x) + "\n" for x in r["ndjson"]).encode()
        if "text" in r:
            return str(r["text"]).encode()
        if "body_hex" in r:
            return bytes.fromhex(r["body_hex"])
        return b""

    def check_request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> None:
        want = self.data.get("request", {})
        parsed: Any = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        forms: list[dict[str, Any]] = want.get("one_of", [want])
        problems = [_mismatch(form, method, path, parsed) for form in forms]
        matched = next((i for i, problem in enumerate(problems) if problem is None), None)
        self.requests.append(Seen(method, path, parsed, headers, -1 if matched is None else matched))
        assert matched is not None, f"{self.name}: " + "; or ".join(str(p) for p in problems)

    def handler(self, httpx_module: Any) -> Callable[[Any], Any]:
        """A MockTransport handler for ``httpx`` or ``httpx2`` (pass the module)."""

        def handle(request: Any) -> Any:
            self.check_request(
                request.method,
                request.url.path,
                request.read(),
                {k.lower(): v for k, v in request.headers.items()},
            )
            return httpx_module.Response(self.status, headers=self.headers(), content=self.body())

        return handle

    def transport(self, httpx_module: Any) -> Any:
        return httpx_module.MockTransport(self.handler(httpx_module))


def load(name: str) -> Exchange:
    """``load("openai/chat_completion")`` -> a fresh :class:`Exchange` (its own request log)."""
    path = ROOT / f"{name}.json"
    return Exchange(name, json.loads(path.read_text("utf-8")))
