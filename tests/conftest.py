from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import aifootprint as af
from aifootprint._estimator import Estimator
from aifootprint._settings import Settings


@pytest.fixture(autouse=True)
def _isolated_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every test starts from a fresh default estimator, no AIFOOTPRINT_* env, no config file."""
    for key in list(__import__("os").environ):
        if key.startswith("AIFOOTPRINT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AIFOOTPRINT_LEDGER", "off")  # tests that use a ledger name a file in tmp_path
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'sandbox'\n", encoding="utf-8")
    af.reset()
    yield
    af.reset()
    from aifootprint.ledger import close_default

    close_default()


@pytest.fixture
def estimator(tmp_path: Path) -> Estimator:
    return af.make_estimator(settings=Settings.resolve(env={}, cwd=tmp_path))
