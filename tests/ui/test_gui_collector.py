"""Cycles are collected on the GUI thread only: a thread that allocates never finalises
cyclic garbage (which may hold Qt objects), the GUI thread's timer does, and a write's pause
is respected."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject

from app import collector
from app.ui.gui_collector import GuiThreadCollector


class Holder:
    """A cycle holding a Qt object, as a closed dialog's lambdas make."""

    def __init__(self) -> None:
        self.me = self
        self.qt = QObject()


def test_a_thread_that_allocates_never_collects_a_cycle_the_gui_thread_does(
    gui_thread_collector: GuiThreadCollector,
) -> None:
    assert not gc.isenabled()
    held = weakref.ref(Holder())  # unreachable at once, but in a cycle
    assert held() is not None

    def allocate() -> None:
        junk = [[] for _ in range(200_000)]  # crosses every threshold many times over
        del junk
        for _ in range(50_000):
            a: list[object] = []
            a.append(a)

    thread = threading.Thread(target=allocate)
    thread.start()
    thread.join()
    assert held() is not None  # nothing collected in that thread
    assert gui_thread_collector.collect_if_due() is not None
    gc.collect()  # a full pass (as the timer makes once generation 2 is due)
    assert held() is None


def test_no_pass_while_a_write_paused_collection(
    gui_thread_collector: GuiThreadCollector,
) -> None:
    for _ in range(5_000):
        a: list[object] = []
        a.append(a)
    assert collector.due_generation() is not None
    with collector.paused():
        assert gui_thread_collector.collect_if_due() is None
        assert collector.due_generation() is not None
    assert gui_thread_collector.collect_if_due() is not None
    assert not gc.isenabled()  # the pause handed back the state it found: off


def test_stopping_hands_collection_back_to_python(
    gui_thread_collector: GuiThreadCollector,
) -> None:
    assert not gc.isenabled() and gui_thread_collector.timer.isActive()
    gui_thread_collector.stop()
    assert gc.isenabled() and not gui_thread_collector.timer.isActive()
