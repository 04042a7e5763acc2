from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import aifootprint as af
from aifootprint.estimator import Estimator
from aifootprint.settings import Settings


@pytest.fixture(autouse=True)
def _isolated_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every test starts from a fresh default estimator, no AIFOOTPRINT_* env, no config file."""
    for key in list(__import__("os").environ):
        if key.startswith("AIFOOTPRINT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'sandbox'\n", encoding="utf-8")
    af.reset()
    yield
    af.reset()


@pytest.fixture
def estimator(tmp_path: Path) -> Estimator:
    return af.make_estimator(settings=Settings.resolve(env={}, cwd=tmp_path))
