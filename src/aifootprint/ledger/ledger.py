"""The ledger: entries queued by the callers, written in batches by one background thread.

``record()`` costs a ``deque.append`` on the caller's thread. A daemon thread wakes every
``flush_interval`` seconds (or as soon as a batch is full), computes the entries' impacts and writes them in
one transaction. ``flush()`` writes everything pending now; an ``atexit`` hook (registered when a ledger is
created, never at import) runs the process's exit hooks (``_state.before_exit``) and then flushes. After
``fork()`` the child forgets the parent's queue, thread and connection (the parent writes its own entries)
and opens its own on its first write.

The file is opened (validated, created or migrated: :class:`~aifootprint.ledger.store.Store`) when the
ledger is created, so that a ledger the user named fails at once and clearly; or, for ``lazy=True``, by the
writer thread (at its first write, or at once after ``open_soon()``: the process-wide ledger a measurement
creates): creating such a ledger imports neither SQLite nor the schema, and a file that cannot be used is
logged once, never raised; the ledger then drops its entries and its thread ends.

Nothing is dropped while the file can be written: when the queue outgrows ``max_pending`` the recording
thread writes a batch itself. Only if the file cannot be written at all (disk full, permissions) are the
oldest entries beyond ``max_pending`` dropped, counted in ``dropped`` and logged.

This module never looks at who records (instrumentation, local measurement): what must happen before the
ledgers close at exit is registered with ``aifootprint._state.before_exit``.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import weakref
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import _state
from .._log import log_once, logger
from ..errors import LedgerError
from . import hub
from .entry import Entry

if TYPE_CHECKING:
    from collections.abc import Callable

    from . import schema
    from .store import Store


def default_path() -> Path:
    """``<user data dir>/aifootprint/ledger.db`` (see :func:`aifootprint.ledger.store.default_path`)."""
    from .store import default_path as _default_path

    return _default_path()


def row_context(cat: Any = None) -> schema.RowContext:
    """What rows need from the catalogue (``cat``, default: the process-wide one)."""
    from . import schema

    if cat is None:
        from .._api import get_catalog

        cat = get_catalog()
    return schema.RowContext(lambda zone: cat.zone(zone).gwp_basis, cat.data_version, cat)


class Ledger:
    """Append-only record of entries in a SQLite file (see docs/ledger.md)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        flush_interval: float = 1.0,
        batch_size: int = 10_000,
        max_pending: int = 200_000,
        lazy: bool = False,
    ) -> None:
        self.path = Path(path).absolute()  # a forked child that changes directory still finds it
        self.flush_interval = flush_interval
        self.batch_size = batch_size
        self.max_pending = max_pending
        self.dropped = 0
        self.written = 0
        self._store: Store | None = None  # None: opened by the next write (lazy, or a forked child)
        self._broken = False  # the file could not be opened: entries are ignored (logged once)
        self._shut = False  # closed for good: never reopened
        self._q: deque[Entry] = deque()
        self._lock = threading.Lock()  # one writer at a time: the thread, flush(), or a recording thread
        self._start_lock = threading.Lock()  # never held while writing: record() must not wait on a write
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._stopping = False  # the thread is asked to exit (before fork(), at close)
        self._ctx: schema.RowContext | None = None
        self._unsubscribe: Any = None
        self._open_soon = False  # open_soon(): the writer thread's first pass runs at once, not after a wait
        self._opening = False  # open_soon(): that first pass opens the file even with nothing to write
        if not lazy:
            from .store import Store

            self._store = Store(self.path)  # validates (and creates or migrates) now: fail early
        _open_ledgers.add(self)
        atexit.register(_close_at_exit, weakref.ref(self))
        _finalize_in_multiprocessing_child()

    def __repr__(self) -> str:
        return f"Ledger({str(self.path)!r}, pending={len(self._q)}, written={self.written})"

    @property
    def closed(self) -> bool:
        """Closed (or its file could not be opened): entries recorded now are ignored."""
        return self._closed or self._broken

    # -- recording (hot path) ------------------------------------------------------------------------------
    def record(self, entry: Entry) -> None:
        """Queue one entry; it is written within ``flush_interval`` seconds, or by ``flush()``/exit."""
        if self._broken:
            return
        q = self._q
        q.append(entry)
        if self._thread is None:
            self._start()
        n = len(q)
        if n >= self.batch_size:
            if n > self.max_pending:
                self._overflow()
            else:
                self._wake.set()

    def _start(self) -> None:
        with self._start_lock:
            if self._thread is not None or self._closed:
                return
            t = threading.Thread(target=self._run, name="aifootprint-ledger", daemon=True)
            self._thread = t
            t.start()

    def _overflow(self) -> None:
        """More than ``max_pending`` entries wait: this thread writes a batch itself (waiting for the
        writer if it is busy: back-pressure). Only if the file cannot be written, or stays busy for
        seconds, are the oldest beyond ``max_pending`` dropped (counted and logged)."""
        failed = True
        if self._lock.acquire(timeout=5.0):
            try:
                if len(self._q) <= self.max_pending:
                    return  # drained meanwhile
                failed = self._write_locked(limit=self.batch_size)[1]
            finally:
                self._lock.release()
        if failed:
            q = self._q
            while len(q) > self.max_pending:  # deque.popleft is thread-safe: no lock to wait for
                try:
                    q.popleft()
                except IndexError:
                    break
                self.dropped += 1
            log_once(
                ("ledger-dropped", str(self.path)),
                "aifootprint: ledger %s cannot be written; the oldest entries beyond %d are being dropped",
                self.path,
                self.max_pending,
            )

    # -- writing --------------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not (self._closed or self._stopping or self._broken):
            if self._open_soon:  # a lazy ledger opens its file first, while the caller's work goes on
                self._open_soon = False
            else:
                self._wake.wait(self.flush_interval)
                self._wake.clear()
            if self._closed or self._stopping:
                break
            try:
                self._write_pending()  # opens the file of a lazy ledger, even with nothing to write yet
            except Exception:  # never let the thread die: entries would wait for ever
                log_once(
                    ("ledger-thread", str(self.path)), "aifootprint: ledger writer failed", exc_info=True
                )

    def _stop_thread(self) -> None:
        t = self._thread
        if t is None or t is threading.current_thread():
            return
        self._stopping = True
        self._wake.set()
        t.join(timeout=10.0)
        self._stopping = False
        if not t.is_alive():
            self._thread = None

    def _write_pending(self, limit: int | None = None) -> int:
        """Write queued entries (at most ``limit``); returns how many were written."""
        with self._lock:
            return self._write_locked(limit)[0]

    def _write_locked(self, limit: int | None = None) -> tuple[int, bool]:
        """(entries written, whether the file refused them for now); the caller holds the lock."""
        store = self._store
        if store is None:
            if self._shut or self._broken or not (self._q or self._open_soon_pending()):
                return 0, False  # a lazy ledger with nothing to write leaves the file (and SQLite) alone
            store = self._open_locked()
            if store is None:
                return 0, False
        import sqlite3  # here, not at import: creating a lazy ledger (a measurement's start) loads neither

        from . import schema

        ctx = self._context()
        if ctx is None:
            return 0, True
        written = 0
        q = self._q
        while q and (limit is None or written < limit):
            n = min(len(q), self.batch_size)
            batch = [q.popleft() for _ in range(n)]
            try:
                schema.evaluate_pending(batch)
            except Exception:  # then each entry's impacts are computed alone, in _row
                log_once(("ledger-batch",), "aifootprint: batch evaluation failed", exc_info=True)
            row_of = schema.row_of
            pairs = [(e, r) for e in batch if (r := self._row(e, ctx, row_of)) is not None]
            self.dropped += n - len(pairs)
            try:
                store.write([r for _, r in pairs])
            except sqlite3.OperationalError as exc:  # locked beyond the busy timeout, disk full, I/O
                q.extendleft(reversed([e for e, _ in pairs]))  # kept for the next attempt
                log_once(
                    ("ledger-write", str(self.path), type(exc).__name__),
                    "aifootprint: ledger %s could not be written (%s); %d entries kept for a retry",
                    self.path,
                    exc,
                    len(q),
                )
                self.written += written
                return written, True
            except sqlite3.Error:  # a row the file refuses, or damage: write one by one, drop the bad
                n = self._write_one_by_one(store, pairs)
                written += n
                continue
            written += len(pairs)
        self.written += written
        return written, False

    def _open_locked(self) -> Store | None:
        """Open the file for a lazy ledger (or in a forked child); the caller holds the lock. A file that
        cannot be used is logged once, and the ledger then ignores its entries."""
        from .store import Store

        try:
            store = self._store = Store(self.path)
        except Exception as exc:  # LedgerError, or anything unforeseen: never raised into the caller's work
            log_once(("ledger-open", str(self.path)), "aifootprint: no ledger: %s", exc)
            self._give_up()
            return None
        return store

    def open_soon(self) -> None:
        """Start the writer thread now, and have it open the file (a lazy ledger): importing SQLite and
        preparing the file then happen while the caller's work runs, not on its thread and not at the
        first write. A file that cannot be used is logged once, never raised."""
        if self._store is None and not (self._shut or self._broken) and self._thread is None:
            self._opening = True
            self._open_soon = True
            self._start()

    def _open_soon_pending(self) -> bool:
        """Whether open_soon() asked for the file and it has not been tried yet (consumed here)."""
        asked, self._opening = self._opening, False
        return asked

    def _give_up(self) -> None:
        """The file cannot be used: entries are dropped from now on, and the writer thread ends."""
        self._broken = True
        self._wake.set()
        self.dropped += len(self._q)
        self._q.clear()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def open(self) -> Ledger:
        """Open the file now if it is not open yet (validate, create, migrate); raises
        :class:`~aifootprint.errors.LedgerError` when it cannot be used."""
        from .store import Store

        with self._lock:
            if self._store is None and not self._shut and not self._broken:
                self._store = Store(self.path)
        return self

    def _write_one_by_one(self, store: Store, pairs: list[tuple[Entry, tuple[Any, ...]]]) -> int:
        import sqlite3

        done = 0
        for i, (_, row) in enumerate(pairs):
            try:
                store.write([row])
            except sqlite3.OperationalError:
                self._q.extendleft(reversed([e for e, _ in pairs[i:]]))
                break
            except sqlite3.Error as exc:
                self.dropped += 1
                log_once(
                    ("ledger-refused", str(self.path), str(exc)),
                    "aifootprint: ledger %s refused an entry (%s); it is dropped",
                    self.path,
                    exc,
                )
                continue
            done += 1
        return done

    def _context(self) -> schema.RowContext | None:
        """Zone -> basis and the data version, from the current catalogue (rebuilt when it changes)."""
        try:
            from .._api import get_catalog

            cat = get_catalog()
        except Exception:
            log_once(("ledger-ctx",), "aifootprint: ledger cannot load the catalogue", exc_info=True)
            return None
        ctx = self._ctx
        if ctx is None or ctx.catalog is not cat or ctx.generation != cat.generation:
            ctx = self._ctx = row_context(cat)
        return ctx

    def _row(
        self, e: Entry, ctx: schema.RowContext, row_of: Callable[..., tuple[Any, ...]]
    ) -> tuple[Any, ...] | None:
        """``row_of(e, ctx)`` (``schema.row_of``, passed in: no import statement per entry), or the row
        without impacts when they fail to compute, or ``None`` for a malformed entry."""
        try:
            return row_of(e, ctx)
        except Exception:  # impacts that fail to compute: keep the entry, without impacts
            log_once(("ledger-row",), "aifootprint: an entry's impacts could not be computed", exc_info=True)
        try:
            return row_of(e, ctx, failed=True)  # the entry (and its call's record) is left as it is
        except Exception:  # a malformed entry: dropped (counted), never blocking the others
            log_once(("ledger-bad-entry",), "aifootprint: a malformed entry was dropped", exc_info=True)
            return None

    def flush(self, timeout: float = 30.0) -> int:
        """Write every entry queued so far; returns how many were written. Retries a busy file until
        ``timeout`` seconds have passed."""
        deadline = time.monotonic() + timeout
        total = 0
        while True:
            total += self._write_pending()
            if not self._q or time.monotonic() >= deadline or self._store is None or self._broken:
                return total
            time.sleep(0.05)

    @property
    def pending(self) -> int:
        return len(self._q)

    def close(self, timeout: float = 10.0) -> None:
        """Flush (retrying a busy file for ``timeout`` seconds), stop the thread and close the file.
        Entries recorded afterwards are ignored."""
        if self._closed:
            return
        self._closed = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._stop_thread()
        self.flush(timeout)
        with self._lock:
            if self._q:
                logger.warning(
                    "aifootprint: %d entries could not be written to the ledger %s", len(self._q), self.path
                )
            if self._store is not None:
                self._store.close()
                self._store = None
            self._shut = True
        _open_ledgers.discard(self)

    def _after_fork_in_child(self) -> None:
        # The parent writes what it queued; its thread and connection do not exist here: start afresh.
        self._q = deque()
        self._lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread = None
        self._stopping = False
        if self._store is not None:
            _inherited.append(self._store)  # never close (nor collect) a connection opened by the parent
            self._store = None  # the child opens its own on its first write


_open_ledgers: weakref.WeakSet[Ledger] = weakref.WeakSet()
_inherited: list[Store] = []


def _close_at_exit(ref: weakref.ref[Ledger]) -> None:
    ledger = ref()
    if ledger is not None:
        _state.run_exit_hooks()  # e.g. runs still open at exit are recorded as incomplete (once per process)
        try:
            ledger.close()
        except Exception:
            logger.warning("aifootprint: ledger %s could not be closed at exit", ledger.path, exc_info=True)


_finalizer_pid = 0


def _finalize_in_multiprocessing_child() -> None:
    """A multiprocessing child made by fork ends with ``os._exit()``: atexit hooks do not run there, its
    multiprocessing finalizers do. A ledger created in such a process closes in one (once per process)."""
    global _finalizer_pid  # noqa: PLW0603
    mp = sys.modules.get("multiprocessing.util")
    pid = os.getpid()
    if mp is not None and _finalizer_pid != pid:
        _finalizer_pid = pid
        mp.Finalize(None, _close_all, exitpriority=10)


class _MultiprocessingHook:
    """Registered (once) with multiprocessing when a process with a ledger forks: a multiprocessing
    child made by fork ends with os._exit(), so atexit hooks do not run there; its finalizers do."""

    registered = False

    @staticmethod
    def after_fork(_: object) -> None:
        global _finalizer_pid  # noqa: PLW0603
        _finalizer_pid = os.getpid()
        sys.modules["multiprocessing.util"].Finalize(None, _close_all, exitpriority=10)


_mp_hook = _MultiprocessingHook()


def _before_fork() -> None:
    mp = sys.modules.get("multiprocessing.util")
    if mp is not None and _open_ledgers and not _MultiprocessingHook.registered:
        mp.register_after_fork(_mp_hook, _MultiprocessingHook.after_fork)
        _MultiprocessingHook.registered = True
    # Stop the writer threads so that fork() happens in a single-threaded process (Python 3.12+ warns
    # otherwise; a thread importing SQLite would leave the child an import lock nobody releases); they
    # restart on the next record(), in the parent and in the child.
    for ledger in list(_open_ledgers):
        try:
            ledger._stop_thread()
        except Exception:
            logger.warning("aifootprint: ledger %s: cannot stop its thread before fork", ledger.path)


def _after_fork_in_parent() -> None:
    for ledger in list(_open_ledgers):
        if ledger._q and not ledger._closed:
            ledger._start()


def _after_fork() -> None:
    for ledger in list(_open_ledgers):
        try:
            ledger._after_fork_in_child()
        except Exception:
            logger.warning("aifootprint: ledger %s unusable after fork", ledger.path, exc_info=True)


def _close_all() -> None:
    for ledger in list(_open_ledgers):
        _close_at_exit(weakref.ref(ledger))


if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork
    )


# -- the process-wide ledger (its state lives in aifootprint._state) ----------------------------------------
OFF = _state.LEDGER_OFF


def ledger_path(setting: _state.LedgerSetting = None) -> Path | None:
    """Where the process-wide ledger lives: ``setting`` (a path, ``False``/``"off"`` for none, ``True`` or
    ``None`` for the configured place), else ``AIFOOTPRINT_LEDGER`` / the config file's ``ledger``, else the
    user data directory."""
    if setting is False:
        return None
    if setting is None or setting is True:
        settings = _state.current_settings()
        if settings.ledger is None:
            return default_path()
        if settings.ledger.strip().lower() in OFF:
            return None
        path = Path(settings.ledger).expanduser()
        origin = settings.provenance.get("ledger", "")
        if not path.is_absolute() and origin.startswith("config file") and settings.config_path is not None:
            path = settings.config_path.parent / path  # relative to the config file that names it
        return path
    text = os.fspath(setting)
    if text.strip().lower() in OFF:
        return None
    return Path(text).expanduser()


def open_default(setting: _state.LedgerSetting = None) -> Ledger | None:
    """Open (once) the process-wide ledger and subscribe it to every entry; ``None`` when switched off.

    ``setting`` other than ``None`` is the program's explicit choice (``instrument(ledger=...)``,
    ``--ledger``; ``True``: the configured place), which measurements follow too. The file is opened now:
    a ledger that cannot be used raises :class:`LedgerError`, except the built-in default place (nothing
    configured anywhere), which is logged and left out."""
    if setting is not None:
        _state.set_ledger_choice(None if setting is True else setting)
    path = ledger_path(setting)
    with _state.ledger_lock:
        current = _state.default_ledger()
        if current is not None:
            if path is not None and current.path == path.absolute() and not current.closed:
                try:
                    current.open()  # created lazily by a measurement: validate it now
                except LedgerError as exc:
                    _refused(current, setting, path, exc)
                    return None
                if not current.closed:
                    return current
                # its writer thread found the file unusable meanwhile: opened again below, which raises
            current.close()
            _state.set_default_ledger(None)
        if path is None:
            return None
        try:
            led = Ledger(path)
        except LedgerError as exc:
            _refused(None, setting, path, exc)
            return None
        led._unsubscribe = hub.subscribe(led.record)
        _state.set_default_ledger(led)
        return led


def _refused(led: Ledger | None, setting: _state.LedgerSetting, path: Path, exc: LedgerError) -> None:
    if led is not None:
        led._give_up()
        led.close()
        _state.set_default_ledger(None)
    if not _implicit(setting):
        raise exc  # a ledger the user asked for: say so now
    # The default place cannot be used (read-only home, container, serverless): go on without.
    log_once(("ledger-default", str(path)), "aifootprint: no ledger: %s", exc)


def default_for_measurement() -> Ledger | None:
    """The process-wide ledger, created if there is none yet, without opening its file on the caller's
    thread (a measurement's first recorded start: no SQLite import there). It is where the program's explicit
    choice says, else where the settings say; ``None`` when either says there is none. The writer thread
    starts now and opens the file while the measured work runs; a file that cannot be used is logged then,
    never raised."""
    current = _state.default_ledger()
    if current is not None and not current.closed:
        return current
    with _state.ledger_lock:
        current = _state.default_ledger()
        if current is not None and not current.closed:
            return current
        path = ledger_path(_state.ledger_choice())
        if path is None:
            return None
        if current is not None:
            if current._broken and current.path == path.absolute():
                return None  # its file could not be used (logged once): not tried again for each run
            current.close()
        led = Ledger(path, lazy=True)
        led._unsubscribe = hub.subscribe(led.record)
        _state.set_default_ledger(led)
        led.open_soon()  # the file is ready by the time the measurement stops
        return led


def _implicit(setting: object) -> bool:
    """Whether the ledger path is the built-in default (nothing configured anywhere)."""
    if setting is not None and setting is not True:
        return False
    return _state.current_settings().ledger is None


def get_ledger() -> Ledger | None:
    """The process-wide ledger (opened by ``instrument()`` or a recorded measurement), or ``None``."""
    led = _state.default_ledger()
    return None if led is None or led.closed else led


def flush() -> int:
    """Write every pending entry of the process-wide ledger now; returns how many were written."""
    led = _state.default_ledger()
    return 0 if led is None else led.flush()


def close_default() -> None:
    """Flush and close the process-wide ledger (it reopens on the next ``instrument()`` or measurement,
    where the settings say: an explicit choice made earlier is forgotten)."""
    _state.set_ledger_choice(None)
    with _state.ledger_lock:
        led = _state.default_ledger()
        _state.set_default_ledger(None)
    if led is not None:
        led.close()


__all__ = [
    "Ledger",
    "LedgerError",
    "close_default",
    "default_for_measurement",
    "flush",
    "get_ledger",
    "ledger_path",
    "open_default",
]
