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
        "aifootprint.api",
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
        "m = sys.modules.get('aifootprint.estimator'); est = None if m is None else m._default; "
        "print(json.dumps([sorted(sys.modules), threading.active_count(), est is None]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    mods, threads, no_catalogue = json.loads(out)
    assert threads == 1
    assert "openai" in mods and "wrapt" in mods
    assert not {"anthropic", "mistralai", "cohere", "google.genai", "litellm", "boto3"} & set(mods)
    assert no_catalogue  # the catalogue data loads on the first estimate, not in instrument()
