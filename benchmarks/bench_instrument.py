"""Added time per instrumented call and per stream chunk, as users run it: the ledger on (the default).

    .venv/bin/python benchmarks/bench_instrument.py                  # wall time, ledger on (a temporary file)
    .venv/bin/python benchmarks/bench_instrument.py --no-ledger      # wall time, ledger off
    .venv/bin/python benchmarks/bench_instrument.py --instructions   # callgrind instruction counts instead

Runs the real ``openai`` client against an in-process ``httpx.MockTransport`` (no network), so the time
measured is the SDK's own work plus ours. Plain and instrumented blocks alternate in one process
(``uninstrument()`` / ``instrument()``; the order swaps every round), so machine load hits both alike.
A block is ``CALLS`` calls (or ``STREAMS`` streams of ``CHUNKS`` chunks) followed by ``aifootprint.flush()``
inside the timed region: the ledger writer's work for the block's calls (impacts, rows, sums, the insert;
in its thread or in the flush) is in the block's wall time, not hidden in a later one. The fastest block
of each kind is kept (other processes on the machine only ever add time), for the wall clock and for the
CPU time of the whole process (every thread, the writer's included; time while other processes run is not
counted, so it is the steadier figure on a shared machine); the added time per call is the difference of
the two minima, and the per-chunk figure is the added time of a whole stream divided by its
``CHUNKS`` chunks (the per-stream estimate and ledger entry included). It also times ``instrument()``
itself, beyond importing the SDK modules it wraps, and the first instrumented call (which loads the
catalogue). Compare with benchmarks/bench_ecologits_instrument.py (EcoLogits in a throwaway venv).

Instruction counts (valgrind's callgrind, every thread counted, the writer's included through a final
flush) are deterministic where wall time on a shared 2-vCPU machine is not: use them to compare versions.
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

ROUNDS = 40  # pairs of blocks (plain, instrumented)
CALLS = 150  # calls per block (~0.1-0.2 s)
STREAMS = 8  # streams per block
CHUNKS = 156  # chunks per stream

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


def _block(fn: Callable[[], object], n: int, flush: Callable[[], object]) -> tuple[float, float]:
    """Wall time and CPU time of the process (every thread: the ledger writer's included) of ``n`` calls of
    ``fn`` and the flush of what they recorded, per call, in microseconds."""
    c = time.process_time_ns()
    t = time.perf_counter_ns()
    for _ in range(n):
        fn()
    flush()
    t = time.perf_counter_ns() - t
    c = time.process_time_ns() - c
    return t / n / 1e3, c / n / 1e3


def run() -> dict[str, float]:
    """Blocks of plain and instrumented calls, interleaved in one process; the fastest of each kept."""
    import gc

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
    for _ in range(3):  # warm: plan compiled, writer thread started, SQLite pages cached
        call()
        stream()
    flush = aifootprint.flush
    flush()
    gc.collect()
    best: dict[str, float] = {}
    paired: dict[str, list[float]] = {"call": [], "stream": []}  # instrumented - plain, same round
    for i in range(ROUNDS):
        this: dict[str, float] = {}
        for mode in ("plain", "inst") if i % 2 == 0 else ("inst", "plain"):
            if mode == "plain":
                aifootprint.uninstrument()
            else:
                aifootprint.instrument(["openai"])
            for kind, fn, n in (("call", call, CALLS), ("stream", stream, STREAMS)):
                wall, cpu = _block(fn, n, flush)
                this[f"{kind}_{mode}"] = wall
                for clock, v in (("wall", wall), ("cpu", cpu)):
                    key = f"{kind}_{mode}_{clock}"
                    best[key] = min(best.get(key, v), v)
        for kind, diffs in paired.items():
            diffs.append(this[f"{kind}_inst"] - this[f"{kind}_plain"])
    aifootprint.uninstrument()
    out = {f"{k}_us": v for k, v in best.items()}
    for kind, diffs in paired.items():
        out[f"{kind}_paired_us"] = statistics.median(diffs)
    for kind in ("call", "stream"):
        for clock in ("wall", "cpu"):
            out[f"{kind}_added_{clock}_us"] = best[f"{kind}_inst_{clock}"] - best[f"{kind}_plain_{clock}"]
    return {
        **out,
        "import_sdk_ms": import_s * 1e3,
        "instrument_ms": instrument_s * 1e3,
        "first_call_ms": first_call_s * 1e3,
    }


def _workload(mode: str, kind: str, n: int) -> None:
    """For --instructions: ``n`` calls (or streams) of one kind, instrumented or not, then a flush."""
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
    for _ in range(3):
        one()  # warm: catalogue loaded, plan compiled, writer thread started, in both modes
    aifootprint.flush()
    led = aifootprint.get_ledger()
    if led is not None:
        # Under valgrind a second lasts a few calls: the writer's own wake-ups would write batches of a few
        # entries. Batches of CALLS entries (calls) or STREAMS entries (streams) instead, as in the timed
        # blocks: the flush every block, in this thread (its instructions are counted all the same).
        led.flush_interval = 3600.0
    if mode == "plain":
        aifootprint.uninstrument()
    block = CALLS if kind == "call" else STREAMS
    for i in range(n):
        one()
        if (i + 1) % block == 0:
            aifootprint.flush()
    aifootprint.flush()  # the writer's work for these calls, counted whichever thread does it


def instructions() -> None:
    """Instructions per call and per chunk under valgrind --tool=callgrind (every thread counted):
    deterministic, unlike wall time on a shared machine. ``count(n) - count(0)`` removes start-up."""
    import re
    import subprocess
    import sys
    import tempfile

    def count(mode: str, kind: str, n: int) -> int:
        with tempfile.TemporaryDirectory() as d:
            env = {**os.environ, "PYTHONHASHSEED": "0"}  # same dict layouts in every run
            if env["AIFOOTPRINT_LEDGER"] != "off":
                env["AIFOOTPRINT_LEDGER"] = os.path.join(d, "ledger.db")  # a new file each time
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
                env=env,
            ).stderr
        m = re.search(r"Collected : (\d+)", out)
        assert m is not None, out
        return int(m.group(1))

    for kind in ("call", "stream"):  # compile every module first: no .pyc writing in the counted runs
        subprocess.run([sys.executable, __file__, "--workload", "inst", kind, "0"], check=True)
    print(f"ledger: {os.environ['AIFOOTPRINT_LEDGER']}")
    print("| workload | plain instructions | added instructions | added (%) |")
    print("|---|---:|---:|---:|")
    for kind, n, label in (
        ("call", 2 * CALLS, "per call"),
        ("stream", 2 * STREAMS, f"per {CHUNKS}-chunk stream"),
    ):
        plain = (count("plain", kind, n) - count("plain", kind, 0)) / n
        inst = (count("inst", kind, n) - count("inst", kind, 0)) / n
        added = inst - plain
        print(f"| {label} | {plain:,.0f} | {added:,.0f} | {100 * added / plain:.2f} |", flush=True)
        if kind == "stream":
            print(f"| per chunk | {plain / CHUNKS:,.0f} | {added / CHUNKS:,.0f} | |")


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
    print(f"ledger: {os.environ['AIFOOTPRINT_LEDGER']}, load average {os.getloadavg()[0]:.2f}")
    print(f"fastest of {ROUNDS} blocks of each kind, flush included; {CALLS} calls, {STREAMS} streams each")
    print("cpu: CPU time of the whole process (the writer thread's included), not counting time preempted")
    print()
    print("| measure | clock | plain | aifootprint | added |")
    print("|---|---|---:|---:|---:|")
    for clock in ("wall", "cpu"):
        print(
            f"| chat.completions.create, per call (us) | {clock} | {r[f'call_plain_{clock}_us']:.1f} "
            f"| {r[f'call_inst_{clock}_us']:.1f} | {r[f'call_added_{clock}_us']:.1f} |"
        )
    for clock in ("wall", "cpu"):
        print(
            f"| {CHUNKS}-chunk stream (us) | {clock} | {r[f'stream_plain_{clock}_us']:.0f} "
            f"| {r[f'stream_inst_{clock}_us']:.0f} | {r[f'stream_added_{clock}_us']:.0f} |"
        )
    for clock in ("wall", "cpu"):
        print(f"| per chunk (us) | {clock} | | | {r[f'stream_added_{clock}_us'] / CHUNKS:.2f} |")
    print(f"| per call, median of paired blocks (us) | wall | | | {r['call_paired_us']:.1f} |")
    print(f"| per chunk, median of paired blocks (us) | wall | | | {r['stream_paired_us'] / CHUNKS:.2f} |")
    print(f"| import of the wrapped openai modules (ms) | wall | {r['import_sdk_ms']:.0f} | | |")
    print(f"| instrument(['openai']) beyond those imports (ms) | wall | | {r['instrument_ms']:.1f} | |")
    print(f"| first instrumented call, catalogue load included (ms) | wall | | {r['first_call_ms']:.1f} | |")


if __name__ == "__main__":
    main()
