"""Long database work (a backup, a restore, a check of a big file) off the GUI thread.

The window stays painted and says what is happening in a small progress window; the work
itself runs on a plain thread and reports back through queued Qt signals, so the callbacks
run on the GUI thread. Only one piece of such work runs at a time per window.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

log = logging.getLogger(__name__)

#: Work shorter than this never shows the progress window (no flicker for a small file).
SHOW_AFTER_MS = 400

Progress = Callable[[str], None]

#: Tasks under way. Holding them here keeps their Python side (and its signal connections)
#: alive until the result is delivered, whatever the caller does with the returned task.
_running: set[BackgroundTask] = set()


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
        done: Callable[[Any], None],
        failed: Callable[[Exception], None],
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
    done: Callable[[Any], None],
    failed: Callable[[Exception], None],
) -> BackgroundTask:
    """Start ``work`` off the GUI thread with a progress window; call back on the GUI thread."""
    return BackgroundTask(parent, title, label, work, done=done, failed=failed).start()


def wait_in_background(parent: QWidget, title: str, label: str, work: Callable[[], Any]) -> Any:
    """Run ``work`` off the GUI thread and return its result (or raise its error), keeping
    the window painted meanwhile (a local event loop; input goes only to the progress
    window). For a step a caller must finish before it goes on, like saving a setting that
    re-serves every queue."""
    loop = QEventLoop()
    outcome: list[tuple[bool, Any]] = []

    def finished(result: Any, succeeded: bool) -> None:
        outcome.append((succeeded, result))
        loop.quit()

    run_in_background(
        parent,
        title,
        label,
        lambda _progress: work(),
        done=lambda result: finished(result, True),
        failed=lambda error: finished(error, False),
    )
    if not outcome:
        loop.exec()
    succeeded, result = outcome[0]
    if not succeeded:
        raise result
    return result
