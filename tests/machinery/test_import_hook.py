"""``instrument()`` without providers: SDKs are instrumented when first imported, through an import hook.

A fake SDK package and its provider module are written to a temporary directory, so that the SDK is really
imported for the first time inside each test (the real SDKs are checked in a fresh interpreter by
tests/test_import.py).
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import aifootprint as af
from aifootprint._log import reset_log_once
from aifootprint.instrumentation import CallRecord, registry
from aifootprint.instrumentation.importhook import ImportHook

SDK = """
EXECUTED = True


class Client:
    def chat(self, model, n=4):
        return {"model": model, "usage": {"input_tokens": 7, "output_tokens": n}}
"""

PROVIDER = """
from aifootprint.providers._base import Adapter, Request, WrapSpec


def request(spec, instance, args, kwargs):
    return Request(provider="openai", model=args[0] if args else kwargs.get("model"))


def observe_response(resp, observed):
    observed.model = resp["model"]
    observed.input_tokens = resp["usage"]["input_tokens"]
    observed.output_tokens = resp["usage"]["output_tokens"]


def observe_chunk(chunk, observed):
    pass


ADAPTER = Adapter(
    name="{name}",
    distribution="pytest",  # installed: its version passes the check
    min_version="1.0",
    wraps=(WrapSpec("{sdk}", "Client.chat"),),
    request=request,
    observe_response=observe_response,
    observe_chunk=observe_chunk,
    import_name="{sdk}",
)
"""

NAMES = ("hooked_a", "hooked_b")


def sdk_name(name: str) -> str:
    return f"aifp_{name}_sdk"


@pytest.fixture
def sdks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Two fake SDKs (not imported) and their provider modules; instrument() knows only these."""
    for name in NAMES:
        pkg = tmp_path / sdk_name(name)
        pkg.mkdir()
        (pkg / "__init__.py").write_text(SDK, "utf-8")
        provider = PROVIDER.replace("{name}", name).replace("{sdk}", sdk_name(name))
        (tmp_path / f"aifp_{name}_provider.py").write_text(provider, "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "PROVIDER_MODULES", {n: f"aifp_{n}_provider" for n in NAMES})
    af.uninstrument()
    reset_log_once()
    yield tmp_path
    af.uninstrument()
    for name in NAMES:
        for module in (sdk_name(name), f"aifp_{name}_provider"):
            sys.modules.pop(module, None)


def hooks() -> list[Any]:
    return [f for f in sys.meta_path if isinstance(f, ImportHook)]


def wrapped(module: Any) -> bool:
    import wrapt

    return isinstance(vars(module.Client)["chat"], wrapt.FunctionWrapper)


def test_an_sdk_is_instrumented_when_first_imported_and_the_hook_then_leaves(sdks: Path) -> None:
    af.instrument(strict=True)
    assert sdk_name("hooked_a") not in sys.modules and af.instrumentation.instrumented() == ()
    assert len(hooks()) == 1
    assert importlib.util.find_spec(sdk_name("hooked_a")) is not None  # probing claims nothing
    records: list[CallRecord] = []
    af.add_listener(records.append)

    from aifp_hooked_a_sdk import Client  # the from-import form

    a = sys.modules[sdk_name("hooked_a")]
    assert wrapped(a) and af.instrumentation.instrumented() == ("hooked_a",)
    assert "exec_module" not in vars(a.__spec__.loader)  # the loader is put back as it was
    assert len(hooks()) == 1  # hooked_b is still watched
    r = Client().chat("gpt-4o-mini", 5)
    assert r == {"model": "gpt-4o-mini", "usage": {"input_tokens": 7, "output_tokens": 5}}
    (rec,) = records
    assert rec.instrument == "hooked_a" and rec.usage == af.TokenUsage(7, 5) and rec.impacts is not None

    b = importlib.import_module(sdk_name("hooked_b"))
    assert wrapped(b) and af.instrumentation.instrumented() == ("hooked_a", "hooked_b")
    assert hooks() == []  # nothing left to watch
    af.uninstrument()
    assert not wrapped(a) and not wrapped(b)


def test_uninstrument_removes_the_hook_before_any_import(sdks: Path) -> None:
    af.instrument()
    assert len(hooks()) == 1
    af.uninstrument()
    assert hooks() == []
    assert not wrapped(importlib.import_module(sdk_name("hooked_a")))
    af.uninstrument(["hooked_b"])  # nothing to undo: harmless


def test_uninstrument_one_provider_unwatches_it(sdks: Path) -> None:
    af.instrument()
    af.uninstrument(["hooked_a"])
    assert len(hooks()) == 1
    assert not wrapped(importlib.import_module(sdk_name("hooked_a")))
    assert wrapped(importlib.import_module(sdk_name("hooked_b")))
    assert hooks() == []


def test_an_sdk_failing_at_import_propagates_unchanged_and_stays_watched(sdks: Path) -> None:
    init = sdks / sdk_name("hooked_a") / "__init__.py"
    init.write_text("raise RuntimeError('the SDK itself is broken')\n", "utf-8")
    af.instrument()
    with pytest.raises(RuntimeError, match="the SDK itself is broken"):
        importlib.import_module(sdk_name("hooked_a"))
    assert sdk_name("hooked_a") not in sys.modules and len(hooks()) == 1
    init.write_text(SDK, "utf-8")
    importlib.invalidate_caches()
    assert wrapped(importlib.import_module(sdk_name("hooked_a")))


def test_instrumentation_failing_on_import_never_breaks_the_import(
    sdks: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(adapter: Any) -> Any:
        raise KeyError("broken")

    monkeypatch.setattr(registry, "_prepare", broken)
    af.instrument(strict=True)  # never raises at import, even strict
    with caplog.at_level(logging.WARNING, logger="aifootprint"):
        a = importlib.import_module(sdk_name("hooked_a"))
    assert a.EXECUTED and not wrapped(a) and af.instrumentation.instrumented() == ()
    (msg,) = [m.getMessage() for m in caplog.records]
    assert "instrumenting aifp_hooked_a_sdk when it was imported failed" in msg


def test_already_imported_sdks_are_instrumented_at_once(sdks: Path) -> None:
    a = importlib.import_module(sdk_name("hooked_a"))
    af.instrument()
    assert wrapped(a) and af.instrumentation.instrumented() == ("hooked_a",)
    assert len(hooks()) == 1  # for hooked_b only
    assert registry._import_hook is not None
    assert registry._import_hook.watched() == {sdk_name("hooked_b"): ("hooked_b",)}


def test_concurrent_imports_and_instrument_calls_wrap_each_sdk_once(sdks: Path) -> None:
    af.instrument()
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def run(fn: Any) -> None:
        try:
            barrier.wait()
            fn()
        except BaseException as exc:  # reported below
            errors.append(exc)

    jobs = [lambda n=n: importlib.import_module(sdk_name(n)) for n in NAMES for _ in range(2)]
    jobs += [af.instrument, af.instrument]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for name in NAMES:
        chat = vars(sys.modules[sdk_name(name)].Client)["chat"]
        assert wrapped(sys.modules[sdk_name(name)]) and not hasattr(chat.__wrapped__, "__wrapped__")
    assert af.instrumentation.instrumented() == NAMES and hooks() == []


def test_naming_a_watched_provider_imports_and_instruments_it_now(sdks: Path) -> None:
    af.instrument()
    af.instrument(["hooked_a"])
    assert wrapped(sys.modules[sdk_name("hooked_a")]) and af.instrumentation.instrumented() == ("hooked_a",)
    assert registry._import_hook is not None
    assert registry._import_hook.watched() == {sdk_name("hooked_b"): ("hooked_b",)}


def test_a_namespace_package_sdk_is_instrumented_with_its_first_subpackage(
    sdks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """mistralai 3.x: ``mistralai`` is a namespace package (no code); ``mistralai.client`` holds the SDK."""
    (sdks / "aifp_ns_sdk" / "client").mkdir(parents=True)
    (sdks / "aifp_ns_sdk" / "client" / "__init__.py").write_text(SDK, "utf-8")
    provider = PROVIDER.replace("{name}", "hooked_ns").replace(
        '"{sdk}", "Client', '"aifp_ns_sdk.client", "Client'
    )
    (sdks / "aifp_hooked_ns_provider.py").write_text(provider.replace("{sdk}", "aifp_ns_sdk"), "utf-8")
    monkeypatch.setattr(registry, "PROVIDER_MODULES", {"hooked_ns": "aifp_hooked_ns_provider"})
    af.instrument()
    try:
        import aifp_ns_sdk  # nothing to run yet: still watched

        assert getattr(aifp_ns_sdk, "__file__", None) is None and len(hooks()) == 1
        assert af.instrumentation.instrumented() == ()
        from aifp_ns_sdk.client import Client

        assert (
            wrapped(sys.modules["aifp_ns_sdk.client"]) and Client is sys.modules["aifp_ns_sdk.client"].Client
        )
        assert af.instrumentation.instrumented() == ("hooked_ns",) and hooks() == []
    finally:
        af.uninstrument()
        for module in ("aifp_ns_sdk", "aifp_ns_sdk.client", "aifp_hooked_ns_provider"):
            sys.modules.pop(module, None)
