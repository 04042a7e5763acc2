"""The one owner of process-wide state.

aifootprint keeps a few things per process: the default :class:`~aifootprint.Estimator` (catalogue,
config-file overlays and settings, built on first use), the settings in force, the instrumentation runtime
(``instrument()``), and the process-wide ledger with the explicit choice of ledger made by
``instrument(ledger=...)`` / ``--ledger``. They live here and nowhere else; other modules ask through these
functions and never read each other's globals.

A hook lets a part react to something it does not own, without either part importing the other:

- ``before_exit(hook)``: the process is ending and the ledgers are about to be closed (local measurement
  registers "stop the recorded runs still open, as incomplete" here when its first recorded run starts).
  The ledger runs these hooks (``run_exit_hooks()``) from its exit handlers (``atexit`` and, in a
  ``multiprocessing`` child made by fork, a multiprocessing finalizer) before it closes, so entries
  published by the hooks are written. Once a hook is registered they also run from ``atexit`` when no ledger
  exists (exporters).

Nothing here imports the catalogue, the ledger or the instrumentation at import time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ._estimator import Estimator
    from ._settings import Settings
    from .instrumentation.runtime import Runtime
    from .ledger.ledger import Ledger

#: What ``instrument(ledger=...)`` / ``--ledger`` / ``open_default()`` accept: a path, ``"off"`` or ``False``
#: for none, ``True`` or ``None`` for the configured place.
LedgerSetting = str | os.PathLike[str] | bool | None

_lock = threading.Lock()
_estimator: Estimator | None = None
_settings: Settings | None = None  # resolved once (as the estimator's are) until reset()


# -- the default estimator ----------------------------------------------------------------------------------
def default_estimator() -> Estimator:
    """The process-wide estimator: shipped catalogue + config-file overlays + resolved settings (lazy)."""
    est = _estimator
    if est is None:
        with _lock:
            if _estimator is None:
                _set_estimator(_build_default())
            est = _estimator
            assert est is not None
    return est


def built_estimator() -> Estimator | None:
    """The process-wide estimator if it is built already, else ``None`` (nothing is loaded for this)."""
    return _estimator


def set_default_estimator(est: Estimator | None) -> None:
    """Replace the process-wide estimator (``None``: rebuild lazily on next use)."""
    _set_estimator(est)


def _set_estimator(est: Estimator | None) -> None:
    global _estimator  # noqa: PLW0603 - the one process-wide default, replaceable and resettable
    _estimator = est


def _build_default() -> Estimator:
    from ._estimator import Estimator
    from .catalog import load_catalog

    settings = current_settings()
    origin = f"config file {settings.config_path}" if settings.config_path else "overlay"
    return Estimator(load_catalog(settings.overlays, origin), settings)


# -- the settings in force ----------------------------------------------------------------------------------
def current_settings() -> Settings:
    """The settings in force, the one resolution path of every setting (arguments > ``AIFOOTPRINT_*``
    environment > config file > defaults, with provenance): the process-wide estimator's when it is built
    (``configure()`` installs one whose settings win), else settings resolved on first use and kept until
    ``reset()``, as the estimator keeps its own (neither the catalogue nor the estimator is loaded)."""
    global _settings  # noqa: PLW0603 - resolved once per process, forgotten by reset()
    est = _estimator
    if est is not None:
        return est.settings
    s = _settings
    if s is None:
        from ._settings import Settings

        s = _settings = Settings.resolve()
    return s


def reset() -> None:
    """Forget the default estimator and the settings, so settings and config files are read again on next
    use."""
    global _settings  # noqa: PLW0603
    set_default_estimator(None)
    _settings = None


# -- the instrumentation runtime -----------------------------------------------------------------------------
# aifootprint.instrumentation.registry creates it (instrument()) and drops it (uninstrument()).
_runtime: Runtime | None = None


def runtime() -> Runtime | None:
    """The options and listeners of ``instrument()``, or ``None`` when nothing is instrumented."""
    return _runtime


def set_runtime(rt: Runtime | None) -> None:
    global _runtime  # noqa: PLW0603 - the one process-wide instrumentation runtime
    _runtime = rt


# -- the process-wide ledger --------------------------------------------------------------------------------
# aifootprint.ledger.ledger creates, replaces and closes it (open_default, close_default); others only read.
ledger_lock = threading.Lock()
_ledger: Ledger | None = None
_choice: LedgerSetting = None


def default_ledger() -> Ledger | None:
    """The process-wide ledger object (its file may not be open yet), or ``None``."""
    return _ledger


def set_default_ledger(led: Ledger | None) -> None:
    global _ledger  # noqa: PLW0603 - the one process-wide ledger
    _ledger = led


def ledger_choice() -> LedgerSetting:
    """The ledger the program chose explicitly (``instrument(ledger=...)``, ``aifootprint run --ledger``):
    a path, ``False``/``"off"`` for none; ``None`` when nothing was chosen (the settings decide)."""
    return _choice


def set_ledger_choice(setting: LedgerSetting) -> None:
    global _choice  # noqa: PLW0603
    _choice = setting


#: Values of a ledger setting that mean "no ledger".
LEDGER_OFF = ("off", "false", "no", "0", "none")


def ledger_off() -> bool:
    """Whether the program's explicit choice, else the settings, switch the process-wide ledger off
    (without importing the ledger: a measurement's start asks this first)."""
    choice = _choice
    if choice is False:
        return True
    if choice is not None and choice is not True:
        return os.fspath(choice).strip().lower() in LEDGER_OFF
    configured = current_settings().ledger
    return configured is not None and configured.strip().lower() in LEDGER_OFF


# -- exit ---------------------------------------------------------------------------------------------------
_exit_hooks: list[Callable[[], None]] = []
_exit_registered = False
_exit_ran_in = 0  # the pid whose hooks have run: each process (a forked child too) runs them once


def before_exit(hook: Callable[[], None]) -> None:
    """Call ``hook()`` once when the process ends, before the ledgers are closed (see the module doc)."""
    global _exit_registered  # noqa: PLW0603
    with _lock:
        if hook not in _exit_hooks:
            _exit_hooks.append(hook)
        if not _exit_registered:
            import atexit

            atexit.register(run_exit_hooks)
            _exit_registered = True


def run_exit_hooks() -> None:
    """Run the ``before_exit`` hooks, once per process; a failing hook is logged and the others run."""
    global _exit_ran_in  # noqa: PLW0603
    pid = os.getpid()
    with _lock:
        if _exit_ran_in == pid:
            return
        _exit_ran_in = pid
        hooks = list(_exit_hooks)
    for hook in hooks:
        try:
            hook()
        except Exception:
            from ._log import logger

            logger.warning("aifootprint: an exit hook failed", exc_info=True)


def _after_fork_in_child() -> None:
    """A lock held by another thread when the process forked stays held for ever in the child: new ones."""
    global _lock, ledger_lock  # noqa: PLW0603
    _lock = threading.Lock()
    ledger_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
