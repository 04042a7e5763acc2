"""``aifootprint.measure()``: the energy and impacts of work done on this machine (methodology section 15).

A :class:`Measurement` is a window over the machine's devices (GPUs, CPU packages, RAM): counters are read
when it starts and stops; devices without a counter are estimated and labelled so. This module is its life
cycle (start and stop, ``with`` / ``async with``, the decorator); which measurements nest, overlap and are
recorded is :mod:`.nesting`; what the readings become (impacts, forecast, the ledger entry) is
:mod:`.impacts`, loaded when figures are read or a recorded measurement stops.

A recorded measurement makes sure the process-wide ledger exists when it starts (an object only: the file is
opened by the ledger's writer thread) and publishes its entry on the hub when it stops; it registers with
``aifootprint._state.before_exit`` that runs still open at exit are recorded as incomplete.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .._labels import LABELS, check_labels
from .._log import log_once
from ..errors import InputError
from . import devices as dev
from . import nesting

if TYPE_CHECKING:
    import contextvars

    from .._interval import Bounds, RangeLike
    from .._values import Impacts
    from .monitor import Reading, Window
    from .results import DeviceEnergy, Forecast

F = TypeVar("F", bound=Callable[..., Any])

J_PER_KWH = 3.6e6


def _positive(field: str, x: object, *, allow_zero: bool = False) -> float | None:
    if x is None:
        return None
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise InputError(field, f"must be a number of watts, got {x!r}")
    if x < 0 or (x == 0 and not allow_zero):
        raise InputError(field, f"must be {'>= 0' if allow_zero else '> 0'} W, got {x!r}")
    return float(x)


class Measurement:
    """The energy and impacts of the work done while it runs. Create with :func:`aifootprint.measure`.

    Use it as ``with`` / ``async with`` block, or call :meth:`start` and :meth:`stop`; or decorate a
    function (each call is measured on its own; the latest is the function's ``last_measurement``).
    """

    def __init__(
        self,
        name: str = "local run",
        *,
        zone: str | None = None,
        pue: RangeLike | None = None,
        labels: Mapping[str, str | None] | None = None,
        total_epochs: int | None = None,
        gpu: str | None = None,
        server: str | None = None,
        lifetime_years: RangeLike | None = None,
        cpu_tdp_w: float | None = None,
        cpu_power_w: float | None = None,
        ram_power_w: float | None = None,
        record: bool | None = None,
        interval_s: float = 1.0,
        cpu_scope: str = "machine",
        sync: bool | Callable[[], object] | None = None,
    ) -> None:
        if callable(name):
            raise InputError(
                "name", 'give the measurement a name: @aifootprint.measure("predict"), with parentheses'
            )
        if not isinstance(name, str) or not name.strip():
            raise InputError("name", "must be a non-empty string naming the work measured")
        if zone is not None and (not isinstance(zone, str) or not zone.strip()):
            raise InputError("zone", "must be a zone code such as 'FRA' or 'US-CA' (see `aifootprint zones`)")
        if total_epochs is not None and (
            isinstance(total_epochs, bool) or not isinstance(total_epochs, int) or total_epochs < 1
        ):
            raise InputError("total_epochs", f"must be a whole number >= 1, got {total_epochs!r}")
        if (
            isinstance(interval_s, bool)
            or not isinstance(interval_s, (int, float))
            or not 0.01 <= interval_s <= 3600
        ):
            raise InputError("interval_s", f"must be between 0.01 and 3600 seconds, got {interval_s!r}")
        for field, value in (("gpu", gpu), ("server", server)):
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise InputError(
                    field, f"must be a catalogue name such as 'H100' or 'hgx-8gpu', got {value!r}"
                )
        if cpu_scope not in ("machine", "process"):
            raise InputError("cpu_scope", f"must be 'machine' or 'process', got {cpu_scope!r}")
        if labels is not None and not isinstance(labels, Mapping):
            raise InputError("labels", f"must be a mapping such as {{'team': 'nlp'}}, got {labels!r}")
        if sync is not None and not isinstance(sync, bool) and not callable(sync):
            raise InputError("sync", f"must be True, False, None (the default) or a function, got {sync!r}")
        if record is not None and not isinstance(record, bool):
            raise InputError("record", f"must be True, False or None (the default), got {record!r}")
        self.name = name.strip()
        self.zone = zone.strip() if zone is not None else None
        self.zone_origin = "measure(zone=...)"
        if pue is not None or lifetime_years is not None:
            from .._interval import parse_range
        # None: no PUE given, the server boundary (_interval is not imported to start a measurement)
        self.pue: Bounds | None = parse_range("pue", pue, minimum=1.0) if pue is not None else None
        self.lifetime_years: Bounds | None = (
            parse_range("lifetime_years", lifetime_years, minimum=0.01)
            if lifetime_years is not None
            else None
        )
        self._labels_arg = dict(check_labels(labels)) if labels else {}
        self.total_epochs = total_epochs
        self.gpu = gpu
        self.server = server
        self.record = record
        self.sync = sync
        self._options = dev.Options(
            cpu_tdp_w=_positive("cpu_tdp_w", cpu_tdp_w),
            cpu_power_w=_positive("cpu_power_w", cpu_power_w, allow_zero=True),
            ram_power_w=_positive("ram_power_w", ram_power_w, allow_zero=True),
            interval_s=float(interval_s),
            cpu_scope=cpu_scope,
        )
        self._state = "new"  # new -> running -> stopped
        self._setup: dev.Setup | None = None
        self._window: Window | None = None
        self._reading: Reading | None = None
        self._token: contextvars.Token[nesting.Run | None] | None = None
        self.parent: nesting.Run | None = None
        self.overlapped = False
        self.started_at: float | None = None  # Unix time
        self.labels: Mapping[str, str] = {}
        self._epochs: list[Reading] = []
        self._forecast: Forecast | None = None
        self._impacts: Impacts | None = None
        self.complete = True
        self.recording = False  # whether it is written to the ledger (see nesting.enter)
        self.pid = 0
        self._lock = threading.Lock()

    # -- life cycle ------------------------------------------------------------------------------------
    def start(self) -> Measurement:
        """Start measuring (an unknown ``zone``, ``gpu`` or ``server`` raises here, before any work)."""
        with self._lock:
            if self._state != "new":
                raise RuntimeError(
                    f"measurement {self.name!r} was already {self._state}: call aifootprint.measure() again"
                )
            self._check_names()
            merged: dict[str, str | None] = {**LABELS.get(), **self._labels_arg}
            self.labels = {k: v for k, v in merged.items() if v is not None}
            setup = _setup(self._options)
            self.pid = os.getpid()
            _synchronize(self.sync)  # GPU work queued before the window is not this window's
            self.started_at = time.time()
            window = setup.monitor.begin()
            blocking = nesting.enter(self)
            self._setup, self._window = setup, window
            self._token = nesting.activate(self)
            self._state = "running"
        if self.recording:
            _prepare_ledger()
        elif self.record is None and self.parent is None and blocking:
            log_once(
                ("measure-not-recorded", blocking[0].name),
                "aifootprint: measurement %r is not recorded while %r, recorded, runs (their energy "
                "overlaps); pass record=True to record it anyway, or stop %r if it was left open",
                self.name,
                blocking[0].name,
                blocking[0].name,
            )
        return self

    def _check_names(self) -> None:
        if self.zone is None:  # the configured zone, checked now rather than after the work
            from .zones import configured_zone

            configured = configured_zone()
            if configured is not None:
                self.zone, self.zone_origin = configured
        if self.zone is not None:
            from .zones import known_zone

            self.zone = known_zone(self.zone)  # an unknown zone raises here, naming close ones
        if self.gpu is not None or self.server is not None:  # rare options: the catalogue checks them now
            from .._state import default_estimator

            cat = default_estimator().catalog
            if self.gpu is not None:
                self.gpu = cat.accelerator(self.gpu).key
            if self.server is not None:
                self.server = cat.server(self.server).key

    def stop(self, *, complete: bool = True, record: bool | None = None) -> Measurement:
        """Stop measuring, and send the entry to the ledger (``record=False``: not this one). Stopping twice
        does nothing; nothing raises here (a device that fails keeps its last figure, listed in
        ``problems``)."""
        with self._lock:
            if self._state != "running":
                if self._state == "new":
                    raise RuntimeError(f"measurement {self.name!r} was never started")
                return self
            self._state = "stopped"
        assert self._setup is not None and self._window is not None
        forked = os.getpid() != self.pid  # a forked child leaving its parent's block: not its measurement
        try:
            if forked:
                self._reading = _empty_reading()
            else:
                _synchronize(self.sync)  # GPU work queued in the window is counted in it
                self._reading = self._setup.monitor.end(self._window)
        except Exception:  # pragma: no cover - the monitor does not raise: belt and braces for the work
            log_once(("measure-stop",), "aifootprint: a measurement could not be read", exc_info=True)
            self._reading = _empty_reading()
        finally:
            nesting.leave(self, self._token)
            self._token = None
        self.complete = complete and not forked
        if record is not None:
            self.recording = record
        if self.recording and not forked:
            from ..ledger import hub

            if hub.subscribers():  # else nobody to tell: no entry is built
                from .impacts import publish

                publish(self, self._reading)
        return self

    def __enter__(self) -> Measurement:
        return self.start()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.stop(complete=exc_type is None)

    async def __aenter__(self) -> Measurement:
        return self.start()

    async def __aexit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.stop(complete=exc_type is None)

    def _spawn(self) -> Measurement:
        m = Measurement.__new__(Measurement)
        m.__dict__.update(self.__dict__)
        m._state, m._setup, m._window, m._reading, m._token = "new", None, None, None, None
        m._lock, m.recording, m.complete = threading.Lock(), False, True
        m.parent, m.overlapped, m.started_at, m._epochs, m._forecast, m._impacts = (
            None,
            False,
            None,
            [],
            None,
            None,
        )
        return m

    def __call__(self, fn: F) -> F:
        """Measure every call of ``fn`` (sync or async); the latest is ``fn.last_measurement``."""
        import inspect

        if self._state != "new":
            raise RuntimeError("a measurement that has started cannot decorate a function")
        if inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):
            raise TypeError(
                f"measure() cannot decorate the generator {fn.__qualname__}: "
                "use `with aifootprint.measure(...)` around the loop that consumes it"
            )
        template = self

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                m = template._spawn()
                try:
                    async with m:
                        return await fn(*args, **kwargs)
                finally:
                    async_wrapper.last_measurement = m  # type: ignore[attr-defined]

            async_wrapper.last_measurement = None  # type: ignore[attr-defined]
            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            m = template._spawn()
            try:
                with m:
                    return fn(*args, **kwargs)
            finally:
                wrapper.last_measurement = m  # type: ignore[attr-defined]

        wrapper.last_measurement = None  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    # -- figures (computed by .impacts when read) -------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._state == "running"

    def _current(self) -> Reading:
        if self._reading is not None:
            return self._reading
        if self._state != "running":
            raise RuntimeError(
                f"measurement {self.name!r} has not started: use it as `with` block or start()"
            )
        assert self._setup is not None and self._window is not None
        return self._setup.monitor.read(self._window)

    @property
    def problems(self) -> tuple[str, ...]:
        """Devices that could not be read, and how to fix each."""
        if self._setup is None:
            return ()
        failed = tuple(
            f"{name}: stopped answering during a measurement; its energy stops at its last reading"
            for name in sorted(self._setup.monitor.failed)
        )
        return self._setup.problems + failed

    @property
    def duration_s(self) -> float:
        return self._current().duration_s

    @property
    def energy_by_device(self) -> dict[str, DeviceEnergy]:
        """Each device's energy (kWh, with range) so far or over the whole measurement."""
        from .impacts import by_device

        return by_device(self._setup, self._current())

    @property
    def energy_method(self) -> str:
        """``measured`` (every device has a counter), ``estimated`` (none has), or ``mixed``."""
        from .impacts import energy_method

        return energy_method(self._current())

    @property
    def impacts(self) -> Impacts:
        """Impacts of the measurement so far, or of the whole of it once stopped."""
        if self._impacts is not None:
            return self._impacts
        from .impacts import impacts_of

        imp = impacts_of(self, self._setup, self._current(), scale=1.0)
        if self._state == "stopped":
            self._impacts = imp
        return imp

    @property
    def level(self) -> str:
        """Impact level of the run (``Low``/``Intermediate``/``High``); see :func:`impact_level`."""
        from .results import impact_level

        imp = self.impacts
        return impact_level(imp.energy.value, imp.gwp.value)

    @property
    def forecast(self) -> Forecast | None:
        """The latest forecast made by :meth:`epoch_end`."""
        return self._forecast

    def epoch_end(self, total_epochs: int | None = None) -> Forecast | None:
        """Mark the end of an epoch; returns the whole run's forecast when the number of epochs is known."""
        if self._state != "running":
            raise RuntimeError(f"measurement {self.name!r} is not running: epoch_end() belongs inside it")
        if total_epochs is not None:
            if isinstance(total_epochs, bool) or not isinstance(total_epochs, int) or total_epochs < 1:
                raise InputError("total_epochs", f"must be a whole number >= 1, got {total_epochs!r}")
            self.total_epochs = total_epochs
        r = self._current()
        self._epochs.append(r)
        if self.total_epochs is None:
            return None
        from .impacts import forecast

        self._forecast = forecast(self, self._setup, r, len(self._epochs), self.total_epochs)
        return self._forecast

    # -- reading it -----------------------------------------------------------------------------------------
    def summary(self) -> str:
        """A readable summary: duration, energy per device, impacts, level and recommendations, problems."""
        from .summary import render

        return render(self)

    def __repr__(self) -> str:
        if self._state == "new":
            return f"Measurement({self.name!r}, not started)"
        r = self._current()
        return (
            f"Measurement({self.name!r}, {self._state}, {r.duration_s:.3g} s, "
            f"{sum(r.energy_j.values()) / J_PER_KWH:.4g} kWh {self.energy_method})"
        )


def measure(
    name: str = "local run",
    *,
    zone: str | None = None,
    pue: RangeLike | None = None,
    labels: Mapping[str, str | None] | None = None,
    total_epochs: int | None = None,
    gpu: str | None = None,
    server: str | None = None,
    lifetime_years: RangeLike | None = None,
    cpu_tdp_w: float | None = None,
    cpu_power_w: float | None = None,
    ram_power_w: float | None = None,
    record: bool | None = None,
    interval_s: float = 1.0,
    cpu_scope: str = "machine",
    sync: bool | Callable[[], object] | None = None,
) -> Measurement:
    """Measure the energy and impacts of work on this machine: ``with``, ``async with`` or a decorator.

    ``zone``: electricity zone of this machine (``FRA``, ``US-CA``...; default: the configured zone, else
    the world average with warning ``zone-defaulted``); an unknown zone raises before the work starts.
    ``pue``: facility overhead when the machine sits in a datacenter (number or range; default 1, the
    ``server`` boundary). ``labels``: added to the ``aifootprint.labels(...)`` in force. ``total_epochs``:
    enables the forecast of :meth:`Measurement.epoch_end`. ``gpu``/``server``: catalogue hardware for the
    embodied share when the driver's GPU name is unknown (or the machine has no GPU); ``lifetime_years``:
    hardware lifetime (default: the catalogue's, 3 years with a range up to 6). ``cpu_tdp_w`` (one package),
    ``cpu_power_w``, ``ram_power_w``: replace the CPU TDP table, or the CPU / RAM figures altogether, with
    your numbers (still labelled ``estimated``). ``record``: write the run to the ledger (default: yes,
    unless nested in another measurement). ``interval_s``: sampling period of devices without an energy
    counter. ``cpu_scope="process"``: the CPU figure is this process's share (its CPU time and its
    children's × TDP) rather than the whole CPU's (a shared machine).

    ``sync``: wait for queued GPU work when the window opens and closes, so that work launched
    asynchronously inside it (CUDA kernels) is counted in it. ``None`` (default): ``torch.cuda.synchronize()``
    when PyTorch is already imported and has initialised CUDA (a program that has not touched the GPU pays
    nothing); ``True``: the same whenever PyTorch is imported and CUDA is available; ``False``: never; a
    function (``lambda: jax.block_until_ready(x)``, ``cupy.cuda.Device().synchronize``): called instead.
    aifootprint never imports PyTorch itself, and a synchronisation that fails is logged once, never raised.
    See docs/measurement.md.
    """
    return Measurement(
        name,
        zone=zone,
        pue=pue,
        labels=labels,
        total_epochs=total_epochs,
        gpu=gpu,
        server=server,
        lifetime_years=lifetime_years,
        cpu_tdp_w=cpu_tdp_w,
        cpu_power_w=cpu_power_w,
        ram_power_w=ram_power_w,
        record=record,
        interval_s=interval_s,
        cpu_scope=cpu_scope,
        sync=sync,
    )


def _synchronize(sync: bool | Callable[[], object] | None) -> None:
    """Wait for the GPU work queued so far (see ``measure(sync=...)``); never raises into the work."""
    if sync is False:
        return
    try:
        if callable(sync) and not isinstance(sync, bool):
            sync()
            return
        torch = sys.modules.get("torch")  # never imported here: a program without PyTorch pays nothing
        if torch is None:
            return
        cuda = torch.cuda
        if cuda.is_initialized() if sync is None else cuda.is_available():
            cuda.synchronize()
    except Exception:
        log_once(
            ("measure-sync",),
            "aifootprint: the GPU work could not be synchronised; the measurement goes on without",
            exc_info=True,
        )


def _setup(options: dev.Options) -> dev.Setup:
    """The devices; an unexpected failure finding them leaves a measurement without devices, never breaks
    the work it measures."""
    try:
        return dev.setup(options)
    except Exception as exc:
        from .monitor import Monitor

        log_once(("measure-devices",), "aifootprint: the devices could not be found", exc_info=True)
        return dev.Setup(Monitor(), (f"devices: could not be found ({exc!r}); nothing was measured",))


def _empty_reading() -> Reading:
    from .monitor import Reading

    return Reading(0.0, {}, {}, {}, {})


def _prepare_ledger() -> None:
    """A recorded measurement starts: make sure the process-wide ledger exists (created without opening
    its file: the writer thread does that), and that runs still open at exit are recorded as incomplete."""
    try:
        from .._state import before_exit, default_ledger, ledger_off

        before_exit(nesting.stop_open_runs)
        led = default_ledger()
        if (led is not None and not led.closed) or ledger_off():
            return  # nothing to create: the ledger module is not even imported
        from ..ledger.ledger import default_for_measurement

        default_for_measurement()
    except Exception:  # a ledger that cannot be used must not stop the work: the entry is not recorded
        log_once(("measure-ledger-open",), "aifootprint: the ledger could not be opened", exc_info=True)
