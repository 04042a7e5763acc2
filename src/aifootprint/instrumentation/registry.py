"""``instrument()`` / ``uninstrument()``: install and remove the wrappers, idempotently and thread-safely."""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import threading
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import _state
from .._call import CallRecord
from .._log import log_once
from ..errors import ConfigError
from ..ledger import hub
from ..ledger.entry import Entry
from ..providers import ALIASES, PROVIDER_MODULES
from ..providers._base import Adapter, WrapSpec
from .importhook import ImportHook
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


_lock = threading.RLock()  # never held while importing (see instrument())
_patches: dict[str, list[_Patch]] = {}  # instrument name -> its patches
_pending: dict[str, Adapter] = {}  # instrument name -> adapter, waiting for its SDK's first import
_import_hook: ImportHook | None = None


def current() -> Runtime | None:
    """The runtime of ``instrument()`` (options, listeners); ``None`` when nothing is instrumented."""
    return _state.runtime()


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


def _top_module(adapter: Adapter) -> str:
    """The module whose import brings the SDK in (``openai``, ``botocore``, ``google.genai``)."""
    return adapter.import_name or adapter.distribution.replace("-", "_")


def _installed(adapter: Adapter) -> bool:
    try:
        return importlib.util.find_spec(_top_module(adapter)) is not None
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
    """Instrument the supported provider SDKs (all of them, or those named) so calls carry impacts.

    Without ``providers``, SDKs already imported are instrumented at once and the others when they are first
    imported (an import hook: ``instrument()`` itself imports no SDK); ``providers=[...]`` imports and
    instruments those named now, and raises if one is not installed.
    Idempotent: calling again updates the options and instruments any provider not yet instrumented.
    ``zone`` and ``boundary`` apply to every call (default: each provider's datacenter location, and the
    configured boundary). ``strict=True`` re-raises aifootprint's own errors instead of logging them (for
    tests). ``endpoints`` maps base URLs to where they run (``{"http://localhost:8000": {"zone": "FRA",
    "gpu": "H100"}}``), added to the ``[endpoints]`` tables of the config file. ``ledger`` is where every
    call is recorded: a file path, ``False`` for nowhere, ``None`` for the configured place
    (``AIFOOTPRINT_LEDGER``, the config file's ``ledger`` key, else the user data directory).
    """
    explicit = providers is not None
    if isinstance(providers, str):
        providers = [providers]
    names = [_canonical(p) for p in providers] if providers is not None else list(PROVIDER_MODULES)
    if boundary is not None:
        from .._values import BOUNDARIES

        if boundary not in BOUNDARIES:
            raise ConfigError(f"boundary: must be one of {', '.join(BOUNDARIES)}, got {boundary!r}")
    eps = _endpoints(endpoints)
    if zone is not None:
        from .._api import get_catalog

        get_catalog().zone(zone)  # fail loud at the edge: an unknown zone raises here, not per call
    from ..ledger.ledger import open_default

    open_default(ledger)  # a ledger file that cannot be used raises LedgerError here
    # Imports (aifootprint's provider modules, the SDKs, their submodules) happen here, outside _lock: a
    # thread importing an SDK holds the import system's lock on it and then waits for _lock in the hook.
    adapters: dict[str, Adapter] = {}
    for name in names:
        try:
            adapters[name] = _adapter(name)
        except ModuleNotFoundError as exc:
            if explicit or exc.name != PROVIDER_MODULES[name]:
                raise
            continue  # a provider module missing from a partial install
    ready: list[tuple[str, Adapter, list[tuple[WrapSpec, Any]]]] = []
    later: list[tuple[str, Adapter]] = []
    for name, adapter in adapters.items():
        if name in _patches:
            continue
        top = _top_module(adapter)
        if explicit:
            if not _installed(adapter):
                raise ConfigError(
                    f"providers: {name!r} is not installed (pip install {adapter.distribution})"
                )
            try:
                _import_quietly(top)
            except Exception:  # installed but failing at import: the application will see it too
                log_once(
                    ("import", top), "aifootprint: cannot import %s; not instrumented", top, exc_info=True
                )
                continue
        if top in sys.modules:
            owners = _prepare(adapter)
            if owners is not None:
                ready.append((name, adapter, owners))
        else:
            later.append((name, adapter))
    with _lock:
        rt = _state.runtime()
        if rt is None:
            rt = Runtime(zone=zone, boundary=boundary, strict=strict, endpoints=eps)
            rt.add_listener(_publish)
            _state.set_runtime(rt)
        else:
            rt.zone, rt.boundary, rt.strict, rt.endpoints = zone, boundary, strict, eps
            rt.clear_cache()
        for name, adapter, owners in ready:
            _install_locked(rt, name, adapter, owners)
        for name, adapter in later:
            if name not in _patches:
                _pending[name] = adapter
                _hook().watch(_top_module(adapter), name)
        for name in names:
            if name in _patches:
                rt.active.add(name)
    # An SDK another thread imported since it was found missing above (before the hook watched it):
    for name, adapter in later:
        top = _top_module(adapter)
        if top in sys.modules and name in _hook().watched().get(top, ()):
            _on_import(top, _hook().claim(top))
    return rt


def _hook() -> ImportHook:
    global _import_hook  # noqa: PLW0603 - the one hook of the process-wide instrumentation
    if _import_hook is None:
        _import_hook = ImportHook(_on_import, pending)
    return _import_hook


def pending(name: str) -> bool:
    """Whether provider ``name`` waits for its SDK to be imported to be instrumented."""
    return name in _pending


def _on_import(top: str, names: tuple[str, ...]) -> None:
    """The hook's callback: ``top`` has just been imported (in this thread); instrument its providers."""
    for name in names:
        adapter = _pending.get(name)
        if adapter is None:  # uninstrumented meanwhile
            continue
        owners = _prepare(adapter)
        with _lock:
            rt = _state.runtime()
            if rt is None or _pending.pop(name, None) is None:
                continue
            if owners is not None:
                _install_locked(rt, name, adapter, owners)
                rt.active.add(name)


def _import_quietly(module: str) -> None:
    """Import an SDK module, its import-time warnings silenced (they are not the user's business here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        importlib.import_module(module)


def _supported(adapter: Adapter) -> bool:
    """False (with one logged warning) for an SDK older than the oldest supported version."""
    from importlib.metadata import PackageNotFoundError, version  # 10-30 ms to import: only when needed

    try:
        have = version(adapter.distribution)
    except PackageNotFoundError:
        return True
    if have and _version_tuple(have) < _version_tuple(adapter.min_version):
        log_once(
            ("old-sdk", adapter.name),
            "aifootprint: %s %s is older than the oldest supported version %s; not instrumented",
            adapter.distribution,
            have,
            adapter.min_version,
        )
        return False
    return True


def _prepare(adapter: Adapter) -> list[tuple[WrapSpec, Any]] | None:
    """Everything installing needs that imports: the SDK modules of the specs, wrapt and the wrapper code.
    ``None`` for an unsupported SDK version. Runs outside ``_lock``."""
    if not _supported(adapter):
        return None
    import wrapt  # noqa: F401 - imported here, not under _lock

    from . import wrappers  # noqa: F401

    owners: list[tuple[WrapSpec, Any]] = []
    for spec in adapter.wraps:
        try:
            _import_quietly(spec.module)
        except ImportError:  # a module this SDK version does not have
            continue
        except Exception:  # an SDK failing at import (seen: KeyError in mistralai 2.0 during collection)
            log_once(("import", spec.module), "aifootprint: cannot import %s; not instrumented", spec.module)
            continue
        owners.append((spec, sys.modules[spec.module]))
    return owners


def _publish(rec: CallRecord) -> None:
    """Every finished call becomes a ledger entry for the hub's subscribers (ledger, telemetry)."""
    if hub.subscribers():
        hub.publish(Entry.from_call(rec))


def _endpoints(extra: Mapping[str, Mapping[str, Any]] | None) -> tuple[Endpoint, ...]:
    from .._state import current_settings

    settings = current_settings()  # the catalogue is not loaded for this
    from_file = settings.overlays.get("endpoints", {})
    merged: dict[str, Endpoint] = {}  # the argument's entries replace the file's for the same URL
    sources = ((from_file, f"config file {settings.config_path}"), (extra, "instrument(endpoints=...)"))
    for raw, origin in sources:
        for e in parse_endpoints(raw, origin, catalog=_catalog):  # unknown zone/gpu/datacenter: raise now
            merged[e.url] = e
    return tuple(sorted(merged.values(), key=lambda e: -len(e.url)))


def _catalog() -> Catalog:
    from .._api import get_catalog

    cat: Catalog = get_catalog()
    return cat


def _install_locked(rt: Runtime, name: str, adapter: Adapter, owners: list[tuple[WrapSpec, Any]]) -> None:
    """Wrap the methods of a prepared SDK (under ``_lock``: attribute reads and writes only, no import)."""
    from .wrappers import make_wrapper

    if name in _patches:
        return
    patches: list[_Patch] = []
    for spec, module in owners:
        patch = _wrap(spec, module, make_wrapper(rt, adapter, spec))
        if patch is not None:
            patches.append(patch)
    _patches[name] = patches
    if _pending.pop(name, None) is not None and _import_hook is not None:
        _import_hook.unwatch(name)  # instrumented by instrument() itself: no longer watched


def _wrap(spec: WrapSpec, owner: Any, wrapper: Any) -> _Patch | None:
    import wrapt

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
    with _lock:
        rt = _state.runtime()
        if isinstance(providers, str):
            providers = [providers]
        names = [_canonical(p) for p in providers] if providers is not None else [*_patches, *_pending]
        for name in names:
            if rt is not None:
                rt.active.discard(name)
            if _pending.pop(name, None) is not None and _import_hook is not None:
                _import_hook.unwatch(name)
            for p in _patches.pop(name, []):
                current = vars(p.owner).get(p.attribute)
                if current is p.wrapper:
                    if p.own:
                        setattr(p.owner, p.attribute, p.original)
                    else:
                        delattr(p.owner, p.attribute)
                # else: another wrapper sits on top of ours; ours stays, switched off (name not active)
        if not _patches and not _pending:
            if _import_hook is not None:
                _import_hook.close()  # off sys.meta_path
            if rt is not None:
                rt.active.clear()
                _state.set_runtime(None)


def instrumented() -> tuple[str, ...]:
    """Names of the providers currently instrumented (not those waiting for their SDK to be imported)."""
    return tuple(sorted(_patches))


def _after_fork_in_child() -> None:
    """A lock held by another thread when the process forked stays held for ever in the child: a new one."""
    global _lock  # noqa: PLW0603
    _lock = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
