"""Hugging Face ``transformers``: a ``TrainerCallback`` that measures the training run with aifootprint.

    from aifootprint.integrations.transformers import AifootprintCallback

    trainer = Trainer(model, args, train_dataset=ds, callbacks=[AifootprintCallback(zone="FRA")])
    trainer.train()

Needs ``pip install 'aifootprint[transformers]'`` (and PyTorch, as ``Trainer`` does). Written against the
callback API of transformers 5.x, read in its source (``transformers/trainer_callback.py``: the
``TrainerCallback`` events, ``TrainerState.is_local_process_zero``/``is_world_process_zero``,
``num_train_epochs``, ``max_steps``, ``global_step``, ``epoch``, ``log_history``; ``transformers/trainer.py``:
``Trainer.log`` appends ``{**logs, "step": ...}`` to ``state.log_history`` and then calls ``on_log`` with
``logs``; the ``report_to`` integrations are placed before the user's callbacks).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from . import RunAccess, _TrainingRun, ceil_epochs, missing_extra

try:
    from transformers import TrainerCallback  # type: ignore[import-not-found,unused-ignore]
except ImportError as _exc:  # pragma: no cover - depends on the environment
    raise missing_extra("transformers", "transformers", _exc) from _exc

__all__ = ["AifootprintCallback"]


class AifootprintCallback(RunAccess, TrainerCallback):  # type: ignore[misc,unused-ignore]
    """Measure each ``Trainer.train()`` run with ``aifootprint.measure(name, **measure_options)``.

    ``name``: the name of the run in the ledger (default: ``args.run_name`` when set, else
    ``"train <model class>"``); ``measure_options``: the options of :func:`aifootprint.measure` (``zone``,
    ``pue``, ``labels``, ``total_epochs``, ``gpu``, ``record``...), checked when the callback is built.
    ``log_level``: level of the forecast and summary messages on the ``aifootprint.integrations`` logger
    (default ``INFO``: call ``logging.basicConfig(level=logging.INFO)`` to see them).

    What it does:

    - ``on_train_begin``: starts the measurement. An unknown zone raises here, before any compute; any
      later problem is logged once and training goes on unmeasured.
    - ``on_epoch_end``: :meth:`Measurement.epoch_end`. After the first epoch it logs the forecast of the
      whole run (energy, emissions, duration, impact level). The planned epochs are
      ``ceil(args.num_train_epochs)`` (less those done before a resumed run). A ``max_steps`` run is
      forecast when ``max_steps`` is a whole number of epochs; otherwise the log says why there is no
      forecast (forecasts extrapolate whole epochs). ``total_epochs=`` in the options overrides both.
      Early stopping ends a run before its plan: the forecast is then an upper bound. A run resumed in the
      middle of an epoch counts its first, partial epoch as a whole one.
    - ``on_log``: adds ``aifootprint/energy_kwh`` and ``aifootprint/gwp_kgco2eq`` (the run so far) to the
      ``logs`` and to the entry ``Trainer.log`` has just put in ``state.log_history`` (so
      ``trainer_state.json`` keeps them). The callbacks after this one see them (the console progress
      printer); the ``report_to`` integrations come before the user's callbacks in the Trainer and do not:
      to send the figures to e.g. TensorBoard, pass ``report_to="none"`` and list the integration's callback
      after this one (``callbacks=[AifootprintCallback(), TensorBoardCallback()]``).
    - ``on_train_end``: stops the measurement (which writes the ledger entry) and logs the summary.

    Processes: only each node's local process zero measures (every process of a node sees the node's
    GPUs, so measuring in each would count them several times; world process zero alone would miss the
    other nodes); the figures go into the logs on world process zero only. On other processes
    :attr:`measurement` stays ``None``.

    If ``train()`` raises, the Trainer calls no callback: the measurement stays open until
    :meth:`abort` or the next ``train()`` (which records it as incomplete first)::

        try:
            trainer.train()
        except BaseException:
            callback.abort()
            raise
    """

    def __init__(self, name: str | None = None, *, log_level: int = logging.INFO, **measure_options: Any):
        self._run = _TrainingRun(name, measure_options, log_level)

    # -- the Trainer's events ---------------------------------------------------------------------------
    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not getattr(state, "is_local_process_zero", True):
            return
        model = kwargs.get("model")
        run_name = getattr(args, "run_name", None)
        default = (
            run_name
            if isinstance(run_name, str) and run_name and run_name != getattr(args, "output_dir", None)
            else f"train {type(model).__name__}"
            if model is not None
            else "training run"
        )
        world = _world_size(args)
        self._run.begin(
            default,
            world_size=world,
            local_processes=_int_env("LOCAL_WORLD_SIZE", world),
            epochs_before=int(getattr(state, "epoch", 0) or 0),
            steps_before=int(getattr(state, "global_step", 0) or 0),
        )

    def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        max_steps = getattr(args, "max_steps", -1)
        steps = max_steps if isinstance(max_steps, int) and max_steps > 0 else None
        self._run.epoch_end(
            max_epochs=None if steps is not None else ceil_epochs(getattr(args, "num_train_epochs", None)),
            max_steps=steps,
            steps_now=int(getattr(state, "global_step", 0) or 0),
        )

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
        if not getattr(state, "is_world_process_zero", True) or not isinstance(logs, dict):
            return
        figures = self._run.figures()
        if not figures:
            return
        logs.update(figures)
        history = getattr(state, "log_history", None)
        if history and isinstance(history[-1], dict) and history[-1].get("step") == state.global_step:
            history[-1].update(figures)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._run.end(complete=True)


def _world_size(args: Any) -> int:
    """``args.world_size`` (a property that needs torch), else the launcher's ``WORLD_SIZE``, else 1."""
    try:
        n = args.world_size
    except Exception:
        n = None
    return n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else _int_env("WORLD_SIZE", 1)


def _int_env(key: str, default: int) -> int:
    try:
        return int(os.environ[key])
    except (KeyError, ValueError):
        return default
