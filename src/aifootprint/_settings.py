"""Configuration: arguments > ``AIFOOTPRINT_*`` environment > config file > defaults, with provenance.

The config file is ``aifootprint.toml`` or the ``[tool.aifootprint]`` table of ``pyproject.toml``, found in
the current directory or its parents (the first of either file found wins), or named by
``AIFOOTPRINT_CONFIG``. Besides settings it may hold overlays: ``[models."provider/name"]``,
``[datacenters."provider"]`` / ``[datacenters."provider/region"]`` and ``[zones."CODE"]`` tables that add
to or
override the shipped catalogue. Every invalid value raises :class:`ConfigError` naming where it came from.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import ConfigError, InputError

if TYPE_CHECKING:
    from ._interval import Bounds

SETTING_KEYS = ("zone", "boundary", "gpu", "batch_size", "ledger")
OVERLAY_KEYS = ("models", "datacenters", "zones", "endpoints", "market")
ENV_PREFIX = "AIFOOTPRINT_"


_NOTHING: Mapping[str, Any] = MappingProxyType({})


class Settings(NamedTuple):
    """Resolved settings (immutable). ``provenance[key]`` says where each value came from.

    A NamedTuple rather than a frozen dataclass: a measurement's first start reads the settings, and creating
    this class costs about 0.1 ms where the dataclass cost 1 ms."""

    zone: str | None = None
    boundary: str = "datacenter"
    gpu: str | None = None
    batch_size: Bounds | None = None
    ledger: str | None = None  # a path, or "off"; None: the user data directory
    config_path: Path | None = None
    overlays: Mapping[str, Mapping[str, Any]] = _NOTHING
    provenance: Mapping[str, str] = _NOTHING

    @classmethod
    def resolve(
        cls,
        *,
        zone: str | None = None,
        boundary: str | None = None,
        gpu: str | None = None,
        batch_size: object | None = None,
        ledger: str | None = None,
        config: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> Settings:
        """Resolve settings from arguments, then environment, then the config file, then defaults."""
        env = os.environ if env is None else env
        path = _find_config(config, env, Path(cwd) if cwd is not None else Path.cwd())
        file_table = _read_config(path) if path is not None else {}
        args: dict[str, object | None] = {
            "zone": zone,
            "boundary": boundary,
            "gpu": gpu,
            "batch_size": batch_size,
            "ledger": ledger,
        }
        values: dict[str, Any] = {}
        provenance: dict[str, str] = {}
        for key in SETTING_KEYS:
            raw: object | None
            if args[key] is not None:
                raw, origin = args[key], "argument"
            elif (env_key := ENV_PREFIX + key.upper()) in env and env[env_key] != "":
                raw, origin = env[env_key], f"environment {env_key}"
            elif key in file_table:
                raw, origin = file_table[key], f"config file {path}"
            else:
                continue
            values[key] = _validate(key, raw, origin)
            provenance[key] = origin
        overlays = {k: file_table.get(k, {}) for k in OVERLAY_KEYS}
        return cls(config_path=path, overlays=overlays, provenance=provenance, **values)


def _validate(key: str, raw: object, origin: str) -> Any:
    try:
        if key == "boundary":
            from ._values import (
                BOUNDARIES,  # here: resolving settings (a measurement's start) needs no values
            )

            if raw not in BOUNDARIES:
                raise ConfigError(
                    f"boundary={raw!r} is not one of {', '.join(BOUNDARIES)} (source: {origin})"
                )
            return raw
        if key in ("zone", "gpu"):
            if not isinstance(raw, str) or not raw.strip():
                raise ConfigError(f"{key}={raw!r} must be a non-empty string (source: {origin})")
            return raw.strip()
        if key == "ledger":
            if isinstance(raw, bool):  # ledger = false / true in TOML
                return None if raw else "off"
            if not isinstance(raw, str) or not raw.strip():
                raise ConfigError(
                    f"ledger={raw!r} must be a file path, or false / 'off' to switch the ledger off "
                    f"(source: {origin})"
                )
            return raw.strip()
        if key == "batch_size":
            if isinstance(raw, str):  # from the environment: "64" or "32,128"
                parts = [p.strip() for p in raw.split(",")]
                try:
                    nums = [float(p) for p in parts]
                except ValueError:
                    raise ConfigError(
                        f"batch_size={raw!r} is not a number or 'low,high' range (source: {origin})"
                    ) from None
                raw = nums[0] if len(nums) == 1 else tuple(nums)
            from ._interval import parse_range

            return parse_range("batch_size", raw, minimum=1.0)
    except InputError as exc:
        raise ConfigError(f"{exc} (source: {origin})") from None
    raise AssertionError(key)  # pragma: no cover


def _find_config(explicit: str | os.PathLike[str] | None, env: Mapping[str, str], cwd: Path) -> Path | None:
    named = explicit if explicit is not None else env.get(ENV_PREFIX + "CONFIG") or None
    if named is not None:
        path = Path(named)
        if not path.is_file():
            origin = "argument" if explicit is not None else f"environment {ENV_PREFIX}CONFIG"
            raise ConfigError(f"config file {path} does not exist (source: {origin})")
        return path
    for directory in (cwd, *cwd.parents):
        for name in ("aifootprint.toml", "pyproject.toml"):
            candidate = directory / name
            if candidate.is_file():
                return candidate
    return None


def _read_config(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):  # imported here: only when there is a config file to read
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("aifootprint", {})
        prefix = "[tool.aifootprint]"
    else:
        table, prefix = data, ""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {prefix or 'top level'} must be a table")
    for key, value in table.items():
        if key in OVERLAY_KEYS:
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise ConfigError(f'{path}: {prefix}{key} must hold tables like [{key}."NAME"]')
        elif key not in SETTING_KEYS:
            known = ", ".join((*SETTING_KEYS, *OVERLAY_KEYS))
            raise ConfigError(f"{path}: unknown key {prefix and prefix + '.'}{key!r} (known: {known})")
    return dict(table)
