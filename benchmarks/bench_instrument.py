"""Added time per instrumented call and per stream chunk (aifootprint), on an httpx MockTransport.

    .venv/bin/python benchmarks/bench_instrument.py                  # wall time
    .venv/bin/python benchmarks/bench_instrument.py --instructions   # + callgrind instruction counts

Runs the real ``openai`` client against an in-process ``httpx.MockTransport`` (no network), so the time
measured is the SDK's own work plus ours. Plain and instrumented blocks alternate in one process
(``uninstrument()`` / ``instrument()``), so machine load hits both alike; the added time is the median
over blocks of the difference of block medians, and the per-chunk cost is the added time of a 200-chunk
stream divided by 200. It also times ``instrument()`` itself, beyond importing the SDK modules it wraps,
and the first instrumented call (which loads the catalogue). Compare with
benchmarks/bench_ecologits_instrument.py (EcoLogits in a throwaway venv).
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import date
from importlib.metadata import version

BLOCKS = 15
CALLS = 400
STREAMS = 30
CHUNKS = 200

BODY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1741569952,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hi!", "refusal": None},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 20, "completion_tokens": 400, "total_tokens": 420},
}


def _sse() -> bytes:
    def chunk(delta: dict[str, object], finish: str | None = None) -> str:
        c = {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(c)}\n\n"

    parts = [chunk({"content": f"tok{i} "}) for i in range(CHUNKS - 1)] + [chunk({}, "stop")]
    return ("".join(parts) + "data: [DONE]\n\n").encode()


WRAPPED_MODULES = (
    "openai.resources.chat.completions.completions",
    "openai.resources.responses.responses",
    "openai.resources.embeddings",
    "openai.resources.completions",
    "openai.resources.images",
)


def _per_call(fn: Callable[[], object], n: int) -> float:
    """Median wall time of one ``fn()`` over ``n`` calls, in microseconds."""
    times = []
    for _ in range(n):
        t = time.perf_counter_ns()
        fn()
        times.append(time.perf_counter_ns() - t)
    return statistics.median(times) / 1e3


def run() -> dict[str, float]:
    """Blocks of plain and instrumented calls, interleaved in one process so that machine load affects
    both alike; the added time is the median over blocks of (instrumented - plain) block medians."""
    import httpx

    t = time.perf_counter()
    import openai

    for m in WRAPPED_MODULES:
        importlib.import_module(m)
    import_s = time.perf_counter() - t
    import aifootprint

    t = time.perf_counter()
    aifootprint.instrument(["openai"])
    instrument_s = time.perf_counter() - t

    def serve(content: bytes, headers: dict[str, str]) -> openai.OpenAI:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, content=content, headers=headers)

        return openai.OpenAI(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(handler)))

    c = serve(json.dumps(BODY).encode(), {"content-type": "application/json"})
    s = serve(_sse(), {"content-type": "text/event-stream"})
    msgs = [{"role": "user", "content": "Hello"}]

    def call() -> object:
        return c.chat.completions.create(model="gpt-4o-mini", messages=msgs)

    def stream() -> object:
        for _ in s.chat.completions.create(model="gpt-4o-mini", messages=msgs, stream=True):
            pass
        return None

    first = call()  # the first instrumented call loads the catalogue: timed apart
    assert first.impacts is not None  # type: ignore[attr-defined]
    t = time.perf_counter()
    aifootprint.reset()
    call()
    first_call_s = time.perf_counter() - t
    plain_c, inst_c, plain_s, inst_s = [], [], [], []
    for _ in range(BLOCKS):
        aifootprint.uninstrument()
        plain_c.append(_per_call(call, CALLS))
        plain_s.append(_per_call(stream, STREAMS))
        aifootprint.instrument(["openai"])
        inst_c.append(_per_call(call, CALLS))
        inst_s.append(_per_call(stream, STREAMS))
    return {
        "call_plain_us": statistics.median(plain_c),
        "call_inst_us": statistics.median(inst_c),
        "call_added_us": statistics.median(i - p for i, p in zip(inst_c, plain_c, strict=True)),
        "stream_plain_us": statistics.median(plain_s),
        "stream_inst_us": statistics.median(inst_s),
        "stream_added_us": statistics.median(i - p for i, p in zip(inst_s, plain_s, strict=True)),
        "import_sdk_ms": import_s * 1e3,
        "instrument_ms": instrument_s * 1e3,
        "first_call_ms": first_call_s * 1e3,
    }


def _workload(mode: str, kind: str, n: int) -> None:
    """For --instructions: ``n`` calls (or streams) of one kind, instrumented or not."""
    import httpx
    import openai

    import aifootprint

    if kind == "call":
        content, headers = json.dumps(BODY).encode(), {"content-type": "application/json"}
    else:
        content, headers = _sse(), {"content-type": "text/event-stream"}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=content, headers=headers)

    c = openai.OpenAI(api_key="k", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    msgs = [{"role": "user", "content": "Hello"}]

    def one() -> None:
        r = c.chat.completions.create(model="gpt-4o-mini", messages=msgs, stream=kind == "stream")
        if kind == "stream":
            for _ in r:
                pass

    aifootprint.instrument(["openai"])
    one()  # warm: catalogue loaded, plan compiled, in both modes
    if mode == "plain":
        aifootprint.uninstrument()
    for _ in range(20 + n):
        one()


def instructions() -> None:
    """Instructions per call and per chunk under valgrind --tool=callgrind: deterministic, unlike wall
    time on a shared machine. Added instructions x (plain time / plain instructions) estimates the time."""
    import re
    import subprocess
    import sys
    import tempfile

    def count(mode: str, kind: str, n: int) -> int:
        with tempfile.TemporaryDirectory() as d:
            out = subprocess.run(
                [
                    "valgrind",
                    "--tool=callgrind",
                    f"--callgrind-out-file={d}/cg.out",
                    sys.executable,
                    __file__,
                    "--workload",
                    mode,
                    kind,
                    str(n),
                ],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "PYTHONHASHSEED": "0"},  # same dict layouts in every run
            ).stderr
        m = re.search(r"Collected : (\d+)", out)
        assert m is not None, out
        return int(m.group(1))

    r = run()
    print("| workload | plain instructions | added instructions | added (%) | added time (us, scaled) |")
    print("|---|---:|---:|---:|---:|")
    for kind, n, plain_us, label in (
        ("call", 400, r["call_plain_us"], "per call"),
        ("stream", 20, r["stream_plain_us"], f"per {CHUNKS}-chunk stream"),
    ):
        plain = (count("plain", kind, n) - count("plain", kind, 0)) / n
        inst = (count("inst", kind, n) - count("inst", kind, 0)) / n
        added = inst - plain
        us = added / plain * plain_us
        print(f"| {label} | {plain:,.0f} | {added:,.0f} | {100 * added / plain:.2f} | {us:.1f} |")
        if kind == "stream":
            print(f"| per chunk | | {added / CHUNKS:,.0f} | | {us / CHUNKS:.2f} |")


def main() -> None:
    import sys
    import tempfile

    # The ledger is on by default: calls are recorded (in a temporary file here). --no-ledger: without it.
    if "--no-ledger" in sys.argv:
        sys.argv.remove("--no-ledger")
        os.environ["AIFOOTPRINT_LEDGER"] = "off"
    else:
        os.environ.setdefault("AIFOOTPRINT_LEDGER", os.path.join(tempfile.mkdtemp(), "bench-ledger.db"))

    if len(sys.argv) > 1 and sys.argv[1] == "--workload":
        _workload(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--instructions":
        instructions()
        return
    r = run()
    print(f"# aifootprint instrumentation overhead, {date.today()}")
    cpu = platform.processor() or platform.machine()
    print(f"machine: {platform.platform()}, {cpu}, {os.cpu_count()} CPUs, python {platform.python_version()}")
    print(f"openai {version('openai')}, httpx {version('httpx')}, wrapt {version('wrapt')}")
    print(f"ledger: {os.environ['AIFOOTPRINT_LEDGER']}")
    print()
    print("| measure | plain | aifootprint | added |")
    print("|---|---:|---:|---:|")
    print(
        f"| chat.completions.create, per call (us) | {r['call_plain_us']:.1f} | {r['call_inst_us']:.1f} "
        f"| {r['call_added_us']:.1f} |"
    )
    print(
        f"| {CHUNKS}-chunk stream, median (us) | {r['stream_plain_us']:.0f} | {r['stream_inst_us']:.0f} "
        f"| {r['stream_added_us']:.0f} |"
    )
    print(f"| per chunk (us) | | | {r['stream_added_us'] / CHUNKS:.2f} |")
    print(f"| import of the wrapped openai modules (ms) | {r['import_sdk_ms']:.0f} | | |")
    print(f"| instrument(['openai']) beyond those imports (ms) | | {r['instrument_ms']:.1f} | |")
    print(f"| first instrumented call, catalogue load included (ms) | | {r['first_call_ms']:.1f} | |")


if __name__ == "__main__":
    main()
