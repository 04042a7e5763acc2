"""The transformers callback driven event by event with the library's own TrainingArguments, TrainerState
and TrainerControl (importable without torch), on the fake devices and clock of tests/local/rig.py."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

transformers = pytest.importorskip("transformers")

from local.rig import h100_rig  # noqa: E402

from aifootprint.integrations.transformers import AifootprintCallback  # noqa: E402

from .helpers import KWH, ledger_rows  # noqa: E402

E, G = "aifootprint/energy_kwh", "aifootprint/gwp_kgco2eq"


class BertForSequenceClassification:  # stands for the model the Trainer passes to callbacks
    pass


@pytest.fixture
def callbacks() -> Iterator[list[AifootprintCallback]]:
    made: list[AifootprintCallback] = []
    yield made
    for cb in reversed(made):  # innermost first, as nested measurements end
        cb.abort()  # a test that fails half-way must not leave a measurement open for the next ones


def make(made: list[AifootprintCallback], **options: Any) -> AifootprintCallback:
    made.append(AifootprintCallback(**options))
    return made[-1]


def training_args(tmp_path: Path, **kw: Any) -> Any:
    return transformers.TrainingArguments(output_dir=str(tmp_path / "out"), report_to="none", **kw)


def log(cb: AifootprintCallback, args: Any, state: Any, **logs: float) -> dict[str, float]:
    """What Trainer.log does: append {**logs, step} to the history, then call on_log with logs."""
    state.log_history.append({**logs, "step": state.global_step})
    cb.on_log(args, state, transformers.TrainerControl(), logs=logs)
    return logs


def test_a_training_run_event_by_event(
    callbacks: list[AifootprintCallback],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rig = h100_rig(monkeypatch)
    monkeypatch.setenv("AIFOOTPRINT_LEDGER", str(tmp_path / "l.db"))
    caplog.set_level(logging.INFO, logger="aifootprint.integrations")
    cb = make(callbacks, zone="FRA")
    args = training_args(tmp_path, num_train_epochs=2.5)  # 3 epochs, the last one partial
    state, control = transformers.TrainerState(), transformers.TrainerControl()
    model = BertForSequenceClassification()
    assert cb.measurement is None and cb.forecast is None
    cb.on_train_begin(args, state, control, model=model)
    m = cb.measurement
    assert m is not None and m.running and m.name == "train BertForSequenceClassification"

    rig.run(3600, gpu_0=0.7 * KWH, cpu_0=0.2 * KWH, ram_0=0.1 * KWH)
    state.global_step, state.epoch = 10, 1.0
    logs = log(cb, args, state, loss=0.5)
    assert (
        logs["loss"] == 0.5
        and logs[E] == pytest.approx(1.0)
        and logs[G] == pytest.approx(m.impacts.gwp.value)
    )
    assert state.log_history[-1] == {"loss": 0.5, "step": 10, E: logs[E], G: logs[G]}
    cb.on_epoch_end(args, state, control, model=model)
    f = cb.forecast
    assert f is not None and (f.epochs_done, f.total_epochs) == (1, 3)
    assert f.impacts.energy.value == pytest.approx(3.0) and f.duration_s == pytest.approx(3 * 3600)
    assert f"'train BertForSequenceClassification': {f}" in caplog.text

    for epoch in (2, 3):
        rig.run(3600, gpu_0=0.7 * KWH, cpu_0=0.2 * KWH, ram_0=0.1 * KWH)
        state.global_step, state.epoch = 10 * epoch, float(epoch)
        cb.on_epoch_end(args, state, control, model=model)
    assert caplog.text.count("forecast after") == 1  # once, after the first epoch
    final = log(cb, args, state, train_loss=0.4)
    assert final[E] == pytest.approx(3.0)
    cb.on_train_end(args, state, control, model=model)
    assert not m.running and m.complete and m.impacts.energy.value == pytest.approx(3.0)
    assert 'aifootprint: "train BertForSequenceClassification" (stopped), 3 h 00 min' in caplog.text
    assert "Impact level:" in caplog.text
    cb.on_train_end(args, state, control, model=model)  # twice: nothing more
    rows = ledger_rows(tmp_path / "l.db")
    assert len(rows) == 1
    row = rows[0]
    assert row["kind"] == "local" and row["operation"] == "train BertForSequenceClassification"
    assert row["complete"] == 1 and row["duration_s"] == 3 * 3600 and row["energy_method"] == "measured"
    assert row["energy_usage"] == pytest.approx(3.0)


def test_logs_before_and_after_training_are_left_alone(
    callbacks: list[AifootprintCallback], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    h100_rig(monkeypatch)
    cb = make(callbacks, zone="FRA")
    args, state = training_args(tmp_path), transformers.TrainerState()
    assert log(cb, args, state, eval_loss=1.0) == {"eval_loss": 1.0}  # trainer.evaluate() before train()
    cb.on_train_begin(args, state, transformers.TrainerControl())
    assert cb.measurement is not None and cb.measurement.name == "training run"  # no model passed
    cb.on_train_end(args, state, transformers.TrainerControl())
    assert set(log(cb, args, state, eval_loss=1.0)) == {"eval_loss", E, G}  # the run's final figures


def test_run_name_names_the_measurement_and_options_reach_it(
    callbacks: list[AifootprintCallback], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    h100_rig(monkeypatch)
    cb = make(callbacks, zone="FRA", pue=1.2, labels={"project": "bert"})
    args = training_args(tmp_path, run_name="bert-sst2-lr3e-5")
    cb.on_train_begin(args, transformers.TrainerState(), transformers.TrainerControl())
    m = cb.measurement
    assert m is not None and m.name == "bert-sst2-lr3e-5" and m.zone == "FRA" and m.pue == (1.2, 1.2, 1.2)
    assert dict(m.labels) == {"project": "bert"}
    named = make(callbacks, name="mine", zone="FRA")
    named.on_train_begin(args, transformers.TrainerState(), transformers.TrainerControl())
    assert named.measurement is not None and named.measurement.name == "mine"


def test_max_steps_runs_are_forecast_only_by_whole_epochs(
    callbacks: list[AifootprintCallback],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rig = h100_rig(monkeypatch)
    caplog.set_level(logging.INFO, logger="aifootprint.integrations")
    for max_steps, total in ((40, 4), (45, None)):
        cb = make(callbacks, zone="FRA")
        args = training_args(tmp_path, max_steps=max_steps, num_train_epochs=100)  # max_steps wins
        state = transformers.TrainerState()
        cb.on_train_begin(args, state, transformers.TrainerControl())
        rig.run(60, gpu_0=KWH)
        state.global_step = 10
        cb.on_epoch_end(args, state, transformers.TrainerControl())
        f = cb.forecast
        assert (f.total_epochs if f is not None else None) == total
        cb.on_train_end(args, state, transformers.TrainerControl())
    assert "no forecast: max_steps=45 ends inside an epoch (4.50 epochs of 10 steps)" in caplog.text


def test_a_resumed_run_forecasts_the_epochs_it_has_left(
    callbacks: list[AifootprintCallback], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rig = h100_rig(monkeypatch)
    cb = make(callbacks, zone="FRA")
    args = training_args(tmp_path, num_train_epochs=5)
    state = transformers.TrainerState(global_step=30, epoch=3.0)  # restored from a checkpoint
    cb.on_train_begin(args, state, transformers.TrainerControl())
    rig.run(100, gpu_0=KWH)
    state.global_step, state.epoch = 40, 4.0
    cb.on_epoch_end(args, state, transformers.TrainerControl())
    f = cb.forecast
    assert f is not None and f.total_epochs == 2 and f.impacts.energy.value == pytest.approx(2.0, rel=0.01)


def test_only_local_process_zero_measures_and_only_world_zero_logs(
    callbacks: list[AifootprintCallback], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rig = h100_rig(monkeypatch)
    args = training_args(tmp_path)
    other = make(callbacks, zone="FRA")  # a GPU process of a node other than local zero
    state = transformers.TrainerState(is_local_process_zero=False, is_world_process_zero=False)
    other.on_train_begin(args, state, transformers.TrainerControl())
    other.on_epoch_end(args, state, transformers.TrainerControl())
    assert other.measurement is None and rig.options == []  # no device was even looked at
    assert log(other, args, state, loss=1.0) == {"loss": 1.0}
    other.on_train_end(args, state, transformers.TrainerControl())

    node1 = make(callbacks, zone="FRA")  # local process zero of the second node: measures, does not log
    state = transformers.TrainerState(is_local_process_zero=True, is_world_process_zero=False)
    node1.on_train_begin(args, state, transformers.TrainerControl())
    assert node1.measurement is not None and node1.measurement.running
    assert log(node1, args, state, loss=1.0) == {"loss": 1.0}
    node1.on_train_end(args, state, transformers.TrainerControl())
    assert not node1.measurement.running


def test_several_processes_label_their_host(
    callbacks: list[AifootprintCallback], monkeypatch: pytest.MonkeyPatch
) -> None:
    h100_rig(monkeypatch)
    monkeypatch.setattr("socket.gethostname", lambda: "gpu-node-3")
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "4")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3")
    cb = make(callbacks, zone="FRA")
    args = SimpleNamespace(world_size=8, num_train_epochs=1, max_steps=-1, run_name=None, output_dir="o")
    cb.on_train_begin(args, transformers.TrainerState(), transformers.TrainerControl())
    assert cb.measurement is not None and dict(cb.measurement.labels) == {"host": "gpu-node-3"}


def test_abort_records_a_run_that_raised(
    callbacks: list[AifootprintCallback], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rig = h100_rig(monkeypatch)
    monkeypatch.setenv("AIFOOTPRINT_LEDGER", str(tmp_path / "l.db"))
    cb = make(callbacks, zone="FRA")
    cb.on_train_begin(training_args(tmp_path), transformers.TrainerState(), transformers.TrainerControl())
    rig.run(10, gpu_0=1000)
    m = cb.abort()
    assert m is not None and not m.running and not m.complete
    assert [r["complete"] for r in ledger_rows(tmp_path / "l.db")] == [0]


def test_a_wrong_option_fails_when_the_callback_is_built() -> None:
    from aifootprint.errors import InputError

    with pytest.raises(InputError, match="total_epochs"):
        AifootprintCallback(total_epochs=0)
    assert isinstance(AifootprintCallback(), transformers.TrainerCallback)
