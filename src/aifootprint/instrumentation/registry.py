"""``instrument()`` / ``uninstrument()``: install and remove the wrappers, idempotently and thread-safely."""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import threading
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from .._log import log_once
from ..errors import ConfigError
from ..ledger import hub
from ..ledger.entry import Entry
from ..providers import ALIASES, PROVIDER_MODULES
from ..providers._base import Adapter, WrapSpec
from .records import CallRecord
from .runtime import Endpoint, Runtime, parse_endpoints

if TYPE_CHECKING:
    from ..catalog import Catalog


@dataclass
class _Patch:
    owner: Any
    attribute: str
    original: Any  # what owner.__dict__[attribute] held (None if inherited)
    own: bool  # whether the attribute was in owner.__dict__
    wrapper: Any


_lock = threading.RLock()
_runtime: Runtime | None = None
_patches: dict[str, list[_Patch]] = {}  # instrument name -> its patches


def current() -> Runtime | None:
    return _runtime


def _canonical(name: str) -> str:
    if not isinstance(name, str):
        raise ConfigError(f"providers: expected provider names (str), got {name!r}")
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in PROVIDER_MODULES:
        import difflib

        close = difflib.get_close_matches(key, [*PROVIDER_MODULES, *ALIASES], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(
            f"providers: unknown provider {name!r} (known: {', '.join(sorted(PROVIDER_MODULES))}){hint}"
        )
    return key


def _version_tuple(v: str) -> tuple[int, ...]:
    parts: list[int] = []
    for p in v.split("."):
        m = re.match(r"\d+", p)
        if m is None:
            break
        parts.append(int(m.group()))
        if m.end() != len(p):
            break
    return tuple(parts)


def _adapter(name: str) -> Adapter:
    module = importlib.import_module(PROVIDER_MODULES[name])
    adapter: Adapter = module.ADAPTER
    return adapter


def _installed(adapter: Adapter) -> bool:
    top = adapter.import_name or adapter.distribution.replace("-", "_")
    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        return False


def instrument(
    providers: Iterable[str] | None = None,
    *,
    zone: str | None = None,
    boundary: str | None = None,
    strict: bool = False,
    endpoints: Mapping[str, Mapping[str, Any]] | None = None,
    ledger: str | os.PathLike[str] | bool | None = None,
) -> Runtime:
    """Instrument the installed provider SDKs (all of them, or those named) so calls carry impacts.

    Idempotent: calling again updates the options and instruments any provider not yet instrumented.
    ``zone`` and ``boundary`` apply to every call (default: each provider's datacenter location, and the
    configured boundary). ``strict=True`` re-raises aifootprint's own errors instead of logging them (for
    tests). ``endpoints`` maps base URLs to where they run (``{"http://localhost:8000": {"zone": "FRA",
    "gpu": "H100"}}``), added to the ``[endpoints]`` tables of the config file. ``ledger`` is where every
    call is recorded: a file path, ``False`` for nowhere, ``None`` for the configured place
    (``AIFOOTPRINT_LEDGER``, the config file's ``ledger`` key, else the user data directory).
    """
    global _runtime  # noqa: PLW0603 - the one process-wide instrumentation state
    names: list[str]
    explicit = providers is not None
    if isinstance(providers, str):
        providers = [providers]
    names = [_canonical(p) for p in providers] if providers is not None else list(PROVIDER_MODULES)
    if boundary is not None:
        from ..records import BOUNDARIES

        if boundary not in BOUNDARIES:
            raise ConfigError(f"boundary: must be one of {', '.join(BOUNDARIES)}, got {boundary!r}")
    eps = _endpoints(endpoints)
    if zone is not None:
        from ..api import get_catalog

        get_catalog().zone(zone)  # fail loud at the edge: an unknown zone raises here, not per call
    from ..ledger.ledger import open_default

    open_default(ledger)  # a ledger file that cannot be used raises LedgerError here
    with _lock:
        rt = _runtime
        if rt is None:
            rt = _runtime = Runtime(zone=zone, boundary=boundary, strict=strict, endpoints=eps)
            rt.add_listener(_publish)
        else:
            rt.zone, rt.boundary, rt.strict, rt.endpoints = zone, boundary, strict, eps
            rt.clear_cache()
        for name in names:
            if name in _patches:
                rt.active.add(name)
                continue
            try:
                adapter = _adapter(name)
            except ModuleNotFoundError as exc:
                if explicit or exc.name != PROVIDER_MODULES[name]:
                    raise
                continue  # a provider module missing from a partial install
            if not _installed(adapter):
                if explicit:
                    raise ConfigError(
                        f"providers: {name!r} is not installed (pip install {adapter.distribution})"
                    )
                continue
            try:
                have = version(adapter.distribution)
            except PackageNotFoundError:
                have = ""
            if have and _version_tuple(have) < _version_tuple(adapter.min_version):
                log_once(
                    ("old-sdk", name),
                    "aifootprint: %s %s is older than the oldest supported version %s; not instrumented",
                    adapter.distribution,
                    have,
                    adapter.min_version,
                )
                continue
            _patches[name] = _install(rt, adapter)
            rt.active.add(name)
    return rt


def _publish(rec: CallRecord) -> None:
    """Every finished call becomes a ledger entry for the hub's subscribers (ledger, telemetry)."""
    if hub.subscribers():
        hub.publish(Entry.from_call(rec))


def _endpoints(extra: Mapping[str, Mapping[str, Any]] | None) -> tuple[Endpoint, ...]:
    import sys

    est = sys.modules.get("aifootprint.estimator")  # not imported yet: no need to (it pulls in the catalogue)
    if est is not None:
        settings = est.default_settings()
    else:
        from ..settings import Settings

        settings = Settings.resolve()
    from_file = settings.overlays.get("endpoints", {})
    merged: dict[str, Endpoint] = {}  # the argument's entries replace the file's for the same URL
    sources = ((from_file, f"config file {settings.config_path}"), (extra, "instrument(endpoints=...)"))
    for raw, origin in sources:
        for e in parse_endpoints(raw, origin, catalog=_catalog):  # unknown zone/gpu/datacenter: raise now
            merged[e.url] = e
    return tuple(sorted(merged.values(), key=lambda e: -len(e.url)))


def _catalog() -> Catalog:
    from ..api import get_catalog

    cat: Catalog = get_catalog()
    return cat


def _install(rt: Runtime, adapter: Adapter) -> list[_Patch]:
    from .wrappers import make_wrapper

    patches: list[_Patch] = []
    for spec in adapter.wraps:
        patch = _wrap(spec, make_wrapper(rt, adapter, spec))
        if patch is not None:
            patches.append(patch)
    return patches


def _wrap(spec: WrapSpec, wrapper: Any) -> _Patch | None:
    import wrapt

    try:
        with warnings.catch_warnings():  # an SDK's own import-time warnings are not the user's business
            warnings.simplefilter("ignore")
            owner: Any = importlib.import_module(spec.module)
    except ImportError:  # a module this SDK version does not have
        return None
    except Exception:  # an SDK failing at import (seen: KeyError in mistralai 2.0 during collection)
        log_once(("import", spec.module), "aifootprint: cannot import %s; not instrumented", spec.module)
        return None
    *parents, attribute = spec.path.split(".")
    for p in parents:
        owner = getattr(owner, p, None)
        if owner is None:
            return None
    own = attribute in vars(owner)
    original = vars(owner)[attribute] if own else getattr(owner, attribute, None)
    if original is None:
        return None
    fw = wrapt.FunctionWrapper(original, wrapper)
    setattr(owner, attribute, fw)
    return _Patch(owner, attribute, original if own else None, own, fw)


def uninstrument(providers: Iterable[str] | None = None) -> None:
    """Remove the wrappers (of all providers, or those named) and restore the SDKs' own methods.

    A method that another library wrapped on top of ours since cannot be unwrapped without removing that
    library's wrapper too: ours is then switched off instead (it calls through untouched).
    """
    global _runtime  # noqa: PLW0603
    with _lock:
        if isinstance(providers, str):
            providers = [providers]
        names = [_canonical(p) for p in providers] if providers is not None else list(_patches)
        for name in names:
            if _runtime is not None:
                _runtime.active.discard(name)
            for p in _patches.pop(name, []):
                current = vars(p.owner).get(p.attribute)
                if current is p.wrapper:
                    if p.own:
                        setattr(p.owner, p.attribute, p.original)
                    else:
                        delattr(p.owner, p.attribute)
                # else: another wrapper sits on top of ours; ours stays, switched off (name not active)
        if not _patches and _runtime is not None:
            _runtime.active.clear()
            _runtime = None


def instrumented() -> tuple[str, ...]:
    """Names of the providers currently instrumented."""
    return tuple(sorted(_patches))
