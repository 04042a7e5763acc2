"""What the framework hooks share (aifootprint.integrations): planned epochs, who measures, the run's life
cycle on fake devices, and the ImportError of a missing extra. No framework needed."""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from local.rig import FakeDevice, Rig, h100_rig

from aifootprint.errors import InputError, UnknownZoneError
from aifootprint.integrations import (
    ENERGY_KEY,
    GWP_KEY,
    _TrainingRun,
    ceil_epochs,
    gpus_hidden_from_measurer,
    planned_epochs,
)

from .helpers import KWH


@pytest.fixture
def runs() -> Iterator[Callable[..., _TrainingRun]]:
    """Builds runs, and ends every one still open (an open one would enclose the next tests' measurements)."""
    made: list[_TrainingRun] = []

    def make(name: str | None, options: dict[str, Any], level: int = logging.INFO) -> _TrainingRun:
        made.append(_TrainingRun(name, options, level))
        return made[-1]

    yield make
    for run in reversed(made):  # innermost first, as nested measurements end
        run.end(complete=False)


def plan(**kw: int | None) -> tuple[int | None, str]:
    args: dict[str, int | None] = {
        "max_epochs": None,
        "max_steps": None,
        "epochs_before": 0,
        "steps_before": 0,
        "steps_first_epoch": 10,
    }
    args.update(kw)
    return planned_epochs(**args)  # type: ignore[arg-type]


def test_planned_epochs_by_epochs_steps_and_resume() -> None:
    assert plan(max_epochs=3) == (3, "")
    assert plan(max_epochs=3, epochs_before=1) == (2, "")  # a resumed run goes through 2 more
    assert plan(max_steps=40) == (4, "")
    assert plan(max_steps=40, steps_before=20, steps_first_epoch=10) == (2, "")
    total, why = plan(max_steps=45)
    assert total is None and "max_steps=45 ends inside an epoch (4.50 epochs of 10 steps)" in why
    assert plan(max_epochs=2, max_steps=45) == (2, "")  # the epochs end first: the steps do not matter
    assert plan(max_epochs=9, max_steps=30) == (3, "")  # the steps end first
    total, why = plan()
    assert total is None and "no planned number of epochs" in why
    assert plan(max_epochs=sys.maxsize)[0] is None  # transformers' open-ended IterableDataset runs
    assert plan(max_epochs=-1, max_steps=-1)[0] is None  # Lightning's "no limit"
    assert plan(max_steps=40, steps_first_epoch=0)[0] is None
    assert plan(max_epochs=3, epochs_before=5) == (1, "")  # never below the epoch just seen


def test_ceil_epochs() -> None:
    assert ceil_epochs(2.5) == 3 and ceil_epochs(3) == 3 and ceil_epochs(0.2) == 1
    assert ceil_epochs(None) is None and ceil_epochs(0) is None and ceil_epochs(float("inf")) is None
    assert ceil_epochs(True) is None


def test_gpus_hidden_from_the_measuring_process() -> None:
    assert gpus_hidden_from_measurer(4, {"CUDA_VISIBLE_DEVICES": "2"})
    assert not gpus_hidden_from_measurer(4, {"CUDA_VISIBLE_DEVICES": "0,1,2,3"})
    assert not gpus_hidden_from_measurer(4, {})
    assert not gpus_hidden_from_measurer(1, {"CUDA_VISIBLE_DEVICES": "0"})


def test_a_run_measured_epoch_by_epoch(
    runs: Callable[..., _TrainingRun], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    rig = h100_rig(monkeypatch)
    run = runs(None, {"zone": "FRA"})
    caplog.set_level(logging.INFO, logger="aifootprint.integrations")
    m = run.begin("train Bert", world_size=1, local_processes=1)
    assert m is not None and m.running and m.name == "train Bert" and m.labels == {}
    rig.run(3600, gpu_0=0.7 * KWH, cpu_0=0.2 * KWH, ram_0=0.1 * KWH)
    figures = run.figures()
    assert figures[ENERGY_KEY] == pytest.approx(1.0) and figures[GWP_KEY] == pytest.approx(
        m.impacts.gwp.value
    )
    f = run.epoch_end(max_epochs=4, max_steps=None, steps_now=100)
    assert f is not None and f.total_epochs == 4 and f.epochs_done == 1
    assert f.impacts.energy.value == pytest.approx(4.0) and f.duration_s == pytest.approx(4 * 3600)
    rig.run(3600, gpu_0=0.7 * KWH, cpu_0=0.2 * KWH, ram_0=0.1 * KWH)
    f2 = run.epoch_end(max_epochs=4, max_steps=None, steps_now=200)
    assert f2 is not None and f2.epochs_done == 2 and f2.impacts.energy.value == pytest.approx(4.0)
    forecasts = [r.getMessage() for r in caplog.records if "forecast after" in r.getMessage()]
    assert forecasts == [f"aifootprint: 'train Bert': {f}"]  # logged once, after the first epoch
    assert run.end(complete=True) is m and not m.running and m.complete
    assert m.impacts.energy.value == pytest.approx(2.0)
    assert any(r.getMessage().startswith('aifootprint: "train Bert" (stopped)') for r in caplog.records)
    assert run.end(complete=False) is m and m.complete  # ending twice does nothing


def test_no_forecast_is_said_once_with_its_reason(
    runs: Callable[..., _TrainingRun], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    rig = h100_rig(monkeypatch)
    run = runs("run", {"zone": "FRA"}, logging.WARNING)
    caplog.set_level(logging.WARNING, logger="aifootprint.integrations")
    run.begin("ignored: a name was given", world_size=1, local_processes=1)
    rig.run(10, gpu_0=100)
    assert run.epoch_end(max_epochs=None, max_steps=25, steps_now=10) is None
    rig.run(10, gpu_0=100)
    assert run.epoch_end(max_epochs=None, max_steps=25, steps_now=20) is None
    said = [r for r in caplog.records if "no forecast" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.WARNING
    assert "'run': no forecast: max_steps=25 ends inside an epoch" in said[0].getMessage()
    assert run.measurement is not None and run.measurement.name == "run"


def test_total_epochs_given_by_the_user_wins(
    runs: Callable[..., _TrainingRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    rig = h100_rig(monkeypatch)
    run = runs("run", {"zone": "FRA", "total_epochs": 10})
    run.begin("x", world_size=1, local_processes=1)
    rig.run(60, gpu_0=KWH)
    f = run.epoch_end(max_epochs=2, max_steps=None, steps_now=5)
    assert f is not None and f.total_epochs == 10 and f.impacts.energy.value == pytest.approx(10.0)


def test_a_run_left_open_is_closed_as_incomplete_by_the_next(
    runs: Callable[..., _TrainingRun], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    rig = h100_rig(monkeypatch)
    run = runs("run", {"zone": "FRA"})
    first = run.begin("x", world_size=1, local_processes=1)
    rig.run(60, gpu_0=KWH)
    second = run.begin("x", world_size=1, local_processes=1)  # train() raised, then train() again
    assert first is not None and second is not None and second is not first
    assert not first.running and not first.complete and second.running
    assert "never ended" in caplog.text
    assert second.parent is None  # the abandoned one no longer encloses new measurements


def test_several_processes_label_the_host_and_warn_of_hidden_gpus(
    runs: Callable[..., _TrainingRun], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    h100_rig(monkeypatch)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    monkeypatch.setattr("socket.gethostname", lambda: "node-7")
    run = runs("run", {"zone": "FRA", "labels": {"team": "nlp"}})
    m = run.begin("x", world_size=8, local_processes=4)
    assert m is not None and dict(m.labels) == {"team": "nlp", "host": "node-7"}
    assert "gives each of the 4 processes of this node one GPU" in caplog.text


def test_options_are_checked_when_the_callback_is_built(
    runs: Callable[..., _TrainingRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    rig = h100_rig(monkeypatch)
    with pytest.raises(InputError, match="interval_s"):
        _TrainingRun(None, {"interval_s": 0}, logging.INFO)
    with pytest.raises(TypeError):
        _TrainingRun(None, {"zonee": "FRA"}, logging.INFO)
    assert rig.options == []  # nothing was read
    run = runs(None, {"zone": "NOWHERE"})
    with pytest.raises(UnknownZoneError):  # when training starts, before any compute
        run.begin("x", world_size=1, local_processes=1)
    assert run.measurement is None


def test_a_failing_device_never_stops_training(
    runs: Callable[..., _TrainingRun], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(FakeDevice):
        fail = False

        def energy_j(self) -> float:
            if self.fail:
                raise OSError("device gone")
            return self.j

    from aifootprint._log import reset_log_once

    reset_log_once()
    gpu = Broken("gpu:0", "NVIDIA H100 80GB HBM3")
    rig = Rig(monkeypatch, gpu)
    run = runs("run", {"zone": "FRA"})
    m = run.begin("x", world_size=1, local_processes=1)
    rig.run(10, gpu_0=100)
    gpu.fail = True  # the device keeps its last figure; the measurement and the training go on
    forecast = run.epoch_end(max_epochs=2, max_steps=None, steps_now=1)
    assert forecast is not None and forecast.impacts.energy.value == 0  # its last reading was at the start
    assert "gpu:0 could not be read" in caplog.text
    run.end(complete=True)  # no exception either
    assert m is not None and not m.running
    assert any("gpu:0: stopped answering" in p for p in m.problems)


def test_importing_a_hook_without_its_framework_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for blocked in ("transformers", "lightning", "lightning.pytorch", "pytorch_lightning"):
        monkeypatch.setitem(sys.modules, blocked, None)  # import raises ImportError
    for hook, extra in (("transformers", "transformers"), ("lightning", "lightning")):
        monkeypatch.delitem(sys.modules, f"aifootprint.integrations.{hook}", raising=False)
        with pytest.raises(ImportError, match=rf"pip install 'aifootprint\[{extra}\]'"):
            importlib.import_module(f"aifootprint.integrations.{hook}")
