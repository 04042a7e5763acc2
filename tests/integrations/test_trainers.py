"""Real training runs (CPU, a few seconds) with the callbacks: a 2-layer BERT built in code under
``transformers.Trainer``, a small classifier under ``lightning.pytorch.Trainer``; random data, no
download. The fake devices of tests/local/rig.py advance by a fixed amount at each optimizer step, so the
figures are exact; one run of each also reads this machine's real devices.

Needs torch, transformers, accelerate and lightning (``.ci/run`` installs them in a venv of their own);
skipped where they are missing."""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from local.rig import Rig, h100_rig  # noqa: E402

from .helpers import KWH, ledger_rows  # noqa: E402

E, G = "aifootprint/energy_kwh", "aifootprint/gwp_kgco2eq"
STEP_KWH, STEP_S = 0.01, 30.0  # what the fake GPU draws, and the fake time that passes, per step

pytestmark = pytest.mark.filterwarnings(
    # Lightning 2.6 on torch 2.15 (lightning/pytorch/utilities/_pytree.py), not ours
    "ignore:`isinstance\\(treespec, LeafSpec\\)` is deprecated",
)


# -- transformers -------------------------------------------------------------------------------------------
def hf_setup(tmp_path: Path, callbacks: list[Any], **args: Any) -> Any:
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=100,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=32,
        num_labels=2,
    )
    model = transformers.BertForSequenceClassification(config)
    g = torch.Generator().manual_seed(0)
    x, y = torch.randint(0, 100, (32, 12), generator=g), torch.randint(0, 2, (32,), generator=g)
    data = [{"input_ids": x[i], "labels": y[i]} for i in range(32)]  # 4 steps of 8 per epoch
    options = {
        "output_dir": str(tmp_path / "out"),
        "num_train_epochs": 2,
        "per_device_train_batch_size": 8,
        "logging_steps": 2,
        "report_to": "none",
        "save_strategy": "no",
        "use_cpu": True,
        "disable_tqdm": True,
        **args,
    }
    return transformers.Trainer(
        model=model,
        args=transformers.TrainingArguments(**options),
        train_dataset=data,
        callbacks=callbacks,
    )


def hf_tick(rig: Rig) -> Any:
    transformers = pytest.importorskip("transformers")

    class Tick(transformers.TrainerCallback):  # type: ignore[misc]
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            rig.run(STEP_S, gpu_0=STEP_KWH * KWH)

    return Tick()


def test_transformers_trainer_run_is_measured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from aifootprint.integrations.transformers import AifootprintCallback

    rig = h100_rig(monkeypatch)
    monkeypatch.setenv("AIFOOTPRINT_LEDGER", str(tmp_path / "l.db"))
    caplog.set_level(logging.INFO, logger="aifootprint.integrations")
    cb = AifootprintCallback(zone="FRA", labels={"project": "bert"})
    trainer = hf_setup(tmp_path, [hf_tick(rig), cb])
    trainer.train()
    m = cb.measurement
    assert m is not None and not m.running and m.complete
    assert m.name == "train BertForSequenceClassification" and m.duration_s == pytest.approx(8 * STEP_S)
    assert m.impacts.energy.value == pytest.approx(8 * STEP_KWH)
    f = cb.forecast  # the latest: after epoch 2 of 2
    assert f is not None and (f.epochs_done, f.total_epochs) == (2, 2)
    assert "forecast after 1/2 epochs: 4.0 min in all (2.0 min left), 0.08 kWh" in caplog.text
    assert caplog.text.count("forecast after") == 1
    assert '"train BertForSequenceClassification" (stopped), 4.0 min, zone FRA' in caplog.text
    logged = [h for h in trainer.state.log_history if E in h]
    assert [h["step"] for h in logged] == [2, 4, 6, 8, 8]  # every log, the final train metrics included
    assert [h[E] for h in logged] == pytest.approx([s * STEP_KWH for s in (2, 4, 6, 8, 8)])
    assert all(h[G] > 0 for h in logged) and "train_loss" in logged[-1]
    rows = ledger_rows(tmp_path / "l.db")
    assert [(r["operation"], r["complete"], r["kind"]) for r in rows] == [
        ("train BertForSequenceClassification", 1, "local")
    ]
    assert rows[0]["energy_usage"] == pytest.approx(8 * STEP_KWH)
    assert json.loads(rows[0]["labels"]) == {"project": "bert"}


@pytest.mark.parametrize(("max_steps", "total"), [(8, 2), (6, None)])
def test_transformers_max_steps_run(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    max_steps: int,
    total: int | None,
) -> None:
    from aifootprint.integrations.transformers import AifootprintCallback

    rig = h100_rig(monkeypatch)
    caplog.set_level(logging.INFO, logger="aifootprint.integrations")
    cb = AifootprintCallback(zone="FRA")
    hf_setup(tmp_path, [hf_tick(rig), cb], max_steps=max_steps).train()
    assert cb.measurement is not None and cb.measurement.impacts.energy.value == pytest.approx(
        max_steps * STEP_KWH
    )
    if total is None:
        assert cb.forecast is None
        assert "no forecast: max_steps=6 ends inside an epoch (1.50 epochs of 4 steps)" in caplog.text
    else:
        assert cb.forecast is not None and cb.forecast.total_epochs == total


def test_transformers_run_that_raises_is_recorded_incomplete_by_abort(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    transformers = pytest.importorskip("transformers")
    from aifootprint.integrations.transformers import AifootprintCallback

    rig = h100_rig(monkeypatch)
    monkeypatch.setenv("AIFOOTPRINT_LEDGER", str(tmp_path / "l.db"))

    class Crash(transformers.TrainerCallback):  # type: ignore[misc]
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if state.global_step == 3:
                raise RuntimeError("CUDA out of memory (simulated)")

    cb = AifootprintCallback(zone="FRA")
    trainer = hf_setup(tmp_path, [hf_tick(rig), Crash(), cb])
    with pytest.raises(RuntimeError, match="simulated"):
        try:
            trainer.train()
        except BaseException:
            cb.abort()
            raise
    m = cb.measurement
    assert m is not None and not m.running and not m.complete
    assert m.impacts.energy.value == pytest.approx(3 * STEP_KWH)
    assert [r["complete"] for r in ledger_rows(tmp_path / "l.db")] == [0]


def test_transformers_run_on_this_machines_devices(tmp_path: Path) -> None:
    from aifootprint.integrations.transformers import AifootprintCallback

    cb = AifootprintCallback(zone="FRA", interval_s=0.05)
    trainer = hf_setup(tmp_path, [cb])
    trainer.train()
    m = cb.measurement
    assert m is not None and m.complete and m.duration_s > 0
    assert m.impacts.energy.value > 0 and set(m.energy_by_device) & {"cpu", "cpu:0"}
    assert trainer.state.log_history[-1][E] > 0


# -- Lightning --------------------------------------------------------------------------------------------
def pl_setup(
    tmp_path: Path, callbacks: list[Any], *, crash_at: int | None = None, **trainer_args: Any
) -> tuple[Any, Any, Any]:
    lightning = pytest.importorskip("lightning.pytorch")
    from lightning.pytorch.loggers import CSVLogger

    class Classifier(lightning.LightningModule):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(8, 2)

        def training_step(self, batch: Any, index: int) -> Any:
            if crash_at is not None and self.global_step == crash_at:
                raise RuntimeError("NaN loss (simulated)")
            x, y = batch
            return torch.nn.functional.cross_entropy(self.layer(x), y)

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.1)

    g = torch.Generator().manual_seed(0)
    data = torch.utils.data.TensorDataset(
        torch.randn(32, 8, generator=g), torch.randint(0, 2, (32,), generator=g)
    )
    options = {
        "max_epochs": 2,
        "accelerator": "cpu",
        "devices": 1,
        "logger": CSVLogger(str(tmp_path / "logs")),
        "log_every_n_steps": 1,
        "enable_progress_bar": False,
        "enable_checkpointing": False,
        "enable_model_summary": False,
        "callbacks": callbacks,
        **trainer_args,
    }
    trainer = lightning.Trainer(**options)
    return trainer, Classifier(), torch.utils.data.DataLoader(data, batch_size=8)  # 4 steps per epoch


def pl_tick(rig: Rig) -> Any:
    lightning = pytest.importorskip("lightning.pytorch")

    class Tick(lightning.Callback):  # type: ignore[misc]
        def on_train_batch_end(self, *args: Any) -> None:
            rig.run(STEP_S, gpu_0=STEP_KWH * KWH)

    return Tick()


def csv_metrics(trainer: Any) -> list[dict[str, str]]:
    with open(Path(trainer.logger.log_dir) / "metrics.csv", encoding="utf-8") as f:
        return [row for row in csv.DictReader(f) if row.get(E)]


def test_lightning_fit_is_measured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from aifootprint.integrations.lightning import AifootprintCallback

    rig = h100_rig(monkeypatch)
    monkeypatch.setenv("AIFOOTPRINT_LEDGER", str(tmp_path / "l.db"))
    caplog.set_level(logging.INFO, logger="aifootprint.integrations")
    cb = AifootprintCallback(zone="FRA")
    trainer, model, loader = pl_setup(tmp_path, [pl_tick(rig), cb])
    trainer.fit(model, loader)
    m = cb.measurement
    assert m is not None and not m.running and m.complete and m.name == "fit Classifier"
    assert m.impacts.energy.value == pytest.approx(8 * STEP_KWH) and m.duration_s == pytest.approx(8 * STEP_S)
    assert "forecast after 1/2 epochs: 4.0 min in all (2.0 min left), 0.08 kWh" in caplog.text
    assert '"fit Classifier" (stopped), 4.0 min' in caplog.text
    assert float(trainer.callback_metrics[E]) == pytest.approx(8 * STEP_KWH)
    rows = csv_metrics(trainer)
    assert [(r["step"], float(r[E])) for r in rows] == [
        ("3", pytest.approx(4 * STEP_KWH)),  # end of epoch 0 (Lightning logs it at the last step's index)
        ("7", pytest.approx(8 * STEP_KWH)),
        ("8", pytest.approx(8 * STEP_KWH)),  # the end of the fit
    ]
    assert all(float(r[G]) > 0 for r in rows)
    assert [(r["operation"], r["complete"]) for r in ledger_rows(tmp_path / "l.db")] == [
        ("fit Classifier", 1)
    ]


def test_lightning_max_steps_and_no_metrics(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from aifootprint.integrations.lightning import AifootprintCallback

    rig = h100_rig(monkeypatch)
    cb = AifootprintCallback(zone="FRA", log_metrics=False, name="probe")
    trainer, model, loader = pl_setup(tmp_path, [pl_tick(rig), cb], max_epochs=10, max_steps=12)
    trainer.fit(model, loader)
    f = cb.forecast
    assert f is not None and f.total_epochs == 3 and f.impacts.energy.value == pytest.approx(12 * STEP_KWH)
    assert cb.measurement is not None and cb.measurement.name == "probe"
    assert E not in trainer.callback_metrics and not (Path(trainer.logger.log_dir) / "metrics.csv").exists()


def test_lightning_fit_that_raises_is_recorded_incomplete(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from aifootprint.integrations.lightning import AifootprintCallback

    rig = h100_rig(monkeypatch)
    monkeypatch.setenv("AIFOOTPRINT_LEDGER", str(tmp_path / "l.db"))
    cb = AifootprintCallback(zone="FRA")
    trainer, model, loader = pl_setup(tmp_path, [pl_tick(rig), cb], crash_at=5)
    with pytest.raises(RuntimeError, match="simulated"):
        trainer.fit(model, loader)
    m = cb.measurement
    assert m is not None and not m.running and not m.complete
    assert m.impacts.energy.value == pytest.approx(5 * STEP_KWH)
    assert [r["complete"] for r in ledger_rows(tmp_path / "l.db")] == [0]


def test_lightning_fit_on_this_machines_devices(tmp_path: Path) -> None:
    from aifootprint.integrations.lightning import AifootprintCallback

    cb = AifootprintCallback(zone="FRA", interval_s=0.05)
    trainer, model, loader = pl_setup(tmp_path, [cb])
    trainer.fit(model, loader)
    m = cb.measurement
    assert m is not None and m.complete and m.impacts.energy.value > 0
    assert float(csv_metrics(trainer)[-1][E]) == pytest.approx(m.impacts.energy.value)


def test_the_older_pytorch_lightning_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import importlib
    import sys

    pl = pytest.importorskip("pytorch_lightning")
    rig = h100_rig(monkeypatch)
    for blocked in ("lightning", "lightning.pytorch"):
        monkeypatch.setitem(sys.modules, blocked, None)
    monkeypatch.delitem(sys.modules, "aifootprint.integrations.lightning", raising=False)
    hook = importlib.import_module("aifootprint.integrations.lightning")
    monkeypatch.delitem(sys.modules, "aifootprint.integrations.lightning")  # the next tests import it anew
    assert issubclass(hook.AifootprintCallback, pl.Callback)

    class Tiny(pl.LightningModule):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.layer = torch.nn.Linear(4, 2)

        def training_step(self, batch: Any, index: int) -> Any:
            rig.run(STEP_S, gpu_0=STEP_KWH * KWH)
            return torch.nn.functional.cross_entropy(self.layer(batch[0]), batch[1])

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.1)

    data = torch.utils.data.TensorDataset(torch.randn(8, 4), torch.randint(0, 2, (8,)))
    cb = hook.AifootprintCallback(zone="FRA")
    trainer = pl.Trainer(
        max_epochs=2,
        accelerator="cpu",
        logger=False,
        enable_progress_bar=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        callbacks=[cb],
    )
    trainer.fit(Tiny(), torch.utils.data.DataLoader(data, batch_size=4))
    assert cb.measurement.complete and cb.measurement.impacts.energy.value == pytest.approx(4 * STEP_KWH)
    assert cb.forecast is not None and cb.forecast.total_epochs == 2
    assert float(trainer.callback_metrics["aifootprint/energy_kwh"]) == pytest.approx(4 * STEP_KWH)
