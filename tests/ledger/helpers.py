"""Entries with real impacts for ledger tests, and an OpenAI client answering offline."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aifootprint as af
from aifootprint import TokenUsage
from aifootprint.ledger import Entry

T0 = 1_790_000_000.0  # 2026-09-21T21:33:20Z


def entry(
    i: int = 0,
    *,
    model: str = "openai/gpt-4o-mini",
    zone: str | None = None,
    labels: Mapping[str, str] | None = None,
    ts: float | None = None,
    kind: str = "api",
    external_id: str | None = None,
) -> Entry:
    provider, name = model.split("/", 1)
    usage = TokenUsage(100 + i % 7, 200 + i % 11)
    imp = af.estimate(model, input_tokens=usage.input_tokens, output_tokens=usage.output_tokens, zone=zone)
    return Entry(
        kind=kind,  # type: ignore[arg-type]
        ts=T0 + 600.0 * i if ts is None else ts,
        source=provider if kind == "api" else "measure",
        impacts=imp,
        provider=provider if kind == "api" else None,
        model=name,
        operation="chat",
        usage=usage,
        latency_s=1.5,
        labels=dict(labels or {}),
        external_id=external_id,
    )


def failed(i: int = 0) -> Entry:
    return Entry(
        kind="api",
        ts=T0 + 600.0 * i,
        source="openai",
        impacts=None,
        error="model-not-registered",
        provider="openai",
        model="not-a-model",
    )


CHAT = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1790000000,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Paris.", "refusal": None},
            "finish_reason": "stop",
            "logprobs": None,
        }
    ],
    "usage": {"prompt_tokens": 14, "completion_tokens": 2, "total_tokens": 16},
}


def openai_client(body: Mapping[str, Any] = CHAT) -> Any:
    import httpx
    import openai

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    return openai.OpenAI(
        api_key="sk-test-secret",
        base_url="https://user:pw@api.openai.com/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        max_retries=0,
    )


def run_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """``aifootprint ARGV...`` in process: (exit status, stdout, stderr)."""
    from aifootprint.cli import main

    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True)
