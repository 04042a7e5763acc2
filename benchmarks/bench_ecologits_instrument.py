"""Comparison benchmark: time EcoLogits' instrumentation adds to an OpenAI call and to each stream chunk.

Run it with the python of a THROWAWAY virtual environment that has EcoLogits installed, never with the
project's venv (EcoLogits is not a project dependency):

    python3 -m venv /tmp/ecobench-instr
    /tmp/ecobench-instr/bin/pip install ecologits==0.11.3 openai==2.54.0 httpx==0.28.1 \\
        pydantic==2.14.3 wrapt==2.5.2
    /tmp/ecobench-instr/bin/python benchmarks/bench_ecologits_instrument.py                 # ~3 min, 2 CPUs
    /tmp/ecobench-instr/bin/python benchmarks/bench_ecologits_instrument.py --instructions  # + ~7 min

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
``--instructions`` (needs valgrind) also counts instructions per call / stream under callgrind, as
(count(n) - count(0)) / n per mode: deterministic, unlike times on a shared machine.

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
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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


def make_workload(mode: str, n_chunks: int) -> tuple[Callable[[], Any], Callable[[], Any], float | None]:
    """(one non-streaming call, one whole stream, ms to import + init EcoLogits or None) for ``mode``."""
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

    return one_call, one_stream, init_ms


def check(mode: str, what: str, obj: Any) -> None:
    """Raise unless ``obj`` (a response or last stream chunk) carries impacts exactly in mode 'ecologits'."""
    impacts = getattr(obj, "impacts", None)
    if mode == "ecologits" and (impacts is None or impacts.energy is None):
        raise RuntimeError(f"EcoLogits attached no energy impact to the {what}: {impacts!r}")
    if mode == "plain" and (impacts is not None or "ecologits" in sys.modules):
        raise RuntimeError(f"plain mode: ecologits imported, or the {what} has impacts")


def run_child(mode: str, calls: int, streams: int, warmup: int, n_chunks: int) -> dict[str, Any]:
    """Time non-streaming calls and whole streams in this process; ``mode`` 'ecologits' instruments first."""
    one_call, one_stream, init_ms = make_workload(mode, n_chunks)
    for _ in range(warmup):
        response = one_call()
        last_chunk = one_stream()
    check(mode, "response", response)
    check(mode, "last stream chunk", last_chunk)
    samples: dict[str, list[int]] = {}
    for name, fn, n in (("call", one_call, calls), ("stream", one_stream, streams)):
        wall, cpu = samples[f"{name}_wall"], samples[f"{name}_cpu"] = [], []
        for _ in range(n):
            t_wall, t_cpu = time.perf_counter_ns(), time.thread_time_ns()
            fn()
            cpu.append(time.thread_time_ns() - t_cpu)
            wall.append(time.perf_counter_ns() - t_wall)
    return {"mode": mode, "init_ms": init_ms, **samples}


def run_workload(mode: str, kind: str, warmup: int, count: int, n_chunks: int) -> None:
    """Untimed: ``warmup`` + ``count`` calls or streams, for instruction counting under callgrind."""
    one_call, one_stream, _ = make_workload(mode, n_chunks)
    fn = one_call if kind == "call" else one_stream
    for _ in range(max(1, warmup)):
        obj = fn()
    check(mode, kind, obj)
    for _ in range(count):
        fn()


def instructions(mode: str, kind: str, args: argparse.Namespace, count: int) -> int:
    """Instructions callgrind collects over a whole ``--workload`` child run (start-up included)."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out", sys.executable, __file__]
        cmd += ["--mode", mode, "--workload", kind, "--count", str(count), "--chunks", str(args.chunks)]
        cmd += ["--warmup", str(args.iwarmup)]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or found is None:
        sys.exit(f"callgrind run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return int(found.group(1))


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
    if args.instructions:
        print_instructions(
            args,
            statistics.median(pooled["plain"]["call_wall"]),
            statistics.median(pooled["plain"]["stream_wall"]),
        )
    print("\n### Range of the per-round medians, µs (run-to-run noise)\n")
    print("| | plain | EcoLogits |")
    print("| --- | ---: | ---: |")
    for clock in CLOCKS:
        for label, what in rows:
            spreads = [round_medians[m][f"{what}_{clock}"] for m in MODES]
            cells = " | ".join(f"{us(min(x))}–{us(max(x))}" for x in spreads)
            print(f"| {label}, {clock} | {cells} |")


def print_instructions(args: argparse.Namespace, call_ns: float, stream_ns: float) -> None:
    """Instructions per call / stream / chunk: (count(n) - count(0)) / n for each mode, under callgrind."""
    if shutil.which("valgrind") is None:
        sys.exit("--instructions needs valgrind (apt-get install valgrind)")
    n = args.chunks
    print(f"\n### Instructions (valgrind --tool=callgrind, PYTHONHASHSEED=0, {args.iwarmup} warm-up)\n")
    print(
        "Added time (scaled) = added instructions x plain wall median / plain instructions: an estimate that"
    )
    print("assumes EcoLogits' code runs at the plain path's instructions per ns.\n")
    print("| | plain | EcoLogits | added | ratio | added time (µs, scaled) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for kind, count, plain_ns in (("call", args.icalls, call_ns), ("stream", args.istreams, stream_ns)):
        print(f"instructions: {kind} x {count} ...", file=sys.stderr, flush=True)
        per = {
            mode: (instructions(mode, kind, args, count) - instructions(mode, kind, args, 0)) / count
            for mode in MODES
        }
        added = per["ecologits"] - per["plain"]
        added_us = added * plain_ns / per["plain"] / 1e3
        label = "non-streaming create(), per call" if kind == "call" else f"whole stream ({n} chunks)"
        print(
            f"| {label} (mean of {count}) | {per['plain']:,.0f} | {per['ecologits']:,.0f} | "
            f"**{added:,.0f}** | {per['ecologits'] / per['plain']:.2f}x | {added_us:,.1f} |"
        )
        if kind == "stream":
            print(
                f"| per stream chunk (÷ {n}) | {per['plain'] / n:,.0f} | {per['ecologits'] / n:,.0f} | "
                f"**{added / n:,.0f}** | | {added_us / n:,.1f} |"
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mode", choices=("driver", "plain", "ecologits"), default="driver")
    parser.add_argument("--calls", type=int, default=2000, help="timed non-streaming calls per round")
    parser.add_argument("--streams", type=int, default=200, help="timed streams per round")
    parser.add_argument("--warmup", type=int, default=100, help="untimed calls + streams per round")
    parser.add_argument("--chunks", type=int, default=200, help="content chunks per stream (N)")
    parser.add_argument("--rounds", type=int, default=3, help="driver: subprocess pairs to run")
    parser.add_argument("--instructions", action="store_true", help="driver: also count instructions")
    parser.add_argument("--icalls", type=int, default=100, help="--instructions: calls counted")
    parser.add_argument("--istreams", type=int, default=5, help="--instructions: streams counted")
    parser.add_argument("--iwarmup", type=int, default=3, help="--instructions: warm-up calls or streams")
    parser.add_argument("--workload", choices=("call", "stream"), help="child: untimed run, for callgrind")
    parser.add_argument("--count", type=int, default=0, help="--workload: calls or streams after warm-up")
    args = parser.parse_args(argv)
    if args.mode == "driver":
        drive(args)
    elif args.workload:
        run_workload(args.mode, args.workload, args.iwarmup, args.count, args.chunks)
    else:
        json.dump(run_child(args.mode, args.calls, args.streams, args.warmup, args.chunks), sys.stdout)


if __name__ == "__main__":
    main()
