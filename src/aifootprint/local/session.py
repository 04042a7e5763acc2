"""``aifootprint.measure()``: the energy and impacts of work done on this machine (methodology section 15).

A :class:`Measurement` is a window over the machine's devices (GPUs, CPU packages, RAM): counters are read
when it starts and stops; devices without a counter are estimated and labelled so. Its impacts come from
the same engine as everywhere else: the energy times the zone's factors (and the PUE where the machine sits
in a datacenter), plus the embodied share of the GPUs and their host for the measured time.

Measurements nest and run concurrently. Devices are shared, so measurements that overlap in time include
each other's energy; the ledger must not hold it twice. By default (``record=None``) a measurement is
written to the ledger only when it is not nested in another one (same thread or task: the outer one holds
its energy) and no other recorded measurement runs (a pool thread, a concurrent request); overlapping ones
get the warning ``measurement-overlap``. The ledger is opened on a thread while the first measurement runs;
entries that end before it is open are handed over to that thread (see ``_deliver``).
"""

from __future__ import annotations

import contextvars
import functools
import math
import os
import threading
import time
from collections.abc import Callable, Mapping

from .._labels import LABELS, check_labels
from .._log import log_once
from ..errors import InputError
from . import devices as dev

TYPE_CHECKING = False  # typing, the records and dataclasses are imported when figures are read, not to start
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, TypeVar

    from .._interval import Bounds, RangeLike
    from .._values import Impacts
    from ..ledger.entry import EnergyMethod
    from .monitor import Reading, Window
    from .results import DeviceEnergy, Forecast

    F = TypeVar("F", bound=Callable[..., Any])

J_PER_KWH = 3.6e6
_ACTIVE: contextvars.ContextVar[Measurement | None] = contextvars.ContextVar(
    "aifootprint_measure", default=None
)
_running_lock = threading.Lock()
_running: set[Measurement] = set()


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
        if record is not None and not isinstance(record, bool):
            raise InputError("record", f"must be True, False or None (the default), got {record!r}")
        self.name = name.strip()
        self.zone = zone.strip() if zone is not None else None
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
        self._token: contextvars.Token[Measurement | None] | None = None
        self.parent: Measurement | None = None
        self.overlapped = False
        self.started_at: float | None = None  # Unix time
        self.labels: Mapping[str, str] = {}
        self._epochs: list[Reading] = []
        self._forecast: Forecast | None = None
        self._impacts: Impacts | None = None
        self.complete = True
        self._recording = False
        self._pid = 0
        self._lock = threading.Lock()
        self._zone_origin = "measure(zone=...)"

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
            parent = _running_ancestor(_ACTIVE.get())
            self._pid = os.getpid()
            self.started_at = time.time()
            window = setup.monitor.begin()
            with _running_lock:
                ancestors = set()
                p = parent
                while p is not None:
                    ancestors.add(p)
                    p = p.parent
                others = [o for o in _running if o not in ancestors]
                for other in others:
                    other.overlapped = self.overlapped = True
                blocking = [o for o in others if o._recording]
                if self.record is None:  # one recorded measurement at a time: the ledger never counts twice
                    self._recording = parent is None and not blocking
                else:
                    self._recording = self.record
                _running.add(self)
            self.parent, self._setup, self._window = parent, setup, window
            self._token = _ACTIVE.set(self)
            self._state = "running"
        if self._recording:
            _open_ledger_soon()
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
        if self.zone is None and os.environ.get("AIFOOTPRINT_ZONE", "").strip():
            self.zone = os.environ["AIFOOTPRINT_ZONE"].strip()  # checked now rather than after the work
            self._zone_origin = "environment AIFOOTPRINT_ZONE"
        if self.zone is not None:
            self.zone = _known_zone(self.zone)  # an unknown zone raises here, naming close ones
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
        forked = os.getpid() != self._pid  # a forked child leaving its parent's block: not its measurement
        try:
            if forked:
                self._reading = _empty_reading()
            else:
                self._reading = self._setup.monitor.end(self._window)
        except Exception:  # pragma: no cover - the monitor does not raise: belt and braces for the work
            log_once(("measure-stop",), "aifootprint: a measurement could not be read", exc_info=True)
            self._reading = _empty_reading()
        finally:
            with _running_lock:
                _running.discard(self)
            if self._token is not None:
                if _ACTIVE.get() is self:  # else stopped out of order (outer before inner): leave the inner
                    try:
                        _ACTIVE.reset(self._token)
                    except ValueError:  # stopped in another context than it started in
                        _ACTIVE.set(self.parent)
                    active = _ACTIVE.get()
                    if active is not None and active._state != "running":
                        _ACTIVE.set(_running_ancestor(active))
                self._token = None
        self.complete = complete and not forked
        if record is not None:
            self._recording = record
        if self._recording and not forked:
            self._publish()
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
        m._lock, m._recording, m.complete = threading.Lock(), False, True
        m.parent, m.overlapped, m.started_at, m._epochs, m._forecast, m._impacts = (
            None,
            False,
            None,
            [],
            None,
            None,
        )
        m.zone = self.zone
        return m

    def __call__(self, fn: F) -> F:
        """Measure every call of ``fn`` (sync or async); the latest is ``fn.last_measurement``."""
        import inspect  # here: importing it costs milliseconds that a plain `with` block need not pay

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

    # -- figures -----------------------------------------------------------------------------------------
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
        r = self._current()
        return self._by_device(r)

    def _by_device(self, r: Reading) -> dict[str, DeviceEnergy]:
        from .._values import Quantity
        from .results import DeviceEnergy

        assert self._setup is not None
        out: dict[str, DeviceEnergy] = {}
        for name, joules in r.energy_j.items():
            d = self._setup.info.get(name)
            q = Quantity(
                low=r.low_j[name] / J_PER_KWH,
                value=joules / J_PER_KWH,
                high=r.high_j[name] / J_PER_KWH,
                unit="kWh",
            )
            out[name] = DeviceEnergy(
                name,
                getattr(d, "kind", name.split(":", 1)[0]),
                getattr(d, "model", ""),
                r.method[name],
                getattr(d, "source", ""),
                q,
            )
        return out

    @property
    def energy_method(self) -> str:
        """``measured`` (every device has a counter), ``estimated`` (none has), or ``mixed``."""
        return self._energy_method()

    def _energy_method(self) -> EnergyMethod:
        methods = set(self._current().method.values())
        if methods == {"measured"}:
            return "measured"
        return "mixed" if "measured" in methods else "estimated"

    @property
    def impacts(self) -> Impacts:
        """Impacts of the measurement so far, or of the whole of it once stopped."""
        if self._impacts is not None:
            return self._impacts
        imp = self._impacts_of(self._current(), scale=1.0)
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
        done, total = len(self._epochs), self.total_epochs
        if total is None:
            return None
        scale = max(total, done) / done
        from .results import Forecast

        self._forecast = Forecast(
            done, max(total, done), r.duration_s, r.duration_s * scale, self._impacts_of(r, scale=scale)
        )
        return self._forecast

    def _zone(self) -> tuple[str, str, tuple[str, ...]]:
        if self.zone is not None:
            return self.zone, self._zone_origin, ()
        from .._state import default_estimator

        est = default_estimator()
        if est.settings.zone is not None:
            return est.settings.zone, est.settings.provenance.get("zone", "settings"), ()
        z = est.catalog.default_text("zone")
        return z, f"no zone given: {est.catalog.default('zone').source}", ("zone-defaulted",)

    def _impacts_of(self, r: Reading, *, scale: float) -> Impacts:
        from .._energy import NOT_INCLUDED, impacts_from_energy
        from .._interval import Bounds
        from .._state import default_estimator
        from .._values import Factor
        from .hardware import embodied_share

        est = default_estimator()
        cat = est.catalog
        zone, zone_source, codes = self._zone()
        total = sum(r.energy_j.values()) * scale / J_PER_KWH
        low = sum(r.low_j.values()) * scale / J_PER_KWH
        high = sum(r.high_j.values()) * scale / J_PER_KWH
        devices = self._by_device(r)
        factors = tuple(
            Factor(
                f"{d.name} {d.model}".strip() + f" ({d.method})",
                d.energy.low * scale,
                d.energy.value * scale,
                d.energy.high * scale,
                "kWh",
                d.source,
            )
            for d in devices.values()
        )
        warnings = list(codes)
        if any(d.method == "estimated" for d in devices.values()):
            warnings.append("energy-estimated")
        if self.overlapped:
            warnings.append("measurement-overlap")
        if scale != 1.0:
            warnings.append("forecast")
        if self.lifetime_years is not None:
            life, life_source = self.lifetime_years, "measure(lifetime_years=...)"
        else:
            life, life_source = (
                cat.default_triple("hardware_lifetime_years"),
                cat.default("hardware_lifetime_years").source,
            )
        duration = r.duration_s * scale
        gpus = [d.model for d in devices.values() if d.kind == "gpu"]
        emb = embodied_share(
            cat,
            gpus,
            Bounds.point(duration),
            lifetime_years=life,
            lifetime_source=life_source,
            gpu=self.gpu,
            server=self.server,
        )
        if emb.values is not None and emb.partial:
            warnings.append("embodied-partial")
        return impacts_from_energy(
            (low, total, high),
            zone=zone,
            pue=1.0 if self.pue is None else self.pue,
            name=self.name,
            warnings=tuple(warnings),
            energy_source="sum of the devices above"
            + (f", x {scale:.4g} (forecast)" if scale != 1.0 else ""),
            pue_source="none" if self.pue is None else "measure(pue=...)",
            zone_source=zone_source,
            estimator=est,
            embodied=emb.values,
            factors=factors,
            embodied_factors=emb.factors if emb.values is not None else (*emb.factors, NOT_INCLUDED),
        )

    # -- the ledger ----------------------------------------------------------------------------------------
    def _publish(self) -> None:
        try:
            from ..ledger import hub

            if not _ledger_wanted() and not _opening and not hub.subscribers():
                return  # no ledger, no exporter: nobody to tell
            from ..ledger.entry import Entry

            r = self._reading
            assert r is not None and self.started_at is not None
            _deliver(
                Entry(
                    kind="local",
                    ts=self.started_at,
                    source="measure",
                    impacts=self._lazy_impacts(),
                    operation=self.name,
                    duration_s=r.duration_s,
                    complete=self.complete,
                    energy_method=self._energy_method(),
                    labels=self.labels,
                )
            )
        except Exception:  # the ledger must never break the user's work
            log_once(("measure-ledger",), "aifootprint: a measurement could not be recorded", exc_info=True)

    def _lazy_impacts(self) -> Impacts:
        """The impacts as the ledger's writer thread computes them (the catalogue is not needed here)."""
        from .._values import Impacts

        def compute() -> tuple[float, ...]:
            real = self.impacts
            lazy.zone, lazy.boundary, lazy.warnings = real.zone, real.boundary, real.warnings
            return real._v()

        lazy = Impacts(
            compute,
            model=self.name,
            zone=self.zone or "",
            boundary="server" if self.pue is None or self.pue == (1.0, 1.0, 1.0) else "datacenter",
            warnings=(),
            requests=1,
            explainer=lambda: self.impacts.factors(),  # noqa: PLW0108 - late: computed on first read
        )
        return lazy

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
    children's × TDP) rather than the whole CPU's (a shared machine). See docs/measurement.md.
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


def _running_ancestor(m: Measurement | None) -> Measurement | None:
    """``m`` or its nearest ancestor that is still running."""
    while m is not None and m._state != "running":
        m = m.parent
    return m


_ledger_lock = threading.Lock()
_ledger_opener: threading.Thread | None = None
_opening = False  # the opener thread runs; entries wait in _pending until it has finished
_pending: list[Any] = []
_ledger_off = False  # the settings say there is no ledger: do not ask again
_LEDGER_OFF = ("off", "false", "no", "0", "none")
_exit_hook = False


def _ledger_open() -> bool:
    import sys

    module = sys.modules.get("aifootprint.ledger.ledger")
    led = getattr(module, "_default", None)
    return led is not None and not led._closed


def _ledger_choice() -> object:
    """The ledger the program chose explicitly (``instrument(ledger=...)``, ``--ledger``), if any."""
    import sys

    return getattr(sys.modules.get("aifootprint.ledger.ledger"), "choice", None)


def _ledger_wanted() -> bool:
    choice = _ledger_choice()
    if choice is False or (isinstance(choice, str) and choice.strip().lower() in _LEDGER_OFF):
        return False
    return not (
        _ledger_off
        or _ledger_open()
        or (choice is None and os.environ.get("AIFOOTPRINT_LEDGER", "").strip().lower() in _LEDGER_OFF)
    )


def _open_ledger_soon() -> None:
    """Open the process-wide ledger on a thread while the measured work runs (reading the config file,
    importing SQLite and preparing the file take milliseconds that start() should not); again after a
    ``close_default()``, never again once the settings said the ledger is off."""
    global _ledger_opener, _opening, _exit_hook  # noqa: PLW0603 - one opener at a time per process
    if not _ledger_wanted():
        return
    with _ledger_lock:
        if _opening:
            return
        _opening = True
        if not _exit_hook:
            import atexit

            atexit.register(_drain_at_exit)
            _exit_hook = True
        _finalize_in_multiprocessing_child()
        t = threading.Thread(target=_open_ledger, name="aifootprint-ledger-open", daemon=True)
        _ledger_opener = t
        t.start()


def _open_ledger() -> None:
    global _ledger_off, _opening  # noqa: PLW0603
    try:
        from ..ledger.ledger import get_ledger, open_default

        choice = _ledger_choice()
        opened = open_default(choice, unless_chosen=True)  # type: ignore[arg-type]
        if opened is None and choice is None and _ledger_choice() is None and get_ledger() is None:
            _ledger_off = True  # the settings say no ledger
    except Exception:  # a ledger that cannot be used must not stop the work: the entry is not recorded
        log_once(("measure-ledger-open",), "aifootprint: the ledger could not be opened", exc_info=True)
    finally:
        with _ledger_lock:
            _opening = False
            waiting = _pending[:]
            _pending.clear()
        _deliver_now(waiting)


def _deliver(entry: Any) -> None:
    """Send an entry to the ledger and exporters; while the ledger is being opened, the opener sends it
    when done (``stop()`` does not wait for it)."""
    _open_ledger_soon()
    with _ledger_lock:
        if _opening:
            _pending.append(entry)
            return
    _deliver_now([entry])


def _deliver_now(entries: list[Any]) -> None:
    if not entries:
        return
    from ..ledger import hub

    for e in entries:
        hub.publish(e)


def _join_opener(timeout: float) -> None:
    t = _ledger_opener
    if t is not None and t.is_alive() and t is not threading.current_thread():
        t.join(timeout)


def _stop_open_runs() -> None:
    """At exit: recorded measurements still open (a training run whose end never came, a block in a daemon
    thread) are stopped and recorded as incomplete rather than lost."""
    pid = os.getpid()
    with _running_lock:
        open_runs = [m for m in _running if m._recording and m._pid == pid]
    for m in open_runs:
        m.stop(complete=False)


def _drain_at_exit() -> None:
    """At exit: record the runs still open, let the opener finish and write what it delivered (the
    ledger's own exit hook may have run already: hooks run last registered first; it calls this too)."""
    _stop_open_runs()
    _join_opener(10.0)
    if _ledger_open():
        from ..ledger.ledger import flush

        flush()


_finalizer_pid = 0


def _finalize_in_multiprocessing_child() -> None:
    """A multiprocessing child made by fork ends with ``os._exit()``: atexit hooks do not run there, its
    multiprocessing finalizers do. Register the exit drain there too, once per process."""
    global _finalizer_pid  # noqa: PLW0603
    import sys

    mp = sys.modules.get("multiprocessing.util")
    pid = os.getpid()
    if mp is not None and _finalizer_pid != pid:
        _finalizer_pid = pid
        mp.Finalize(None, _drain_at_exit, exitpriority=10)


def _forget_ledger_opener() -> None:
    global _ledger_opener, _opening, _ledger_lock, _running_lock
    _ledger_opener, _opening = None, False
    _pending.clear()  # the parent's entries are the parent's to write
    _ledger_lock, _running_lock = threading.Lock(), threading.Lock()  # a lock held at fork stays held


if hasattr(os, "register_at_fork"):
    # A fork while the opener imports SQLite would leave the child with an import lock nobody releases.
    os.register_at_fork(before=lambda: _join_opener(5.0), after_in_child=_forget_ledger_opener)

_zone_codes: dict[str, str] = {}


def _known_zone(code: str) -> str:
    """The zone's canonical code; raises :class:`UnknownZoneError` for an unknown one. Without loading the
    catalogue (tens of ms) when it is not loaded yet: the shipped zone codes are the first column of
    data/grid.csv, and the config file's ``[zones]`` add theirs."""
    from .._state import built_estimator

    if built_estimator() is None:
        import os

        if not _zone_codes:
            path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "grid.csv")
            try:
                with open(path, encoding="utf-8") as fh:
                    next(fh)
                    for line in fh:
                        first = line.split(",", 1)[0]
                        _zone_codes[first.upper()] = first
            except OSError:  # data not on the file system (a zip import): the catalogue decides
                pass
        key = code.strip().upper()
        found = _zone_codes.get(key)
        if found is None:  # perhaps a zone of the config file
            from .._state import current_settings

            found = {k.upper(): k for k in current_settings().overlays.get("zones", {})}.get(key)
        if found is not None:
            return found
    from .._state import default_estimator

    return default_estimator().catalog.zone(code).code
