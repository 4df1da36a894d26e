"""Writes off the GUI thread: the one way a dialog or a tab saves.

A write is a service call in one transaction (``Database.run``, which retries when another
till got in the way). It can take seconds: a flash-sale receipt (~1.6 s), or a locked file
that ``Database.run`` waits for and retries. On the GUI thread the window froze meanwhile.
Here the write runs on a plain thread. Its owner (the dialog, or the tab) is disabled while it
runs, so nothing can be typed into what is being saved and it cannot be closed. If the write
takes longer than :data:`SHOW_AFTER_MS`, a small window says what is being saved. The
outcome comes back on the GUI thread. On success the :class:`~app.services.changes.Changes`
the service returned is announced on the event bus, then ``done(result)`` runs. On failure
``failed(error)`` runs (by default the error is shown in the owner's message bar), and
nothing was saved: the transaction was rolled back.

Everything the write needs from the widgets must be read *before* it starts: ``write``
runs on another thread and must not touch Qt (capture plain values, never a widget or
``self``). What ran after the write (an outcome sentence, closing the dialog, offering freed
stock) goes in ``done``.

Dialogs save through ``KeyboardDialog.save`` and tabs through ``TableTab.write``; both keep
one :class:`Writer` each, which runs one write at a time for its owner.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QDeadlineTimer, QEventLoop, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget
from sqlalchemy.orm import Session

from app import collector
from app.db import Database
from app.domain.errors import ShopError
from app.domain.permissions import NotAllowed, SignedOut
from app.services.changes import Changes, Changing
from app.ui import events

log = logging.getLogger(__name__)

#: A write shorter than this never shows the "Saving…" window (no flicker).
SHOW_AFTER_MS = 200

#: Shown for a bug (not a ShopError): the transaction was rolled back.
SOMETHING_WENT_WRONG = "Something went wrong; nothing was saved. The details are in the log file."

R = TypeVar("R")

#: Entered around each write in its thread (the benchmark swaps it to measure without).
write_collector: Callable[[], AbstractContextManager[object]] = collector.paused


def writes_under_way() -> int:
    """Writes whose outcome has not been delivered yet (tests and quitting wait for none)."""
    return len(_pending)


def wait_for_writes(timeout_ms: int = 30_000) -> bool:
    """Keep the GUI responsive until every write under way has been delivered (on quit: a
    write is never cut off half way). False if some were still running after ``timeout_ms``
    (their transactions roll back when the process ends: nothing is half-written)."""
    deadline = QDeadlineTimer(timeout_ms)
    while _pending and not deadline.hasExpired():
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        threading.Event().wait(0.01)
    return not _pending


def failure_text(error: Exception) -> str:
    """A failed write (or read) in plain words: a ShopError's own; a bug is logged with its
    traceback and said as "something went wrong, nothing was saved"."""
    if isinstance(error, ShopError):
        return str(error)
    log.error("unexpected error in the window", exc_info=error)
    return SOMETHING_WENT_WRONG


def changes_of(result: Changing) -> Changes:
    """What a service result says it changed (the default for :func:`run_write`)."""
    return result.changes


class _Mailbox(QObject):
    """Where writing threads post their outcomes: one object on the GUI thread for the
    whole run, never deleted. A thread holds no reference to any other Qt object: a QObject
    whose last reference is dropped on another thread is destroyed there, which crashes."""

    #: (write number, succeeded, result or error), queued to the GUI thread.
    delivered = Signal(int, bool, object)

    def __init__(self) -> None:
        super().__init__()
        self.delivered.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @staticmethod
    def _deliver(number: int, succeeded: bool, outcome: object) -> None:
        operation = _pending.pop(number, None)
        if operation is not None:
            operation.deliver(succeeded, outcome)


_mailbox: _Mailbox | None = None
_pending: dict[int, WriteOperation[Any]] = {}
_numbers = itertools.count(1)


def _write_in_thread(
    number: int, database: Database, box: list[Callable[[Session], Any]], post: Any
) -> None:
    """The writing thread: run the write, drop it, post the outcome."""
    write = box.pop()
    try:
        # No cyclic collection meanwhile: a pass over the window's objects and the write's
        # ORM objects holds the GIL and stalled the GUI thread (~120 ms for a flash receipt).
        with write_collector():
            result: Any = database.run(write)
        succeeded = True
    except Exception as error:  # delivered on the GUI thread (ShopError or a bug)
        log.debug("write %d failed", number, exc_info=True)
        result, succeeded = error, False
    del write  # freed here, before the GUI thread can drop the rest
    post(number, succeeded, result)


class WriteOperation(Generic[R]):
    """One write under way; see the module's docstring."""

    def __init__(
        self,
        owner: QWidget,
        database: Database,
        write: Callable[[Session], R],
        *,
        label: str,
        done: Callable[[R], None],
        failed: Callable[[Exception], None],
        changes: Callable[[R], Changes],
    ) -> None:
        self._owner = owner
        self._database = database
        self._write = write
        self._label = label
        self._done = done
        self._failed = failed
        self._changes = changes
        self._focus: QWidget | None = None
        self._progress: QProgressDialog | None = None
        self._timer = QTimer(owner, singleShot=True, interval=SHOW_AFTER_MS)
        self._timer.timeout.connect(self._show_progress)

    def start(self) -> WriteOperation[R]:
        global _mailbox
        if _mailbox is None:
            _mailbox = _Mailbox()
        number = next(_numbers)
        _pending[number] = self
        focus = QApplication.focusWidget()
        if focus is not None and (focus is self._owner or self._owner.isAncestorOf(focus)):
            self._focus = focus
        self._owner.setEnabled(False)
        # Paint the owner disabled now, before the writing thread competes for the GIL: the
        # repaint's many Python calls (a table model's data() per cell) each wait for the GIL
        # while a write is busy in Python (a whole window: ~16 ms alone, 150-200 ms during
        # the flash-sale confirm; benchmarks/bench_write_stall.py --owner window).
        if self._owner.isVisible():
            self._owner.repaint()
        self._timer.start()
        box: list[Callable[[Session], Any]] = [self._write]
        del self._write  # only the thread has it now
        threading.Thread(
            target=_write_in_thread,
            args=(number, self._database, box, _mailbox.delivered.emit),
            name=f"write: {self._label}",
            daemon=True,
        ).start()
        return self

    def _show_progress(self) -> None:
        if not shiboken6.isValid(self._owner):
            return
        dialog = QProgressDialog(self._label, "", 0, 0, self._owner.window())
        dialog.setObjectName("savingProgress")
        dialog.setWindowTitle("Saving")
        dialog.setCancelButton(None)  # a write is one transaction: it commits or not at all
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumWidth(320)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setValue(0)
        dialog.show()
        self._progress = dialog

    def deliver(self, succeeded: bool, outcome: Any) -> None:
        """On the GUI thread: give the owner back, announce, call back."""
        if shiboken6.isValid(self._timer):
            self._timer.stop()
            self._timer.deleteLater()
        if self._progress is not None and shiboken6.isValid(self._progress):
            self._progress.close()
            self._progress.deleteLater()
        self._progress = None
        owner_alive = shiboken6.isValid(self._owner)
        if owner_alive:
            self._owner.setEnabled(True)
            if self._focus is not None and shiboken6.isValid(self._focus):
                self._focus.setFocus(Qt.FocusReason.OtherFocusReason)
        try:
            if succeeded:
                events.bus().announce(self._changes(outcome))
                if owner_alive:
                    self._done(outcome)
            elif owner_alive:
                assert isinstance(outcome, Exception)
                self._failed(outcome)
            else:
                log.error("a write failed after its window closed", exc_info=outcome)
            if not succeeded and isinstance(outcome, NotAllowed | SignedOut):
                events.bus().refused.emit(outcome)  # a role changed at another till, say
        finally:
            self._owner = self._focus = None  # type: ignore[assignment]


def run_write(
    owner: QWidget,
    database: Database,
    write: Callable[[Session], R],
    *,
    label: str,
    done: Callable[[R], None],
    failed: Callable[[Exception], None],
    changes: Callable[[R], Changes] = changes_of,  # type: ignore[assignment]
) -> WriteOperation[R]:
    """Run ``write(session)`` off the GUI thread in one write transaction (retried by
    ``Database.run``); ``owner`` is disabled meanwhile. Then, on the GUI thread: announce
    ``changes(result)`` and call ``done(result)``, or call ``failed(error)``."""
    return WriteOperation(
        owner, database, write, label=label, done=done, failed=failed, changes=changes
    ).start()


class Writer:
    """Runs one owner's writes (a dialog's saves, a tab's actions) one at a time: a second
    write while one runs is refused, so a double click never saves twice."""

    def __init__(self, owner: QWidget) -> None:
        self._owner = owner
        self._running: WriteOperation[Any] | None = None

    @property
    def busy(self) -> bool:
        """A write is under way (its owner is disabled)."""
        return self._running is not None

    def start(
        self,
        database: Database,
        write: Callable[[Session], R],
        *,
        label: str,
        done: Callable[[R], None],
        failed: Callable[[Exception], None],
        changes: Callable[[R], Changes] | None = None,
    ) -> bool:
        """:func:`run_write` for the owner, unless a write is under way (then False).
        ``changes`` (default: the result's ``.changes``) says what to announce."""
        if self._running is not None:
            return False

        def finished(result: R) -> None:
            self._running = None
            done(result)

        def went_wrong(error: Exception) -> None:
            self._running = None
            failed(error)

        self._running = run_write(
            self._owner,
            database,
            write,
            label=label,
            done=finished,
            failed=went_wrong,
            changes=changes or changes_of,
        )
        return True
