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
    }
    assert not heavy & set(mods), heavy & set(mods)


def test_lazy_attributes_resolve() -> None:
    import aifootprint as af

    for name in af.__all__:
        assert getattr(af, name) is not None
    assert "estimate" in dir(af)
