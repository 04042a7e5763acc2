"""Framework hooks: measure a training run from inside the framework's own loop (optional extras).

- :mod:`aifootprint.integrations.transformers`: ``AifootprintCallback`` for the Hugging Face ``Trainer``
  (``pip install 'aifootprint[transformers]'``).
- :mod:`aifootprint.integrations.lightning`: ``AifootprintCallback`` for the PyTorch Lightning ``Trainer``
  (``pip install 'aifootprint[lightning]'``).

Both are thin drivers of :class:`_TrainingRun` below, which holds what they share: one
``aifootprint.measure()`` per training run, which process measures, the number of epochs the forecast
extrapolates to, and logging. Importing this package imports no framework.

Which process measures: one per node, the node's local process zero. A measurement reads the devices of
the machine (every GPU the process can see, the CPU packages, the RAM), not those of one process: under
``torchrun``/``accelerate``/Lightning's DDP every process of a node sees the node's GPUs, so a measurement
in each process would count the node's energy once per process. World process zero alone would miss the
other nodes. So each node's local process zero measures its node and writes its own ledger entry (labelled
``host=<hostname>`` when the run has several processes); the figures added to the framework's logs are
those of the node of world process zero, since only that process writes the logs.
"""

from __future__ import annotations

import logging
import math
import os
import socket
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .. import Forecast, Measurement

logger = logging.getLogger(__name__)

#: Keys of the figures added to the framework's logs (energy and emissions of the run so far).
ENERGY_KEY = "aifootprint/energy_kwh"
GWP_KEY = "aifootprint/gwp_kgco2eq"
_FAR = 10**6  # more planned epochs than this: an open-ended run (transformers uses sys.maxsize)


def missing_extra(package: str, extra: str, exc: ImportError) -> ImportError:
    """The ImportError raised when a framework hook is imported without its framework."""
    err = ImportError(
        f"aifootprint.integrations.{extra} needs {package}: pip install 'aifootprint[{extra}]'",
        name=exc.name,
    )
    err.__cause__ = exc
    return err


def planned_epochs(
    *,
    max_epochs: int | None,
    max_steps: int | None,
    epochs_before: int,
    steps_before: int,
    steps_first_epoch: int,
) -> tuple[int | None, str]:
    """Epochs this run will go through from where it started, and why none when it cannot be told.

    ``max_epochs``/``max_steps``: the framework's limits (``None`` or <= 0: none); the run ends at the
    first reached. ``epochs_before``/``steps_before``: the epochs and optimizer steps done before this run
    started (a resumed run); ``steps_first_epoch``: the steps done in the run's first epoch. A ``max_steps``
    limit that ends inside an epoch gives no forecast: forecasts extrapolate whole epochs.
    """
    by_epochs = max_epochs - epochs_before if max_epochs is not None and max_epochs > 0 else None
    if by_epochs is not None and by_epochs > _FAR:
        by_epochs = None
    if max_steps is not None and max_steps > 0 and steps_first_epoch > 0:
        left = max(max_steps - steps_before, 0)
        epochs, rest = divmod(left, steps_first_epoch)
        if by_epochs is None or left / steps_first_epoch < by_epochs:
            if rest == 0:
                return max(epochs, 1), ""
            return None, (
                f"max_steps={max_steps} ends inside an epoch ({left / steps_first_epoch:.2f} epochs of "
                f"{steps_first_epoch} steps) and forecasts extrapolate whole epochs"
            )
    if by_epochs is None:
        return None, "the run has no planned number of epochs (no epoch or step limit)"
    return max(by_epochs, 1), ""


def gpus_hidden_from_measurer(local_processes: int, env: Mapping[str, str] | None = None) -> bool:
    """True when each process of the node is bound to its own GPU by ``CUDA_VISIBLE_DEVICES``.

    Then the measuring process (local process zero) sees only its own GPU and the other processes' GPUs
    are missing from the node's figures.
    """
    env = os.environ if env is None else env
    visible = env.get("CUDA_VISIBLE_DEVICES")
    if local_processes <= 1 or visible is None:
        return False
    return len([v for v in visible.split(",") if v.strip()]) == 1


class _TrainingRun:
    """What both callbacks share: one measurement per training run, epochs, forecast, logging.

    Nothing here may stop a training run once it has started: an argument error raises when the callback
    is built, an unknown zone when training starts (before any compute); any later failure is logged once
    and the run goes on unmeasured.
    """

    def __init__(self, name: str | None, options: Mapping[str, Any], log_level: int) -> None:
        import aifootprint

        self.name = name
        self.options = dict(options)
        self.log_level = log_level
        # Validates every option now (InputError), when the user builds the callback; nothing is read yet.
        aifootprint.measure(name or "training run", **self.options)
        self.measurement: Measurement | None = None
        self.forecast_logged = False
        self._total_given = self.options.get("total_epochs") is not None
        self._planned: int | None = None
        self._epochs_seen = 0
        self._epochs_before = 0
        self._steps_before = 0
        self._failed = False

    # -- life cycle -----------------------------------------------------------------------------------
    def begin(
        self,
        default_name: str,
        *,
        world_size: int,
        local_processes: int,
        epochs_before: int = 0,
        steps_before: int = 0,
    ) -> Measurement | None:
        """Start measuring (on the process that measures); a run still open is closed as incomplete."""
        import aifootprint
        from aifootprint.errors import AifootprintError

        if self.measurement is not None and self.measurement.running:
            logger.warning(
                "aifootprint: the previous training run %r never ended (an exception?): "
                "recorded as incomplete",
                self.measurement.name,
            )
            self.end(complete=False)
        self.measurement = None
        self.forecast_logged, self._failed = False, False
        self._planned, self._epochs_seen = None, 0
        self._epochs_before, self._steps_before = epochs_before, steps_before
        options = dict(self.options)
        if world_size > 1:
            given = options.get("labels") or {}
            if "host" not in given:
                options["labels"] = {**given, "host": socket.gethostname()}
            if gpus_hidden_from_measurer(local_processes):
                logger.warning(
                    "aifootprint: CUDA_VISIBLE_DEVICES gives each of the %d processes of this node one GPU: "
                    "only local process zero measures, so the node's other GPUs are missing from its "
                    "figures. Let every process see all the node's GPUs (torchrun does) to measure them.",
                    local_processes,
                )
        m = aifootprint.measure(self.name or default_name, **options)
        try:
            m.start()  # in the caller's context: measurements made inside the training are nested in it
        except AifootprintError:  # a wrong zone: before any compute, so the user can fix it
            raise
        except Exception:
            logger.warning("aifootprint: the training run cannot be measured", exc_info=True)
            return None
        self.measurement = m
        return m

    def resumed_at(self, *, epochs_before: int, steps_before: int) -> None:
        """Where training starts once a checkpoint is restored (after :meth:`begin` in Lightning)."""
        self._epochs_before, self._steps_before = epochs_before, steps_before

    def epoch_end(self, *, max_epochs: int | None, max_steps: int | None, steps_now: int) -> Forecast | None:
        """Mark an epoch's end; after the first one, log the forecast (or why there is none) once."""
        m = self.measurement
        if m is None or not m.running or self._failed:
            return None
        try:
            self._epochs_seen += 1
            if self._epochs_seen == 1 and not self._total_given:
                self._planned, why = planned_epochs(
                    max_epochs=max_epochs,
                    max_steps=max_steps,
                    epochs_before=self._epochs_before,
                    steps_before=self._steps_before,
                    steps_first_epoch=steps_now - self._steps_before,
                )
                forecast = m.epoch_end(total_epochs=self._planned)
                if forecast is None:
                    logger.log(self.log_level, "aifootprint: %r: no forecast: %s", m.name, why)
            else:
                forecast = m.epoch_end()
            if forecast is not None and not self.forecast_logged:
                logger.log(self.log_level, "aifootprint: %r: %s", m.name, forecast)
            self.forecast_logged = True
            return forecast
        except Exception:
            self._fail()
            return None

    def figures(self) -> dict[str, float]:
        """Energy (kWh) and emissions (kgCO2eq) of the run so far; empty when nothing is measured."""
        m = self.measurement
        if m is None or self._failed:
            return {}
        try:
            imp = m.impacts
            return {ENERGY_KEY: float(imp.energy.value), GWP_KEY: float(imp.gwp.value)}
        except Exception:
            self._fail()
            return {}

    def end(self, *, complete: bool) -> Measurement | None:
        """Stop measuring (it writes the ledger entry) and log the summary. Ending twice does nothing."""
        m = self.measurement
        if m is None or not m.running:
            return m
        try:
            m.stop(complete=complete)
            logger.log(self.log_level, "%s", m.summary())
        except Exception:
            self._fail()
        return m

    def _fail(self) -> None:
        self._failed = True
        logger.warning(
            "aifootprint: measuring the training run failed; training goes on unmeasured", exc_info=True
        )


class RunAccess:
    """What both callbacks expose: the latest measurement, its forecast, and ``abort()``."""

    _run: _TrainingRun

    @property
    def measurement(self) -> Measurement | None:
        """The measurement of the latest training run on this process (``None`` where it does not measure)."""
        return self._run.measurement

    @property
    def forecast(self) -> Forecast | None:
        """The latest forecast of the run (``None`` before the first epoch ends or without a plan)."""
        m = self._run.measurement
        return m.forecast if m is not None else None

    def abort(self) -> Measurement | None:
        """Stop the measurement of a run that did not finish (recorded with ``complete=False``)."""
        return self._run.end(complete=False)


def ceil_epochs(value: float | int | None) -> int | None:
    """A framework's (possibly fractional) number of epochs, rounded up; None when not a positive number."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or value <= 0:
        return None
    return math.ceil(value)
