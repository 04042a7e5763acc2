"""PyTorch Lightning: a ``Callback`` that measures ``Trainer.fit()`` with aifootprint.

    from aifootprint.integrations.lightning import AifootprintCallback

    trainer = lightning.pytorch.Trainer(max_epochs=3, callbacks=[AifootprintCallback(zone="FRA")])
    trainer.fit(model, loader)

Needs ``pip install 'aifootprint[lightning]'``. Imports ``lightning.pytorch`` and falls back to the older
``pytorch_lightning`` package. Written against Lightning 2.x, read in its source
(``lightning/pytorch/callbacks/callback.py``: the hooks and their arguments; ``trainer/trainer.py``:
``on_fit_start`` runs before a checkpoint is restored and ``on_train_start`` after, ``on_fit_end`` before the
loggers are finalised; ``trainer/call.py``: ``on_exception`` on any exception, KeyboardInterrupt included;
``core/module.py``: ``LightningModule.log(..., rank_zero_only=True)``).
"""

from __future__ import annotations

import logging
from typing import Any

from . import RunAccess, _TrainingRun, missing_extra

try:
    import lightning.pytorch as _pl  # type: ignore[import-not-found,unused-ignore]
except ImportError as _exc:  # pragma: no cover - depends on the environment
    try:
        import pytorch_lightning as _pl  # type: ignore[import-not-found,no-redef,unused-ignore]
    except ImportError:
        raise missing_extra("lightning", "lightning", _exc) from _exc

__all__ = ["AifootprintCallback"]


class AifootprintCallback(RunAccess, _pl.Callback):  # type: ignore[misc,name-defined,unused-ignore]
    """Measure each ``Trainer.fit()`` with ``aifootprint.measure(name, **measure_options)``.

    ``name``: the name of the run in the ledger (default ``"fit <LightningModule class>"``);
    ``measure_options``: the options of :func:`aifootprint.measure` (``zone``, ``pue``, ``labels``,
    ``total_epochs``, ``gpu``, ``record``...), checked when the callback is built. ``log_metrics``: send the
    figures to the Trainer's loggers (default yes). ``log_level``: level of the forecast and summary
    messages on the ``aifootprint.integrations`` logger (default ``INFO``).

    What it does:

    - ``on_fit_start``: starts the measurement (an unknown zone raises here, before any compute; any later
      problem is logged once and training goes on unmeasured).
    - ``on_train_epoch_end``: :meth:`Measurement.epoch_end`; after the first epoch, logs the forecast of
      the whole fit. The planned epochs are ``trainer.max_epochs`` less those done before a resumed fit;
      with ``max_steps`` set, the fit ends at the first limit reached, and a ``max_steps`` that ends inside
      an epoch gives no forecast (the log says why). ``total_epochs=`` in the options overrides both. Early
      stopping or ``max_time`` end a fit before its plan: the forecast is then an upper bound.
    - It logs ``aifootprint/energy_kwh`` and ``aifootprint/gwp_kgco2eq`` (the fit so far) with
      ``pl_module.log(..., rank_zero_only=True)`` at each epoch's end (so they are in
      ``trainer.callback_metrics``, and in the loggers when the Trainer has any), and the final figures
      to ``trainer.loggers`` at the end of the fit (before Lightning finalises the loggers).
    - ``on_fit_end``: stops the measurement (which writes the ledger entry) and logs the summary;
      ``on_exception`` (an error, Ctrl-C) stops it with ``complete=False``.

    Processes: only each node's local process zero (``trainer.local_rank == 0``) measures (every process
    of a node sees the node's GPUs, so measuring in each would count them several times; global rank zero
    alone would miss the other nodes); metrics are logged on global rank zero only. On other processes
    :attr:`measurement` stays ``None``.
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        log_metrics: bool = True,
        log_level: int = logging.INFO,
        **measure_options: Any,
    ) -> None:
        super().__init__()
        self._run = _TrainingRun(name, measure_options, log_level)
        self.log_metrics = log_metrics

    # -- the Trainer's hooks ------------------------------------------------------------------------------
    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        if getattr(trainer, "local_rank", 0) != 0:
            return
        self._run.begin(
            f"fit {type(pl_module).__name__}",
            world_size=int(getattr(trainer, "world_size", 1) or 1),
            local_processes=int(getattr(trainer, "num_devices", 1) or 1),
        )

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        self._run.resumed_at(
            epochs_before=int(trainer.current_epoch or 0), steps_before=int(trainer.global_step or 0)
        )

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        if getattr(trainer, "sanity_checking", False):
            return
        self._run.epoch_end(
            max_epochs=_limit(getattr(trainer, "max_epochs", None)),
            max_steps=_limit(getattr(trainer, "max_steps", None)),
            steps_now=int(trainer.global_step or 0),
        )
        if self.log_metrics and trainer.is_global_zero:
            to_loggers = bool(getattr(trainer, "loggers", None))  # Lightning warns when there is none
            for key, value in self._run.figures().items():
                pl_module.log(key, value, logger=to_loggers, prog_bar=False, rank_zero_only=True)

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        m = self._run.end(complete=True)
        if m is not None and self.log_metrics and trainer.is_global_zero:
            figures = self._run.figures()
            if figures:
                for lg in trainer.loggers:
                    lg.log_metrics(figures, step=trainer.global_step)

    def on_exception(self, trainer: Any, pl_module: Any, exception: BaseException) -> None:
        self._run.end(complete=False)


def _limit(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
