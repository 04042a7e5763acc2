"""The recorded-exchange checks themselves: what the SDK sends must match the exchange's request form(s)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .exchanges import load

GROQ = "huggingface_hub/chat_completion_groq"  # two request forms: the provider's route, the router's own
OLD_PATH, OLD_MODEL = "/groq/openai/v1/chat/completions", "llama-3.3-70b-versatile"
NEW_PATH, NEW_MODEL = "/v1/chat/completions", "meta-llama/Llama-3.3-70B-Instruct:groq"


def body(**fields: Any) -> bytes:
    return json.dumps({"messages": [{"role": "user", "content": "Hi"}], **fields}).encode()


@pytest.mark.parametrize(
    ("path", "model", "form"),
    [(OLD_PATH, OLD_MODEL, 0), (NEW_PATH, NEW_MODEL, 1)],
)
def test_either_documented_form_is_accepted_and_told_apart(path: str, model: str, form: int) -> None:
    ex = load(GROQ)
    ex.check_request("POST", path, body(model=model), {})
    (seen,) = ex.requests
    assert (seen.path, seen.json["model"], seen.form) == (path, model, form)


@pytest.mark.parametrize(
    ("method", "path", "model", "why"),
    [
        ("POST", OLD_PATH, NEW_MODEL, "expected body model='llama-3.3-70b-versatile'"),  # forms mixed
        ("POST", NEW_PATH, OLD_MODEL, "expected path /groq/openai/v1/chat/completions"),
        ("POST", "/groq/v1/chat/completions", OLD_MODEL, "SDK sent /groq/v1/chat/completions"),
        ("GET", NEW_PATH, NEW_MODEL, "expected POST, SDK sent GET"),
    ],
)
def test_a_request_matching_no_form_fails(method: str, path: str, model: str, why: str) -> None:
    ex = load(GROQ)
    with pytest.raises(AssertionError, match=why) as raised:
        ex.check_request(method, path, body(model=model), {})
    assert "; or " in str(raised.value)  # every form's reason is given
    assert [(s.path, s.form) for s in ex.requests] == [(path, -1)]  # still logged, matching no form


def test_a_single_form_exchange_is_checked_as_before() -> None:
    ex = load("huggingface_hub/chat_completion")
    want = ex.data["request"]
    assert "one_of" not in want and "path" in want
    ex.check_request(want.get("method", "POST"), want["path"], body(**want.get("json_subset", {})), {})
    assert ex.requests[0].form == 0
    with pytest.raises(AssertionError, match="expected path"):
        ex.check_request(want.get("method", "POST"), want["path"] + "x", body(), {})
