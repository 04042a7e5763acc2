"""The one owner of process-wide state.

aifootprint keeps three things per process: the default :class:`~aifootprint.Estimator` (catalogue,
config-file overlays and settings, built on first use), the instrumentation runtime (``instrument()``) and
the process-wide ledger. They live here and nowhere else; other modules ask through these functions and
never read each other's globals. Hooks (``on_reset``) let a part react to a change it does not own.

Nothing here imports the catalogue, the ledger or the instrumentation at import time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

TYPE_CHECKING = False  # not typing's: a measurement's first start in a bare interpreter would import typing
if TYPE_CHECKING:  # pragma: no cover
    from ._estimator import Estimator
    from ._settings import Settings

_lock = threading.Lock()
_estimator: Estimator | None = None
_reset_hooks: list[Callable[[], None]] = []


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
    from ._settings import Settings
    from .catalog import load_catalog

    settings = Settings.resolve()
    origin = f"config file {settings.config_path}" if settings.config_path else "overlay"
    return Estimator(load_catalog(settings.overlays, origin), settings)


def current_settings() -> Settings:
    """The settings in force: the process-wide estimator's when it is built, else freshly resolved ones
    (neither the catalogue nor the estimator is loaded for this). Every setting is read through here."""
    est = _estimator
    if est is not None:
        return est.settings
    from ._settings import Settings

    return Settings.resolve()


def on_reset(hook: Callable[[], None]) -> None:
    """Call ``hook()`` whenever the settings in force may have changed (``reset()``, ``configure()``)."""
    if hook not in _reset_hooks:
        _reset_hooks.append(hook)


def reset() -> None:
    """Forget the default estimator, so settings and config files are read again on next use."""
    set_default_estimator(None)
    for hook in list(_reset_hooks):
        hook()
