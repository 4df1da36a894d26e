"""Long database work (a backup, a restore, a check of a big file) off the GUI thread.

The window stays painted and says what is happening in a small progress window; the work
itself runs on a plain thread and reports back through queued Qt signals, so the callbacks
run on the GUI thread. Only one piece of such work runs at a time per window.

A dialog that reads while the clerk keeps working (who waits for what a receipt brings)
uses the lighter :class:`LatestRead`: no progress window (the dialog shows its own busy
state), the newest request wins, and a result arriving after the dialog closed is dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QProgressDialog, QWidget

log = logging.getLogger(__name__)

#: Work shorter than this never shows the progress window (no flicker for a small file).
SHOW_AFTER_MS = 400

Progress = Callable[[str], None]

#: Tasks under way. Holding them here keeps their Python side (and its signal connections)
#: alive until the result is delivered, whatever the caller does with the returned task.
_running: set[BackgroundTask] = set()

T = TypeVar("T")


class BackgroundTask(QObject):
    """Runs ``work(progress)`` on a thread; then ``done(result)`` or ``failed(error)`` on the
    GUI thread, after which the progress window closes."""

    progressed = Signal(str)
    #: (succeeded, result or error): one signal, so the callback always runs before clean-up.
    ended = Signal(bool, object)

    def __init__(
        self,
        parent: QWidget,
        title: str,
        label: str,
        work: Callable[[Progress], Any],
        *,
        done: Callable[[Any], object],
        failed: Callable[[Exception], object],
    ) -> None:
        super().__init__(parent)
        self.setObjectName("backgroundTask")
        self._work = work
        self._done = done
        self._failed = failed
        self.dialog = QProgressDialog(label, "", 0, 0, parent)
        self.dialog.setObjectName("progressDialog")
        self.dialog.setWindowTitle(title)
        self.dialog.setCancelButton(None)  # a half-done backup or restore is worse than waiting
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(SHOW_AFTER_MS)
        self.dialog.setMinimumWidth(360)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.progressed.connect(self.dialog.setLabelText)
        self.ended.connect(self._deliver)
        # Not ``self.thread``: that would hide QObject.thread().
        self.worker = threading.Thread(target=self._run, name=f"task: {title}", daemon=True)

    def start(self) -> BackgroundTask:
        _running.add(self)
        self.dialog.setValue(0)
        self.worker.start()
        return self

    def _run(self) -> None:
        try:
            result = self._work(self.progressed.emit)
        except Exception as error:  # reported on the GUI thread (ShopError or a bug)
            log.debug("background task failed", exc_info=True)
            self.ended.emit(False, error)
        else:
            self.ended.emit(True, result)

    def _deliver(self, succeeded: bool, outcome: object) -> None:
        _running.discard(self)
        self.dialog.close()
        self.dialog.deleteLater()
        try:
            if succeeded:
                self._done(outcome)
            else:
                assert isinstance(outcome, Exception)
                self._failed(outcome)
        finally:
            self.deleteLater()


def run_in_background(
    parent: QWidget,
    title: str,
    label: str,
    work: Callable[[Progress], Any],
    *,
    done: Callable[[Any], object],
    failed: Callable[[Exception], object],
) -> BackgroundTask:
    """Start ``work`` off the GUI thread with a progress window; call back on the GUI thread."""
    return BackgroundTask(parent, title, label, work, done=done, failed=failed).start()


#: Readers with a read under way (kept alive until their threads have reported back).
_reading: set[LatestRead[Any]] = set()


def reads_under_way() -> int:
    """Background reads whose threads have not reported back yet (tests wait for none)."""
    return sum(reader.threads for reader in _reading)


class LatestRead(QObject, Generic[T]):
    """Reads for one widget off the GUI thread; only the newest request is delivered.

    ``start(work, done, failed)`` runs ``work()`` on a plain thread and calls ``done(result)``
    (or ``failed(error)``) on the GUI thread, unless a newer ``start`` or a ``cancel`` came
    first, or the owner was closed (a dialog's ``finished``) or deleted: then the result is
    dropped. The owner is a widget, or a table model reading its rows. The reader has no Qt
    parent, so a thread never signals a deleted object, and it never calls back into a
    deleted owner.

    A newer request starts at once, beside the read it supersedes (a clerk picking another
    purchase order sees it without waiting for the first's read). ``one_at_a_time`` is for
    reads that refresh a view on every change (another till's writes every second): a
    ``start`` while one is under way waits for it (a query cannot be stopped halfway), and
    only the newest of the requests made meanwhile runs then, so such a view reads at the
    pace of its database and never piles up threads and connections.
    """

    #: (request number, succeeded, result or error), queued to the GUI thread.
    ended = Signal(int, bool, object)

    def __init__(self, owner: QObject, *, one_at_a_time: bool = False) -> None:
        super().__init__()
        self._owner = owner
        self._one_at_a_time = one_at_a_time
        self._request = 0
        self._callbacks: tuple[Callable[[T], None], Callable[[Exception], object]] | None = None
        #: The newest request made while a read was under way: it runs when that one ends.
        self._queued: tuple[int, Callable[[], T]] | None = None
        #: Threads started and not yet reported back (superseded ones included).
        self.threads = 0
        self.ended.connect(self._deliver)
        owner.destroyed.connect(self.cancel)
        if isinstance(owner, QDialog):
            owner.finished.connect(self.cancel)

    @property
    def reading(self) -> bool:
        """A request is under way whose result will be delivered."""
        return self._callbacks is not None

    def start(
        self,
        work: Callable[[], T],
        done: Callable[[T], None],
        failed: Callable[[Exception], object],
    ) -> None:
        """Read with ``work``; any earlier request still under way is superseded."""
        self._request += 1
        self._callbacks = (done, failed)
        _reading.add(self)
        if self._one_at_a_time and self.threads:
            self._queued = (self._request, work)  # after the read under way
            return
        self._launch(self._request, work)

    def _launch(self, request: int, work: Callable[[], T]) -> None:
        self.threads += 1
        threading.Thread(
            target=self._run, args=(request, work), name="background read", daemon=True
        ).start()

    def cancel(self) -> None:
        """Drop whatever is under way (its thread finishes; its result is thrown away)."""
        self._request += 1
        self._callbacks = None
        self._queued = None

    def _run(self, request: int, work: Callable[[], T]) -> None:
        try:
            result = work()
        except Exception as error:  # reported on the GUI thread (ShopError or a bug)
            log.debug("background read failed", exc_info=True)
            self.ended.emit(request, False, error)
        else:
            self.ended.emit(request, True, result)

    def _deliver(self, request: int, succeeded: bool, outcome: Any) -> None:
        self.threads -= 1
        queued, self._queued = self._queued, None
        if queued is not None and shiboken6.isValid(self._owner):
            self._launch(*queued)  # the newest request, now that the database is free
        if not self.threads:
            _reading.discard(self)
        callbacks = self._callbacks
        if request != self._request or callbacks is None or not shiboken6.isValid(self._owner):
            return  # superseded, cancelled, or the owner is gone
        self._callbacks = None
        done, failed = callbacks
        if succeeded:
            done(outcome)
        else:
            failed(outcome)
