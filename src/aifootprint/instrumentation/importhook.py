"""Instrument an SDK when it is first imported: a ``sys.meta_path`` finder for a few top-level modules.

``instrument()`` instruments the SDKs already imported at once and asks this hook to watch the others
(``openai``, ``botocore``, ``google.genai``...). The hook answers ``find_spec`` for a watched name only: it
finds the real spec with the other finders, and wraps that spec's loader's ``exec_module`` (an attribute of
the loader instance, so the loader keeps its type and ``module.__spec__.loader`` stays the real one). After
the module has executed, the wrapper hands its names to the registry, which wraps the SDK's methods, and
puts the loader back as it was. The module is claimed when it executes, not when it is found:
``importlib.util.find_spec("openai")`` (libraries probing for optional dependencies) changes nothing.
A watched name that is a namespace package (``mistralai`` 3.x) has no code to run: the hook then waits for
the first of its subpackages to execute (``mistralai.client``).

The hook never breaks an import: the SDK's own exceptions propagate unchanged, and a failure of
instrumentation is logged once while the import succeeds. It leaves ``sys.meta_path`` as soon as nothing is
left to watch, and on ``uninstrument()``. Its lock is held only around its own bookkeeping, never while a
module is found, executed or instrumented.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

from .._log import log_once

#: ``on_import(module_name, provider_names)``: called in the importing thread once the module has executed.
OnImport = Callable[[str, tuple[str, ...]], None]


class ImportHook:
    """Watches top-level module names; calls ``on_import`` after a watched module has executed."""

    def __init__(self, on_import: OnImport, wanted: Callable[[str], bool]) -> None:
        self._on_import = on_import
        self._wanted = wanted  # whether a provider name is still to be instrumented (not uninstrumented)
        self._watched: dict[str, tuple[str, ...]] = {}  # module name -> provider names
        self._lock = threading.Lock()
        self._finding = threading.local()  # names this thread is finding (another finder may ask again)

    # -- bookkeeping (registry side) ---------------------------------------------------------------------
    def watch(self, module: str, name: str) -> None:
        with self._lock:
            names = self._watched.get(module, ())
            if name not in names:
                self._watched[module] = (*names, name)
            self._install_locked()

    def unwatch(self, name: str) -> None:
        with self._lock:
            for module, names in list(self._watched.items()):
                if name in names:
                    rest = tuple(n for n in names if n != name)
                    if rest:
                        self._watched[module] = rest
                    else:
                        del self._watched[module]
            if not self._watched:
                self._remove_locked()

    def close(self) -> None:
        """Watch nothing and leave ``sys.meta_path``."""
        with self._lock:
            self._watched.clear()
            self._remove_locked()

    def watched(self) -> dict[str, tuple[str, ...]]:
        with self._lock:
            return dict(self._watched)

    def claim(self, module: str) -> tuple[str, ...]:
        """The provider names waiting for ``module``, which stop being watched (one caller gets them)."""
        with self._lock:
            names = self._watched.pop(module, ())
            if not self._watched:
                self._remove_locked()
            return names

    def _install_locked(self) -> None:
        if self._watched and self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def _remove_locked(self) -> None:
        with contextlib.suppress(ValueError):  # not there
            sys.meta_path.remove(self)

    # -- importlib side ------------------------------------------------------------------------------------
    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        key = fullname  # the watched name this import claims
        if fullname not in self._watched:  # the fast path of every import
            parent = fullname.rpartition(".")[0]
            if not parent or parent not in self._watched or not _is_namespace(sys.modules.get(parent)):
                return None
            # A namespace package (mistralai 3.x) executes nothing: the SDK comes with its first subpackage.
            key = parent
        if fullname in sys.modules:
            return None
        finding: set[str] = self._finding.__dict__.setdefault("names", set())
        if fullname in finding:
            return None
        finding.add(fullname)
        try:
            spec = _find_with_others(self, fullname, path, target)
        finally:
            finding.discard(fullname)
        if spec is not None and spec.loader is not None:  # (None: a namespace package, see above)
            try:
                _wrap_exec_module(spec.loader, fullname, key, self)
            except Exception:  # a loader that takes no attributes: import normally, without us
                log_once(
                    ("import-hook", fullname),
                    "aifootprint: cannot watch the import of %s; call aifootprint.instrument() after "
                    "importing it to instrument it",
                    fullname,
                    exc_info=True,
                )
        return spec

    def executed(self, module: str, names: tuple[str, ...]) -> None:
        """``module`` has executed: instrument its providers; never raises (the import must succeed)."""
        try:
            self._on_import(module, names)
        except Exception:
            log_once(
                ("import-hook", module),
                "aifootprint: instrumenting %s when it was imported failed; it is not instrumented (the "
                "import itself is unaffected)",
                module,
                exc_info=True,
            )

    def rewatch(self, module: str, names: tuple[str, ...]) -> None:
        """The module failed to execute: watch it again for the providers still wanted."""
        keep = tuple(n for n in names if self._wanted(n))
        with self._lock:
            if keep:
                self._watched[module] = (*self._watched.get(module, ()), *keep)
                self._install_locked()


def _find_with_others(
    hook: ImportHook, fullname: str, path: Sequence[str] | None, target: ModuleType | None
) -> ModuleSpec | None:
    for finder in list(sys.meta_path):
        if finder is hook:
            continue
        find: Any = getattr(finder, "find_spec", None)
        if find is None:
            continue
        spec: ModuleSpec | None = find(fullname, path, target)
        if spec is not None:
            return spec
    return None


def _is_namespace(module: object) -> bool:
    return module is not None and hasattr(module, "__path__") and getattr(module, "__file__", None) is None


def _wrap_exec_module(loader: Any, fullname: str, key: str, hook: ImportHook) -> None:
    """Shadow ``loader.exec_module`` with an instance attribute that runs it, then hands the watched name
    ``key`` to the hook, and removes itself (restoring an instance attribute that was there before)."""
    own = vars(loader)
    had = "exec_module" in own
    previous = own.get("exec_module")
    original = loader.exec_module

    def restore() -> None:
        if vars(loader).get("exec_module") is exec_module:
            if had:
                loader.exec_module = previous
            else:
                del loader.exec_module

    def exec_module(module: ModuleType) -> None:
        if module.__name__ != fullname:  # a loader shared by several modules (zipimport): not ours
            original(module)
            return
        restore()
        names = hook.claim(key)
        try:
            original(module)
        except BaseException:
            if names:
                hook.rewatch(key, names)
            raise
        if names:
            hook.executed(key, names)

    loader.exec_module = exec_module
