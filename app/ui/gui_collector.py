"""Cyclic garbage is collected on the GUI thread only.

Python's automatic collector runs in whichever thread allocates when a threshold is crossed:
a background read or a write in its thread. A cycle holding a Qt wrapper (a closed dialog, a
signal's lambda) finalised there destroys a QObject off the thread that owns it, and Qt may
crash (seen: a segfault while a receive dialog's read ran on its thread). So the window turns
the automatic collector off and collects here instead, on a timer on the GUI thread, the same
generations the automatic collector would have. Reference counting still frees everything not
in a cycle at once; only cycles wait (at most ``INTERVAL_MS``).

A write's pause (``app.collector.paused``) is respected: no pass while a big write runs.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

from app import collector

#: How often the GUI thread looks whether a collection is due.
INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.setObjectName("guiThreadCollector")
        self.was_enabled = gc.isenabled()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.collect_if_due)
        self.timer.start()

    def collect_if_due(self) -> int | None:
        """Collect the generation that is due, unless a write paused collection; returns the
        generation collected, if any."""
        if collector.is_paused():
            return None
        generation = collector.due_generation()
        if generation is not None:
            gc.collect(generation)
        return generation

    def stop(self) -> None:
        """Hand collection back to Python (the window closed)."""
        self.timer.stop()
        if self.was_enabled:
            gc.enable()


def install(parent: QObject) -> GuiThreadCollector:
    """Collect on the GUI thread only, for as long as ``parent`` (the application) lives."""
    existing = parent.findChild(GuiThreadCollector, "guiThreadCollector")
    return existing if isinstance(existing, GuiThreadCollector) else GuiThreadCollector(parent)
