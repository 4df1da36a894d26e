"""The cycle collector's pause (around every write in its thread) and the start-up freeze."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from app import collector


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


class Boom(Exception):
    pass


def test_the_pause_restores_the_collector_even_when_the_block_raises() -> None:
    gc.enable()
    with pytest.raises(Boom), collector.paused():
        assert not gc.isenabled()
        raise Boom
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    with collector.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_nested_pauses_switch_it_back_on_only_at_the_outermost_end() -> None:
    gc.enable()
    with collector.paused():
        with pytest.raises(Boom), collector.paused():
            raise Boom
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_pauses_in_two_threads_never_leave_it_off() -> None:
    gc.enable()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with collector.paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with collector.paused():
            second_in.set()
            first_out.wait(5)
            assert not gc.isenabled()  # the other thread's end did not switch it back on

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert gc.isenabled()


def test_a_write_that_raises_in_its_thread_gives_the_collector_back(
    qtbot, sqlite_db, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QWidget

    from app.ui.writing import run_write, writes_under_way

    gc.enable()
    seen: list[bool] = []
    errors: list[Exception] = []

    def write(session: object) -> None:
        seen.append(gc.isenabled())
        raise Boom("the write went wrong")

    owner = QWidget()
    qtbot.addWidget(owner)
    run_write(owner, sqlite_db, write, label="Saving…", done=lambda _r: None, failed=errors.append)
    qtbot.waitUntil(lambda: writes_under_way() == 0, timeout=5000)
    assert seen == [False]  # paused while the write ran in its thread
    assert len(errors) == 1 and isinstance(errors[0], Boom)
    assert gc.isenabled()


def test_freezing_start_up_then_unfreezing() -> None:
    assert collector.freeze_start_up() > 0
    collector.unfreeze()
    assert gc.get_freeze_count() == 0
