"""Comparison benchmark: time EcoLogits' instrumentation adds to an OpenAI call and to each stream chunk.

Run it with the python of a THROWAWAY virtual environment that has EcoLogits installed, never with the
project's venv (EcoLogits is not a project dependency):

    python3 -m venv /tmp/ecobench-instr
    /tmp/ecobench-instr/bin/pip install ecologits==0.11.3 openai==2.54.0 httpx==0.28.1 \\
        pydantic==2.14.3 wrapt==2.5.2
    /tmp/ecobench-instr/bin/python benchmarks/bench_ecologits_instrument.py

The real ``openai`` client talks to an in-process ``httpx.MockTransport`` (no network) that returns a
``chat.completions`` body for model gpt-4o-mini (usage: 20 prompt / 400 completion tokens). Two cases:

1. non-streaming ``client.chat.completions.create``: time per call;
2. streaming (``stream=True``): time to consume the whole stream -- a role chunk, N (default 200) content
   chunks, a ``finish_reason="stop"`` chunk and ``[DONE]``; the added time per chunk is the difference of
   the medians divided by N.

EcoLogits cannot be un-initialised, so the default (driver) mode runs this script as subprocesses,
``--mode plain`` (EcoLogits never imported) and ``--mode ecologits`` (``EcoLogits.init(providers=["openai"])``
before the client is built), alternating them for ``--rounds`` rounds, pools the per-call samples of each
mode and prints markdown tables: median and p90 per call, and added time = difference of the medians, both
in wall-clock time (``perf_counter_ns``) and in the thread's CPU time (``thread_time_ns``), which other
processes on a busy machine inflate less. The header gives the load average: trust a run on an idle
machine. Each child warms up first and checks that responses do (or do not) carry ``impacts``.

What EcoLogits 0.11.3 does on these paths (ecologits/tracers/openai_tracer.py): after a non-streaming call it
runs ``llm_impacts`` (model lookup + electricity mix + impact computation, pydantic models) and rebuilds the
response as ``ChatCompletion(**response.model_dump(), impacts=...)``; a stream is replaced by a generator
that runs ``llm_impacts`` and ``ChatCompletionChunk(**chunk.model_dump(), impacts=...)`` on EVERY chunk.
Compare with the numbers of our own instrumentation (benchmarks/bench_instrument.py).

Compatibility with the SDKs of the project's venv (checked 2026-11-23, EcoLogits 0.11.3, the latest):
``pip install ecologits==0.11.3 openai==2.54.0 anthropic==2.12.0`` installs (only the ``[anthropic]`` extra,
``anthropic<1``, refuses 2.12) and imports. openai 2.54: ``chat.completions.create`` gets ``impacts``; with
``stream=True`` it returns a plain generator, so ``with client.chat.completions.create(..., stream=True)``
raises TypeError and ``stream.response`` is gone. anthropic 2.12 (httpx2): ``messages.create`` and
``messages.stream`` (``text_stream``) get impacts; ``messages.create(stream=True)`` raises AttributeError
(``'Stream' object has no attribute 'model'``).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from typing import Any

MODEL = "gpt-4o-mini"
RESPONSE_MODEL = "gpt-4o-mini-2024-07-18"  # what the API echoes back for the alias
PROMPT_TOKENS = 20
COMPLETION_TOKENS = 400
CREATED = 1_763_856_000
SYSTEM_FINGERPRINT = "fp_560af6e559"
MESSAGES = [
    {"role": "system", "content": "You are a concise assistant."},
    {"role": "user", "content": "Explain how a heat pump works, step by step."},
]
TEXT = (
    "A heat pump moves heat from a cold place to a warm one using a refrigerant loop: the evaporator "
    "absorbs heat, the compressor raises its pressure and temperature, the condenser releases it indoors, "
    "and the expansion valve drops the pressure so the cycle can start again."
)
WORDS = TEXT.split(" ")
PACKAGES = ("ecologits", "openai", "httpx", "pydantic", "wrapt")


def content_pieces(n: int) -> list[str]:
    """``n`` deterministic text pieces (one per stream chunk); joined, they are the non-streamed message."""
    return [(" " if i else "") + WORDS[i % len(WORDS)] for i in range(n)]


def completion_body(n_pieces: int) -> bytes:
    """A chat.completion object as the API returns it (fields per the OpenAI API reference)."""
    body = {
        "id": "chatcmpl-CbenchNonStream0000000000000",
        "object": "chat.completion",
        "created": CREATED,
        "model": RESPONSE_MODEL,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "".join(content_pieces(n_pieces)),
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": PROMPT_TOKENS,
            "completion_tokens": COMPLETION_TOKENS,
            "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": SYSTEM_FINGERPRINT,
    }
    return json.dumps(body).encode()


def stream_events(n_chunks: int) -> list[bytes]:
    """SSE events of a streamed chat.completion: role chunk, ``n_chunks`` content chunks, stop, [DONE]."""

    def chunk(delta: dict[str, Any], finish_reason: str | None) -> bytes:
        obj = {
            "id": "chatcmpl-CbenchStream000000000000000",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": RESPONSE_MODEL,
            "service_tier": "default",
            "system_fingerprint": SYSTEM_FINGERPRINT,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        }
        return b"data: " + json.dumps(obj).encode() + b"\n\n"

    events = [chunk({"role": "assistant", "content": "", "refusal": None}, None)]
    events += [chunk({"content": piece}, None) for piece in content_pieces(n_chunks)]
    events.append(chunk({}, "stop"))
    events.append(b"data: [DONE]\n\n")
    return events


def percentile(samples: list[int], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of ``samples``."""
    ordered = sorted(samples)
    return float(ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))])


def versions() -> dict[str, str]:
    out = {}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def run_child(mode: str, calls: int, streams: int, warmup: int, n_chunks: int) -> dict[str, Any]:
    """Time non-streaming calls and whole streams in this process; ``mode`` 'ecologits' instruments first."""
    import httpx
    import openai

    init_ms = None
    if mode == "ecologits":  # patches the Completions class, so before the client is built
        t0 = time.perf_counter_ns()
        from ecologits import EcoLogits

        EcoLogits.init(providers=["openai"])
        init_ms = (time.perf_counter_ns() - t0) / 1e6

    body = completion_body(n_chunks)
    events = stream_events(n_chunks)
    sse_headers = {"content-type": "text/event-stream; charset=utf-8"}
    json_headers = {"content-type": "application/json"}

    def handler(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content).get("stream"):
            # One network read per SSE event, as a real server flushes them.
            return httpx.Response(200, headers=sse_headers, content=iter(events))
        return httpx.Response(200, headers=json_headers, content=body)

    client = openai.OpenAI(api_key="test", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    create = client.chat.completions.create

    def one_call() -> Any:
        return create(model=MODEL, messages=MESSAGES)

    def one_stream() -> Any:
        last = None
        count = 0
        for last in create(model=MODEL, messages=MESSAGES, stream=True):  # noqa: B007
            count += 1
        if count != n_chunks + 2:
            raise RuntimeError(f"expected {n_chunks + 2} chunks, got {count}")
        return last

    # Warm-up, and check that instrumentation is (or is not) there.
    for _ in range(warmup):
        response = one_call()
        last_chunk = one_stream()
    for what, obj in (("response", response), ("last stream chunk", last_chunk)):
        impacts = getattr(obj, "impacts", None)
        if mode == "ecologits" and (impacts is None or impacts.energy is None):
            raise RuntimeError(f"EcoLogits attached no energy impact to the {what}: {impacts!r}")
        if mode == "plain" and impacts is not None:
            raise RuntimeError(f"plain mode: {what} unexpectedly has impacts")
    if mode == "plain" and "ecologits" in sys.modules:
        raise RuntimeError("plain mode imported ecologits")

    samples: dict[str, list[int]] = {}
    for name, fn, n in (("call", one_call, calls), ("stream", one_stream, streams)):
        wall, cpu = samples[f"{name}_wall"], samples[f"{name}_cpu"] = [], []
        for _ in range(n):
            t_wall, t_cpu = time.perf_counter_ns(), time.thread_time_ns()
            fn()
            cpu.append(time.thread_time_ns() - t_cpu)
            wall.append(time.perf_counter_ns() - t_wall)
    return {"mode": mode, "init_ms": init_ms, **samples}


MODES = ("plain", "ecologits")
KEYS = ("call_wall", "call_cpu", "stream_wall", "stream_cpu")
CLOCKS = {"wall": "wall clock, `time.perf_counter_ns`", "cpu": "thread CPU time, `time.thread_time_ns`"}


def us(ns: float) -> str:
    return f"{ns / 1e3:,.1f}"


def drive(args: argparse.Namespace) -> None:
    try:
        version("ecologits")
    except PackageNotFoundError:
        sys.exit("ecologits is not installed in this interpreter: see this script's docstring for the venv.")
    pooled: dict[str, dict[str, list[int]]] = {m: {k: [] for k in KEYS} for m in MODES}
    round_medians: dict[str, dict[str, list[float]]] = {m: {k: [] for k in KEYS} for m in MODES}
    init_ms: list[float] = []
    load_before = os.getloadavg()[0]
    for r in range(args.rounds):
        for mode in MODES:  # alternated, so that load drifting on the machine hits both modes alike
            cmd = [sys.executable, __file__, "--mode", mode]
            for opt in ("calls", "streams", "warmup", "chunks"):
                cmd += [f"--{opt}", str(getattr(args, opt))]
            print(f"round {r + 1}/{args.rounds}: {mode} ...", file=sys.stderr, flush=True)
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                sys.exit(f"{mode} child failed ({proc.returncode}):\n{proc.stderr}")
            result = json.loads(proc.stdout)
            for key in KEYS:
                pooled[mode][key] += result[key]
                round_medians[mode][key].append(statistics.median(result[key]))
            if result["init_ms"] is not None:
                init_ms.append(result["init_ms"])

    load_after = os.getloadavg()[0]
    n = args.chunks
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    print(f"## EcoLogits instrumentation overhead ({today})\n")
    print(
        f"- machine: {platform.platform()} | {platform.machine()} | {os.cpu_count()} CPUs | "
        f"Python {platform.python_version()} ({platform.python_implementation()}) | 1-min load average "
        f"{load_before:.2f} before, {load_after:.2f} after (other processes inflate wall times)"
    )
    print("- versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()))
    print(
        f"- {args.rounds} rounds x (plain, ecologits) subprocesses; per round {args.warmup} warm-up "
        f"iterations, {args.calls} calls, {args.streams} streams; model {MODEL}, usage "
        f"{PROMPT_TOKENS}/{COMPLETION_TOKENS} tokens, stream = role chunk + {n} content chunks + stop chunk "
        f"+ [DONE], httpx.MockTransport"
    )
    print(
        f"- one-off `import ecologits` + `EcoLogits.init(providers=['openai'])`, openai already imported: "
        f"{statistics.median(init_ms):.0f} ms (median of {len(init_ms)})"
    )
    rows = (("non-streaming create(), per call", "call"), (f"whole stream ({n} chunks)", "stream"))
    for clock, clock_name in CLOCKS.items():
        print(f"\n### {clock_name}, µs\n")
        print("| | plain median | plain p90 | EcoLogits median | EcoLogits p90 | added (Δ medians) | ratio |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for label, what in rows:
            plain, eco = pooled["plain"][f"{what}_{clock}"], pooled["ecologits"][f"{what}_{clock}"]
            p_med, e_med = statistics.median(plain), statistics.median(eco)
            print(
                f"| {label} | {us(p_med)} | {us(percentile(plain, 90))} | {us(e_med)} | "
                f"{us(percentile(eco, 90))} | **{us(e_med - p_med)}** | {e_med / p_med:.2f}x |"
            )
            if what == "stream":
                added = us((e_med - p_med) / n)
                print(f"| per stream chunk (÷ {n}) | {us(p_med / n)} | | {us(e_med / n)} | | **{added}** | |")
    print("\n### Range of the per-round medians, µs (run-to-run noise)\n")
    print("| | plain | EcoLogits |")
    print("| --- | ---: | ---: |")
    for clock in CLOCKS:
        for label, what in rows:
            spreads = [round_medians[m][f"{what}_{clock}"] for m in MODES]
            cells = " | ".join(f"{us(min(x))}–{us(max(x))}" for x in spreads)
            print(f"| {label}, {clock} | {cells} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mode", choices=("driver", "plain", "ecologits"), default="driver")
    parser.add_argument("--calls", type=int, default=2000, help="timed non-streaming calls per round")
    parser.add_argument("--streams", type=int, default=200, help="timed streams per round")
    parser.add_argument("--warmup", type=int, default=100, help="untimed calls + streams per round")
    parser.add_argument("--chunks", type=int, default=200, help="content chunks per stream (N)")
    parser.add_argument("--rounds", type=int, default=3, help="driver: subprocess pairs to run")
    args = parser.parse_args(argv)
    if args.mode == "driver":
        drive(args)
    else:
        json.dump(run_child(args.mode, args.calls, args.streams, args.warmup, args.chunks), sys.stdout)


if __name__ == "__main__":
    main()
