"""Config precedence (args > env > file > defaults) and config-file errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from aifootprint._settings import Settings
from aifootprint.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_precedence(tmp_path: Path) -> None:
    write(tmp_path / "aifootprint.toml", 'zone = "DEU"\nboundary = "server"\ngpu = "A100"\n')
    env = {"AIFOOTPRINT_ZONE": "SWE", "AIFOOTPRINT_BATCH_SIZE": "32,128"}
    s = Settings.resolve(zone="FRA", env=env, cwd=tmp_path)
    assert s.zone == "FRA" and s.provenance["zone"] == "argument"
    s = Settings.resolve(env=env, cwd=tmp_path)
    assert s.zone == "SWE" and s.provenance["zone"] == "environment AIFOOTPRINT_ZONE"
    assert s.batch_size == (32.0, 64.0, 128.0)
    assert s.boundary == "server" and s.provenance["boundary"].startswith("config file")
    assert s.gpu == "A100"
    s = Settings.resolve(env={}, cwd=tmp_path / "..")
    assert s.boundary in ("datacenter", "server")  # parent dir may have no config


def test_defaults_without_file(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    s = Settings.resolve(env={}, cwd=tmp_path)
    assert (s.zone, s.boundary, s.gpu, s.batch_size) == (None, "datacenter", None, None)
    assert s.provenance == {}


def test_pyproject_table_and_parent_search(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.aifootprint]\nzone = "FRA"\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    s = Settings.resolve(env={}, cwd=sub)
    assert s.zone == "FRA" and s.config_path == tmp_path / "pyproject.toml"


def test_env_config_path(tmp_path: Path) -> None:
    cfg = write(tmp_path / "custom.toml", 'zone = "CAN"\n')
    s = Settings.resolve(env={"AIFOOTPRINT_CONFIG": str(cfg)}, cwd=tmp_path)
    assert s.zone == "CAN"
    with pytest.raises(ConfigError, match="does not exist"):
        Settings.resolve(env={"AIFOOTPRINT_CONFIG": str(tmp_path / "missing.toml")}, cwd=tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("zone = \n", "not valid TOML"),
        ('zome = "FRA"\n', "unknown key 'zome'"),
        ('boundary = "planet"\n', "boundary='planet' is not one of"),
        ("batch_size = -3\n", "batch_size"),
        ('models = "x"\n', "must hold tables"),
    ],
)
def test_bad_file_names_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    cfg = write(tmp_path / "aifootprint.toml", text)
    with pytest.raises(ConfigError) as err:
        Settings.resolve(env={}, cwd=tmp_path)
    assert message in str(err.value)
    assert str(cfg) in str(err.value)


def test_bad_env_value_names_source(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="AIFOOTPRINT_BATCH_SIZE"):
        Settings.resolve(env={"AIFOOTPRINT_BATCH_SIZE": "many"}, cwd=tmp_path)
