"""Importing aifootprint loads nothing heavy and reads no data until first use."""

from __future__ import annotations

import json
import subprocess
import sys


def test_import_is_light() -> None:
    code = (
        "import sys, threading, aifootprint as af; "
        "mods = sorted(sys.modules); "
        "import json; print(json.dumps([mods, threading.active_count(), af.__version__]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    mods, threads, version = json.loads(out)
    assert threads == 1
    assert version
    heavy = {
        "numpy",
        "pandas",
        "polars",
        "pyarrow",
        "scipy",
        "csv",
        "aifootprint.catalog",
        "aifootprint._api",
        "aifootprint.engine",
        "tomllib",
        "tomli",
        "wrapt",
        "aifootprint.instrumentation",
        "openai",
        "anthropic",
        "httpx",
    }
    assert not heavy & set(mods), heavy & set(mods)


def test_lazy_attributes_resolve() -> None:
    import aifootprint as af

    for name in af.__all__:
        assert getattr(af, name) is not None
    assert "estimate" in dir(af)


def test_instrument_imports_only_what_it_wraps_and_loads_no_catalogue() -> None:
    """instrument() of one SDK loads neither the catalogue nor other SDKs, and starts no thread."""
    code = (
        "import sys, threading, json, aifootprint as af; af.instrument(['openai']); "
        "m = sys.modules.get('aifootprint._state'); est = None if m is None else m.built_estimator(); "
        "print(json.dumps([sorted(sys.modules), threading.active_count(), est is None]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    mods, threads, no_catalogue = json.loads(out)
    assert threads == 1
    assert "openai" in mods and "wrapt" in mods
    assert not {"anthropic", "mistralai", "cohere", "google.genai", "litellm", "boto3"} & set(mods)
    assert no_catalogue  # the catalogue data loads on the first estimate, not in instrument()


def test_public_names_are_listed_once_and_the_type_checking_imports_match() -> None:
    """``_EXPORTS`` is the one list of public names: ``__all__`` comes from it, and the imports that type
    checkers read name exactly the same objects from the same modules."""
    import ast
    import importlib
    from pathlib import Path

    import aifootprint as af

    tree = ast.parse(Path(af.__file__).read_text(encoding="utf-8"))
    (block,) = [
        n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING"
    ]
    imported = {
        a.asname or a.name: "." * n.level + (n.module or "")
        for n in block.body
        if isinstance(n, ast.ImportFrom)
        for a in n.names
    }
    assert imported == af._EXPORTS
    assert sorted(af.__all__) == sorted([*af._EXPORTS, "__version__"])
    for name, module in af._EXPORTS.items():
        assert getattr(af, name) is getattr(importlib.import_module(module, "aifootprint"), name)


SDK_MODULES = (
    "openai",
    "anthropic",
    "mistralai",
    "cohere",
    "google.genai",
    "huggingface_hub",
    "litellm",
    "groq",
    "together",
    "botocore",
    "boto3",
    "ollama",
    "httpx",
)


def test_default_instrument_imports_no_sdk_and_instruments_each_on_first_import() -> None:
    """instrument() imports only aifootprint and the standard library (no SDK, so no network: litellm
    fetches its price list when imported); an SDK imported afterwards is instrumented then."""
    code = """
import importlib, importlib.util, json, sys
import aifootprint as af
installed = [m for m in ("openai", "litellm") if importlib.util.find_spec(m) is not None]
before = set(sys.modules)
af.instrument()
new = sorted(set(sys.modules) - before)
hooks = [type(f).__name__ for f in sys.meta_path]
from openai import OpenAI
from openai.resources.chat.completions.completions import Completions
wrapped = type(vars(Completions)["create"]).__name__
instrumented = af.instrumentation.instrumented()
import openai
importlib.reload(openai)
after_reload = [type(vars(Completions)["create"]).__name__, openai.OpenAI is OpenAI]
af.uninstrument()
print(json.dumps({"installed": installed, "new": new, "hooks": hooks, "wrapped": wrapped,
                  "instrumented": instrumented, "after_reload": after_reload,
                  "restored": type(vars(Completions)["create"]).__name__,
                  "hooks_after": [type(f).__name__ for f in sys.meta_path]}))
"""
    out = json.loads(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    )
    assert out["installed"] == ["openai", "litellm"]  # the SDKs are there to be imported
    new = out["new"]
    assert not [m for m in new for sdk in SDK_MODULES if m == sdk or m.startswith(f"{sdk}.")]
    tops = {m.split(".")[0] for m in new}
    assert tops - set(sys.stdlib_module_names) == {"aifootprint"}  # milliseconds, and no network
    assert "ImportHook" in out["hooks"]
    assert out["wrapped"] == "FunctionWrapper" and out["instrumented"] == ["openai"]
    assert out["after_reload"] == ["FunctionWrapper", True]
    assert out["restored"] == "function" and "ImportHook" not in out["hooks_after"]
