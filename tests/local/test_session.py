"""aifootprint.measure(): windows over the machine's devices, impacts from the engine, forecast, impact
level, ledger entries."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from pathlib import Path

import pytest

import aifootprint as af
from aifootprint._labels import labels
from aifootprint._state import default_estimator
from aifootprint.errors import InputError, UnknownHardwareError, UnknownZoneError
from aifootprint.ledger.ledger import close_default, open_default
from aifootprint.local.hardware import SECONDS_PER_YEAR
from aifootprint.local.results import impact_level
from aifootprint.local.session import Measurement

from .rig import FakeDevice, Rig, h100_rig, recorded, run_script

KWH = 3.6e6


def test_energy_per_device_and_impacts_from_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    rig = h100_rig(monkeypatch)
    with Measurement("fine-tune bert", zone="FRA") as m:
        rig.run(3600, gpu_0=0.7 * KWH, cpu_0=0.2 * KWH, ram_0=0.1 * KWH)
    by = m.energy_by_device
    assert {k: round(v.kwh, 9) for k, v in by.items()} == {"gpu:0": 0.7, "cpu:0": 0.2, "ram:0": 0.1}
    assert {v.method for v in by.values()} == {"measured"} and m.energy_method == "measured"
    assert by["gpu:0"].model == "NVIDIA H100 80GB HBM3"
    assert by["gpu:0"].energy.low == pytest.approx(0.7 * 0.95) and by["gpu:0"].energy.high == pytest.approx(
        0.735
    )
    imp = m.impacts
    assert m.duration_s == 3600
    assert imp.energy.value == pytest.approx(1.0) and imp.energy.low == pytest.approx(0.95)
    zone = default_estimator().catalog.zone("FRA")
    assert imp.zone == "FRA" and imp.boundary == "server"
    assert imp.usage.gwp.value == pytest.approx(1.0 * zone.gwp_kgco2eq_per_kwh[1])
    assert imp.usage.water.value == pytest.approx(1.0 * zone.water_l_per_kwh)
    cat = default_estimator().catalog
    gpu, host = cat.accelerator("H100-SXM"), cat.server("hgx-8gpu")
    life = cat.default_triple("hardware_lifetime_years")
    expected = (
        (gpu.embodied_gwp_kgco2eq[1] + host.embodied_gwp_kgco2eq[1] / 8) * 3600 / (life[1] * SECONDS_PER_YEAR)
    )
    assert imp.embodied.gwp.value == pytest.approx(expected)
    assert imp.embodied.gwp.low < expected < imp.embodied.gwp.high
    assert imp.gwp.value == pytest.approx(imp.usage.gwp.value + expected)
    assert "embodied-not-included" not in imp.warnings and "energy-estimated" not in imp.warnings
    text = imp.explain()
    assert "gpu:0 NVIDIA H100 80GB HBM3 (measured)" in text and "host share 1/8" in text


def test_pue_lifetime_and_hardware_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    rig = Rig(
        monkeypatch, FakeDevice("gpu:0", "NVIDIA GeForce RTX 4090"), FakeDevice("cpu", method="estimated")
    )
    with Measurement("x", zone="FRA", pue=(1.1, 1.2, 1.4)) as m:
        rig.run(100, gpu_0=KWH, cpu=KWH)
    imp = m.impacts
    assert imp.boundary == "datacenter" and imp.energy.value == pytest.approx(2 * 1.2)
    assert imp.energy.high == pytest.approx(
        (1.05 + 1) * 1.4
    )  # measured +-5 %, the estimate has no range here
    assert "embodied-not-included" in imp.warnings and "energy-estimated" in imp.warnings  # an unknown GPU
    assert "'NVIDIA GeForce RTX 4090'" in imp.explain()
    assert m.energy_method == "mixed"
    with Measurement("y", zone="FRA", gpu="L4", lifetime_years=5) as m2:
        rig.run(100, gpu_0=KWH)
    l4 = default_estimator().catalog.accelerator("L4")
    assert "embodied-partial" in m2.impacts.warnings  # L4 has no host archetype in the catalogue
    assert m2.impacts.embodied.gwp.value == pytest.approx(
        l4.embodied_gwp_kgco2eq[1] * 100 / (5 * SECONDS_PER_YEAR)
    )


def test_machine_without_gpu_has_no_embodied_unless_a_host_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    rig = Rig(monkeypatch, FakeDevice("cpu:0"))
    with Measurement("cpu only", zone="FRA") as m:
        rig.run(10, cpu_0=1000)
    assert "embodied-not-included" in m.impacts.warnings and m.impacts.embodied.gwp.value == 0
    with Measurement("cpu only", zone="FRA", server="a100-8gpu") as m2:
        rig.run(10, cpu_0=1000)
    host = default_estimator().catalog.server("a100-8gpu")
    assert m2.impacts.embodied.gwp.value == pytest.approx(
        host.embodied_gwp_kgco2eq[1] * 10 / (3 * SECONDS_PER_YEAR)
    )


def test_no_zone_uses_the_world_average_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIFOOTPRINT_ZONE", raising=False)
    rig = Rig(monkeypatch, FakeDevice("cpu:0"))
    with Measurement("x") as m:
        rig.run(10, cpu_0=1000)
    assert m.impacts.zone == "WOR" and "zone-defaulted" in m.impacts.warnings


def test_an_unknown_zone_or_hardware_fails_before_the_work_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    rig = h100_rig(monkeypatch)
    ran = []
    with pytest.raises(UnknownZoneError, match="FRANCE"), Measurement("x", zone="FRANCE"):
        ran.append(1)
    with pytest.raises(UnknownHardwareError, match="RTX-9999"), Measurement("x", gpu="RTX-9999"):
        ran.append(1)
    with pytest.raises(UnknownHardwareError, match="my-box"), Measurement("x", server="my-box"):
        ran.append(1)
    assert ran == [] and rig.options == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"zone": " "}, "zone"),
        ({"total_epochs": 0}, "total_epochs"),
        ({"total_epochs": 2.5}, "total_epochs"),
        ({"cpu_tdp_w": -1}, "cpu_tdp_w"),
        ({"cpu_power_w": float("nan")}, "cpu_power_w"),
        ({"ram_power_w": "10"}, "ram_power_w"),
        ({"pue": 0.9}, "pue"),
        ({"lifetime_years": -3}, "lifetime_years"),
        ({"interval_s": 0}, "interval_s"),
        ({"cpu_scope": "node"}, "cpu_scope"),
    ],
)
def test_bad_arguments_name_the_field(kwargs: dict[str, object], field: str) -> None:
    args = {"name": "x", **kwargs}
    with pytest.raises(InputError) as err:
        Measurement(**args)  # type: ignore[arg-type]
    assert err.value.field == field


def test_life_cycle_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    rig = h100_rig(monkeypatch)
    m = Measurement("x", zone="FRA")
    with pytest.raises(RuntimeError, match="not started"):
        _ = m.impacts
    with pytest.raises(RuntimeError, match="never started"):
        m.stop()
    m.start()
    rig.run(5, gpu_0=500)
    assert m.running and m.energy_by_device["gpu:0"].energy.value == pytest.approx(500 / KWH)  # live figures
    m.stop()
    m.stop()  # twice: nothing
    with pytest.raises(RuntimeError, match="already stopped"):
        m.start()


def test_nested_measurements_record_only_the_outer_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rig = h100_rig(monkeypatch)
    led = open_default(tmp_path / "l.db")
    assert led is not None
    with labels(project="bert"), Measurement("outer", zone="FRA", labels={"phase": "all"}) as outer:
        rig.run(10, gpu_0=100)
        with Measurement("inner", zone="FRA") as inner:
            rig.run(5, gpu_0=50)
        with Measurement("kept", zone="FRA", record=True):
            rig.run(1, gpu_0=10)
    assert inner.energy_by_device["gpu:0"].energy.value * KWH == pytest.approx(50)
    assert outer.energy_by_device["gpu:0"].energy.value * KWH == pytest.approx(160)
    assert "measurement-overlap" not in outer.impacts.warnings + inner.impacts.warnings
    assert inner.parent is outer
    rows = {r["operation"]: r for r in recorded(tmp_path / "l.db")}
    assert set(rows) == {"outer", "kept"}
    row = rows["outer"]
    assert row["kind"] == "local" and row["source"] == "measure" and row["energy_method"] == "measured"
    assert row["duration_s"] == 16 and row["zone"] == "FRA" and row["complete"] == 1
    assert row["energy_usage"] == pytest.approx(outer.impacts.energy.value)
    assert row["gwp_usage"] + row["gwp_embodied"] == pytest.approx(outer.impacts.gwp.value)
    assert row["gwp_embodied"] > 0
    assert json.loads(row["labels"]) == {"project": "bert", "phase": "all"}


def test_concurrent_measurements_warn_of_the_overlap(monkeypatch: pytest.MonkeyPatch) -> None:
    rig = h100_rig(monkeypatch)
    started, release = threading.Event(), threading.Event()
    other: list[Measurement] = []

    def worker() -> None:
        with Measurement("thread", zone="FRA", record=False) as m:
            other.append(m)
            started.set()
            release.wait(5)

    t = threading.Thread(target=worker)
    t.start()
    started.wait(5)
    with Measurement("main", zone="FRA", record=False) as m:
        rig.run(1, gpu_0=10)
    release.set()
    t.join()
    assert "measurement-overlap" in m.impacts.warnings
    assert "measurement-overlap" in other[0].impacts.warnings


def test_an_exception_propagates_unchanged_and_the_run_is_marked_incomplete(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rig = h100_rig(monkeypatch)
    boom = ValueError("diverged")
    with pytest.raises(ValueError) as err, Measurement("x", zone="FRA", record=False) as m:
        rig.run(2, gpu_0=20)
        raise boom
    assert err.value is boom and not m.complete and not m.running
    assert "stopped by an exception" in m.summary()


def test_decorator_measures_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    rig = h100_rig(monkeypatch)

    @Measurement("predict", zone="FRA", record=False)
    def predict(x: int) -> int:
        rig.run(1, gpu_0=10.0 * x)
        return x * 2

    assert predict(3) == 6
    first = predict.last_measurement  # type: ignore[attr-defined]
    assert predict(5) == 10
    second = predict.last_measurement  # type: ignore[attr-defined]
    assert first is not second and first.name == "predict"
    assert first.energy_by_device["gpu:0"].energy.value * KWH == pytest.approx(30)
    assert second.energy_by_device["gpu:0"].energy.value * KWH == pytest.approx(50)

    @Measurement("apredict", zone="FRA", record=False)
    async def apredict(x: int) -> int:
        rig.run(1, gpu_0=7.0)
        return x

    assert asyncio.run(apredict(4)) == 4
    assert apredict.last_measurement.energy_by_device["gpu:0"].energy.value * KWH == pytest.approx(7)  # type: ignore[attr-defined]

    def gen() -> object:
        yield 1

    with pytest.raises(TypeError, match="generator"):
        Measurement("g")(gen)


def test_async_with(monkeypatch: pytest.MonkeyPatch) -> None:
    rig = h100_rig(monkeypatch)

    async def main() -> Measurement:
        async with Measurement("a", zone="FRA", record=False) as m:
            rig.run(2, gpu_0=20)
        return m

    assert asyncio.run(main()).duration_s == 2


def test_epoch_forecast_extrapolates_the_completed_epochs(monkeypatch: pytest.MonkeyPatch) -> None:
    rig = h100_rig(monkeypatch)
    with Measurement("train", zone="FRA", total_epochs=10, record=False) as m:
        rig.run(600, gpu_0=0.3 * KWH, cpu_0=0.1 * KWH)
        f1 = m.epoch_end()
        rig.run(600, gpu_0=0.3 * KWH, cpu_0=0.1 * KWH)
        f2 = m.epoch_end()
        assert f2 is not None and "forecast after 2/10 epochs" in m.summary()
    assert f1 is not None and f1.epochs_done == 1 and f1.total_epochs == 10
    assert f1.duration_s == 6000 and f1.remaining_s == 5400
    assert f1.impacts.energy.value == pytest.approx(4.0)
    assert f2.impacts.energy.value == pytest.approx(4.0) and f2.remaining_s == 4800
    assert "forecast" in f2.impacts.warnings and f2.level == "Intermediate"
    assert m.forecast is f2
    with Measurement("no total", zone="FRA", record=False) as m2:
        rig.run(1, gpu_0=1)
        assert m2.epoch_end() is None
        rig.run(1, gpu_0=1)
        forecast = m2.epoch_end(total_epochs=4)
        assert (
            forecast is not None and forecast.total_epochs == 4 and forecast.duration_s == pytest.approx(4.0)
        )
    with pytest.raises(RuntimeError, match="not running"):
        m2.epoch_end()


@pytest.mark.parametrize(
    ("kwh", "kg", "level"),
    [
        (0.05, 0.01, "Low"),
        (0.05, 0.06, "Intermediate"),
        (0.2, 0.01, "Intermediate"),
        (1500, 600, "Intermediate"),  # "more than" 1,500 kWh
        (1501, 500, "Intermediate"),
        (1501, 501, "High"),
        (10_000, 100, "Intermediate"),  # a clean grid: both thresholds must be passed
    ],
)
def test_impact_level(kwh: float, kg: float, level: str) -> None:
    assert impact_level(kwh, kg) == level


def test_summary_lists_devices_level_and_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    rig = Rig(
        monkeypatch,
        FakeDevice("gpu:0", "NVIDIA H100 80GB HBM3"),
        FakeDevice("ram", "16 GiB", method="estimated"),
        problems=("cpu:0: permission denied; sudo chmod ...",),
    )
    with Measurement("train", zone="FRA", record=False) as m:
        rig.run(3600, gpu_0=2 * KWH, ram=0.01 * KWH)
    text = m.summary()
    for part in (
        "gpu:0",
        "NVIDIA H100 80GB HBM3",
        "measured",
        "estimated",
        "Impact level: Intermediate",
        "energy-efficient models",
        "permission denied",
        "energy-estimated",
    ):
        assert part in text, part
    assert "gpu:0" in repr(m) or "kWh" in repr(m)


def test_the_quick_zone_check_knows_exactly_the_catalogue_zones(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from aifootprint import _state
    from aifootprint.local import zones as session

    monkeypatch.setattr(_state, "_estimator", None)
    session._zone_codes.clear()
    assert session.known_zone("fra") == "FRA"
    assert _state.built_estimator() is None  # the catalogue was not loaded for it
    assert set(session._zone_codes) == {z.code.upper() for z in default_estimator().catalog.zones()}
    # a zone of the config file
    (tmp_path / "aifootprint.toml").write_text(
        '[zones."LAB-1"]\nparent = "FRA"\ngwp_kgco2eq_per_kwh = 0.05\nsource = "our lab"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    _state.reset()  # settings (and config files) are read once per process, until reset()
    assert session.known_zone("lab-1") == "LAB-1"
    with pytest.raises(UnknownZoneError, match="LAB-2"):
        session.known_zone("LAB-2")


def test_the_ledger_is_opened_while_the_work_runs_and_again_after_a_close(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rig = h100_rig(monkeypatch)
    path = tmp_path / "auto.db"
    monkeypatch.setenv("AIFOOTPRINT_LEDGER", str(path))
    with Measurement("first", zone="FRA"):
        rig.run(1, gpu_0=10)
    close_default()  # flushes; the next measurement opens the ledger again
    with Measurement("second", zone="FRA"):
        rig.run(1, gpu_0=10)
    names = [r["operation"] for r in recorded(path)]
    assert names == ["first", "second"]


def test_measurements_stopped_out_of_order_leave_no_stale_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    rig = h100_rig(monkeypatch)
    a = Measurement("a", zone="FRA", record=False).start()
    b = Measurement("b", zone="FRA", record=False).start()
    rig.run(1, gpu_0=1)
    a.stop()
    c = Measurement("c", zone="FRA", record=False).start()
    assert c.parent is b  # a has stopped: c nests in the running b
    c.stop()
    b.stop()
    d = Measurement("d", zone="FRA", record=False).start()
    assert d.parent is None
    d.stop()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"gpu": 5}, "gpu"),
        ({"server": ""}, "server"),
        ({"labels": "x"}, "labels"),
        ({"record": "no"}, "record"),
    ],
)
def test_more_bad_arguments(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as err:
        Measurement("x", **kwargs)  # type: ignore[arg-type]
    assert err.value.field == field


def test_the_configured_zone_is_checked_before_the_work(monkeypatch: pytest.MonkeyPatch) -> None:
    h100_rig(monkeypatch)
    monkeypatch.setenv("AIFOOTPRINT_ZONE", "NOPE")
    with pytest.raises(UnknownZoneError), Measurement("x"):
        pass
    monkeypatch.setenv("AIFOOTPRINT_ZONE", "fra")
    af.reset()  # settings are read once per process, until reset()
    with Measurement("x", record=False) as m:
        pass
    assert m.zone == "FRA" and m.impacts.zone == "FRA"
    assert "environment AIFOOTPRINT_ZONE" in m.impacts.explain()


def test_only_one_recorded_measurement_at_a_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Pool threads do not inherit the outer measurement's context: their measurements overlap it and are
    not recorded by default, so the ledger never holds the same energy twice."""
    from concurrent.futures import ThreadPoolExecutor

    rig = h100_rig(monkeypatch)
    led = open_default(tmp_path / "l.db")
    assert led is not None

    @Measurement("predict", zone="FRA")
    def predict(x: int) -> int:
        rig.run(0, gpu_0=1)
        return x

    with Measurement("serve", zone="FRA") as outer, ThreadPoolExecutor(2) as pool:
        assert list(pool.map(predict, range(4))) == [0, 1, 2, 3]
    names = [r["operation"] for r in recorded(tmp_path / "l.db")]
    assert names == ["serve"] and "measurement-overlap" in outer.impacts.warnings
    with Measurement("alone", zone="FRA") as alone:
        pass
    assert alone.recording


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_forked_child_leaving_the_block_records_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rig = h100_rig(monkeypatch)
    led = open_default(tmp_path / "l.db")
    assert led is not None
    with Measurement("parent", zone="FRA"):
        rig.run(1, gpu_0=10)
        pid = os.fork()
    if pid == 0:  # the child has left the block too: it must record nothing
        try:
            close_default()  # writes whatever the child would have recorded
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    names = [r["operation"] for r in recorded(tmp_path / "l.db")]
    assert names == ["parent"]


def test_stop_does_not_wait_for_the_ledger_to_open(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import time

    from aifootprint.ledger import store as store_module
    from aifootprint.ledger.ledger import flush

    rig = h100_rig(monkeypatch)
    path = tmp_path / "slow.db"
    monkeypatch.setenv("AIFOOTPRINT_LEDGER", str(path))
    opened_by: list[str] = []

    class SlowStore(store_module.Store):
        def __init__(self, *args: object, **kw: bool) -> None:
            opened_by.append(threading.current_thread().name)
            time.sleep(0.5)  # a busy file, a slow disk
            super().__init__(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(store_module, "Store", SlowStore)
    t0 = time.monotonic()
    with Measurement("quick", zone="FRA"):
        rig.run(1, gpu_0=1)
    assert time.monotonic() - t0 < 0.4  # the entry waits for the ledger, not the caller
    flush()  # waits for the file and writes the entry
    assert opened_by == ["aifootprint-ledger"]  # opened once, by the writer thread, never by start/stop
    names = [r["operation"] for r in recorded(path)]
    assert names == ["quick"]


def test_a_measurement_opens_the_ledger_on_the_writer_thread_only(tmp_path: Path) -> None:
    """The process-wide ledger a measurement creates opens its file on its writer thread, while the work
    runs: the caller's thread never opens it, and there is no other thread."""
    ledger = run_script(
        tmp_path,
        "import sys, threading, aifootprint\n"
        "from aifootprint.ledger import store\n"
        "opened_by = []\n"
        "class Traced(store.Store):\n"
        "    def __init__(self, *a, **k):\n"
        "        opened_by.append(threading.current_thread().name)\n"
        "        super().__init__(*a, **k)\n"
        "store.Store = Traced\n"
        "with aifootprint.measure('first', zone='FRA'):\n"
        "    names = {t.name for t in threading.enumerate()}\n"
        "assert names <= {'MainThread', 'aifootprint-ledger'}, names\n"
        "assert aifootprint.get_ledger() is not None\n"
        "aifootprint.flush()  # the entry is written by now (by the writer thread, or by flush)\n"
        "assert opened_by == ['aifootprint-ledger'], opened_by\n",
    )
    assert [r["operation"] for r in recorded(ledger)] == ["first"]


def test_an_explicit_choice_of_no_ledger_is_followed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rig = h100_rig(monkeypatch)
    default = tmp_path / "default.db"
    monkeypatch.setenv("AIFOOTPRINT_LEDGER", str(default))
    assert open_default(False) is None  # instrument(ledger=False), aifootprint run --ledger off
    with Measurement("x", zone="FRA"):
        rig.run(1, gpu_0=1)
    from aifootprint.ledger.ledger import flush

    flush()
    assert not default.exists()


def test_a_run_left_open_in_its_own_context_is_no_parent_and_says_why_others_are_not_recorded(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import contextvars

    from aifootprint._log import reset_log_once

    reset_log_once()
    rig = h100_rig(monkeypatch)
    left_open = Measurement("train", zone="FRA", record=True)
    contextvars.copy_context().run(left_open.start)  # as the framework hooks start theirs
    with Measurement("later", zone="FRA") as later:
        rig.run(1, gpu_0=1)
    assert later.parent is None and not later.recording
    assert "'later' is not recorded while 'train'" in caplog.text
    left_open.stop()


def test_decorator_details(monkeypatch: pytest.MonkeyPatch) -> None:
    rig = h100_rig(monkeypatch)
    with pytest.raises(InputError, match="with parentheses"):
        Measurement(lambda: None)  # type: ignore[arg-type]  # @aifootprint.measure without a name

    @Measurement("rec", zone="FRA", record=False)
    def rec(n: int) -> int:
        rig.run(1, gpu_0=1)
        return n if n == 0 else rec(n - 1)

    assert rec(2) == 0
    assert rec.last_measurement.duration_s == 3  # type: ignore[attr-defined]  # the outermost call


@pytest.mark.parametrize("bad", [float("nan"), -1.0, "1"])
def test_impact_level_refuses_bad_figures(bad: object) -> None:
    with pytest.raises(InputError):
        impact_level(bad, 1.0)  # type: ignore[arg-type]


def test_a_multiprocessing_child_records_its_measurement(tmp_path: Path) -> None:
    """A fork child ends with os._exit(): its entry is written by a multiprocessing finalizer, even when the
    parent had no ledger open."""
    ledger = run_script(
        tmp_path,
        "import multiprocessing as mp, aifootprint\n"
        "def job():\n"
        "    with aifootprint.measure('child job', zone='FRA'):\n"
        "        sum(range(1000))\n"
        "if __name__ == '__main__':\n"
        "    p = mp.get_context('fork').Process(target=job)\n"
        "    p.start(); p.join()\n"
        "    raise SystemExit(p.exitcode)\n",
    )
    assert [r["operation"] for r in recorded(ledger)] == ["child job"]


def test_measurements_follow_the_program_s_choice_of_ledger(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from aifootprint import _state
    from aifootprint.ledger.ledger import default_for_measurement

    rig = h100_rig(monkeypatch)
    monkeypatch.setenv("AIFOOTPRINT_LEDGER", str(tmp_path / "configured.db"))
    chosen = open_default(tmp_path / "team.db")  # instrument(ledger=...)
    assert chosen is not None and default_for_measurement() is chosen  # an open ledger is kept
    chosen.close()  # closed behind the program's back: the choice still holds
    assert _state.ledger_choice() == tmp_path / "team.db"
    with Measurement("x", zone="FRA"):
        rig.run(1, gpu_0=1)
    assert [r["operation"] for r in recorded(tmp_path / "team.db")] == ["x"]
    assert not (tmp_path / "configured.db").exists()


def test_a_run_still_open_at_exit_is_recorded_as_incomplete(tmp_path: Path) -> None:
    ledger = run_script(
        tmp_path,
        "import aifootprint\n"
        "aifootprint.measure('never stopped', zone='FRA').start()\n"
        "with aifootprint.measure('done', zone='FRA', record=True):\n"
        "    pass\n",
    )
    rows = {r["operation"]: r for r in recorded(ledger)}
    assert rows["never stopped"]["complete"] == 0 and rows["done"]["complete"] == 1


def test_configure_wins_over_the_environment_for_measurements_as_for_estimates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every setting goes through _state.current_settings(): configure(zone=...) beats AIFOOTPRINT_ZONE."""
    rig = h100_rig(monkeypatch)
    monkeypatch.setenv("AIFOOTPRINT_ZONE", "FRA")
    af.configure(zone="DEU")
    assert af.estimate("openai/gpt-4o-mini", output_tokens=10).zone == "DEU"
    with Measurement("x", record=False) as m:
        rig.run(1, gpu_0=1)
    assert m.zone == "DEU" and m.impacts.zone == "DEU"
    zone_line = next(line for line in m.impacts.explain().splitlines() if "DEU" in line)
    assert "environment" not in zone_line and "argument" in m.impacts.explain()
    af.reset()
    with Measurement("y", record=False) as env:
        rig.run(1, gpu_0=1)
    assert env.impacts.zone == "FRA" and "environment AIFOOTPRINT_ZONE" in env.impacts.explain()


@pytest.mark.parametrize("zone", ["FRA", None])
def test_a_subscriber_sees_the_entry_s_zone_boundary_and_warnings_before_any_figure(
    monkeypatch: pytest.MonkeyPatch, zone: str | None
) -> None:
    from aifootprint.ledger import hub
    from aifootprint.ledger.entry import Entry

    rig = Rig(
        monkeypatch, FakeDevice("gpu:0", "NVIDIA GeForce RTX 4090"), FakeDevice("cpu", method="estimated")
    )
    seen: list[tuple[str, str, tuple[str, ...]]] = []

    def subscriber(e: Entry) -> None:
        assert e.impacts is not None
        seen.append((e.impacts.zone, e.impacts.boundary, e.impacts.warnings))  # before any figure

    unsubscribe = hub.subscribe(subscriber)
    try:
        with Measurement("x", zone=zone, pue=1.2, record=True) as m:
            rig.run(10, gpu_0=1000, cpu=100)
    finally:
        unsubscribe()
    final = m.impacts
    assert seen == [(final.zone, "datacenter", final.warnings)]
    assert final.zone == (zone or "WOR") and "energy-estimated" in final.warnings
    assert "embodied-not-included" in final.warnings
    assert ("zone-defaulted" in final.warnings) == (zone is None)


class FakeCuda:
    """torch.cuda as far as measure(sync=...) uses it; counts synchronisations."""

    def __init__(self, *, available: bool, initialized: bool, fail: bool = False) -> None:
        self.available, self.initialized, self.fail = available, initialized, fail
        self.synchronized = 0

    def is_available(self) -> bool:
        return self.available

    def is_initialized(self) -> bool:
        return self.initialized

    def synchronize(self) -> None:
        if self.fail:
            raise RuntimeError("CUDA error: an illegal memory access was encountered")
        self.synchronized += 1


def _fake_torch(monkeypatch: pytest.MonkeyPatch, cuda: FakeCuda) -> None:
    import types

    torch = types.ModuleType("torch")
    torch.cuda = cuda  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "torch", torch)


@pytest.mark.parametrize(
    ("sync", "available", "initialized", "expected"),
    [
        (None, True, True, 2),  # default: CUDA in use -> at start and stop
        (None, True, False, 0),  # default: CUDA never touched -> nothing (no context created)
        (True, True, False, 2),
        (True, False, False, 0),  # no GPU
        (False, True, True, 0),
    ],
)
def test_sync_waits_for_queued_cuda_work_at_both_ends(
    monkeypatch: pytest.MonkeyPatch, sync: bool | None, available: bool, initialized: bool, expected: int
) -> None:
    rig = h100_rig(monkeypatch)
    cuda = FakeCuda(available=available, initialized=initialized)
    _fake_torch(monkeypatch, cuda)
    with Measurement("x", zone="FRA", record=False, sync=sync):
        rig.run(1, gpu_0=1)
    assert cuda.synchronized == expected


def test_sync_without_torch_imports_nothing_and_a_function_is_called(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    rig = h100_rig(monkeypatch)
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    with Measurement("x", zone="FRA", record=False, sync=True):
        rig.run(1, gpu_0=1)
    assert "torch" not in sys.modules  # never imported by aifootprint
    calls: list[int] = []
    with Measurement("y", zone="FRA", record=False, sync=lambda: calls.append(1)):
        rig.run(1, gpu_0=1)
    assert calls == [1, 1]
    with pytest.raises(InputError) as err:
        Measurement("z", sync="yes")  # type: ignore[arg-type]
    assert err.value.field == "sync"


def test_a_failing_sync_never_reaches_the_work_and_is_logged_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from aifootprint._log import reset_log_once

    reset_log_once()
    rig = h100_rig(monkeypatch)
    _fake_torch(monkeypatch, FakeCuda(available=True, initialized=True, fail=True))

    def boom() -> None:
        raise ValueError("jax says no")

    done = []
    for sync in (None, True, boom):
        with Measurement("x", zone="FRA", record=False, sync=sync) as m:
            rig.run(1, gpu_0=1)
            done.append(1)
        assert m.duration_s == 1 and m.impacts.energy.value > 0
    assert done == [1, 1, 1]
    assert caplog.text.count("could not be synchronised") == 1
