"""AWS Bedrock call shapes: a real boto3 ``bedrock-runtime`` client against a local HTTP server.

botocore talks HTTP through urllib3, not httpx, so each call gets a :class:`~.localserver.LocalServer`
on 127.0.0.1 (``endpoint_url=``) serving the recorded exchange; the streaming operations are served in
AWS event-stream framing (``application/vnd.amazon.eventstream``).
"""

from __future__ import annotations

import functools
import importlib.util
import io
import json
from typing import Any

from .contract import Case
from .exchanges import Exchange
from .localserver import call_served

HAIKU_3 = "anthropic.claude-3-haiku-20240307-v1:0"
HAIKU_35_US = "us.anthropic.claude-3-5-haiku-20241022-v1:0"  # cross-region inference profile (an alias)
REGION = "us-east-1"
MESSAGES = [{"role": "user", "content": [{"text": "Say hello in French."}]}]
INVOKE_BODY = json.dumps(
    {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "Say hello in French."}],
    }
)


@functools.cache
def _session() -> Any:
    import boto3

    return boto3.session.Session()  # one session: the service model is loaded once


def client(url: str, region: str = REGION) -> Any:
    """A real ``bedrock-runtime`` client on ``url`` with fake credentials and no retries."""
    from botocore.config import Config

    return _session().client(
        "bedrock-runtime",
        region_name=region,
        endpoint_url=url,
        aws_access_key_id="AKIDEXAMPLEFAKE",
        aws_secret_access_key="fake-secret-key",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def converse(ex: Exchange, model: str = HAIKU_3) -> Any:
    return call_served(ex, lambda url: client(url).converse(modelId=model, messages=MESSAGES))


def converse_cached(ex: Exchange) -> Any:
    return converse(ex, HAIKU_35_US)


def converse_stream(ex: Exchange) -> Any:
    """The EventStream under ``"stream"`` (the contract iterates and closes what ``run`` returns)."""
    return call_served(ex, lambda url: client(url).converse_stream(modelId=HAIKU_3, messages=MESSAGES))[
        "stream"
    ]


def invoke_model(ex: Exchange) -> Any:
    """The result dict, its body read as a user would (an unread body keeps its socket open) and put back.

    Reading it here also checks that instrumentation left the body unread: it must still be the model's JSON.
    """
    from botocore.response import StreamingBody

    resp = call_served(ex, lambda url: client(url).invoke_model(modelId=HAIKU_3, body=INVOKE_BODY))
    raw = resp["body"].read()
    if ex.status == 200:
        assert json.loads(raw) == ex.data["response"]["json"], raw
    resp["body"] = StreamingBody(io.BytesIO(raw), len(raw))
    return resp


def invoke_model_stream(ex: Exchange) -> Any:
    return call_served(
        ex, lambda url: client(url).invoke_model_with_response_stream(modelId=HAIKU_3, body=INVOKE_BODY)
    )["body"]


def _cases() -> list[Case]:
    if importlib.util.find_spec("boto3") is None:
        return []
    haiku = f"bedrock/{HAIKU_3}"
    return [
        Case(
            "bedrock-converse",
            "bedrock",
            "sync",
            "bedrock/converse",
            converse,
            haiku,
            input_tokens=13,
            output_tokens=12,
            error_exchange="bedrock/converse_error",
            error_type="botocore.exceptions.ClientError",
        ),
        Case(
            "bedrock-converse-cached-profile",
            "bedrock",
            "sync",
            "bedrock/converse_cached",
            converse_cached,
            "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0",
            input_tokens=9 + 2048 + 16,
            output_tokens=10,
            cached_input_tokens=2048,
        ),
        Case(
            "bedrock-converse-stream",
            "bedrock",
            "stream",
            "bedrock/converse_stream",
            converse_stream,
            haiku,
            input_tokens=13,
            output_tokens=12,
            error_exchange="bedrock/converse_error",
            error_type="botocore.exceptions.ClientError",
            dumps=False,
        ),
        Case(
            "bedrock-invoke-model",
            "bedrock",
            "sync",
            "bedrock/invoke_model",
            invoke_model,
            haiku,
            input_tokens=13,
            output_tokens=12,
            dumps=False,  # a StreamingBody body compares by identity
        ),
        Case(
            "bedrock-invoke-model-stream",
            "bedrock",
            "stream",
            "bedrock/invoke_model_stream",
            invoke_model_stream,
            haiku,
            input_tokens=13,
            output_tokens=12,
            dumps=False,
        ),
    ]


CASES: list[Case] = _cases()
