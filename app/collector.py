"""Python's cycle collector, kept from stalling the window.

The collector runs in whichever thread happens to allocate when a threshold is crossed, and it
holds the GIL for the whole pass: a full pass over the window's start-up objects plus tens of
thousands of ORM objects made by a big write (the flash-sale receipt) stopped the GUI thread for
~120 ms although the write itself ran on a writing thread. Two remedies, both used by the window:

- :func:`freeze_start_up` once the window has shown: everything alive then (modules, mappers,
  widgets) moves to the collector's permanent generation and is never scanned again.
  :func:`unfreeze` when the window closes, so a window reopened on another database does not
  keep the old one's cycles for ever.
- :func:`paused` around a bulk step: no collection at all while it runs (reference counting
  still frees everything that is not in a cycle; cycles are collected after the pause).

Nothing here changes what a service does; only when Python looks for cyclic garbage.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_resume = False


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection while the block runs, in any thread; the collector's state is
    restored when the block ends, however it ends.

    Safe across threads and nested use: the collector is switched off by the first block to
    enter and back on (if it was on then) only when the last one leaves, so two writing
    threads whose pauses overlap never leave it off for good.
    """
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()


def freeze_start_up() -> int:
    """Move every object alive now into the permanent generation (after a young collection,
    so start-up's short-lived garbage is not kept); returns how many objects are frozen."""
    gc.collect(1)
    gc.freeze()
    return gc.get_freeze_count()


def unfreeze() -> None:
    """Give the frozen objects back to the collector (the window that froze them closed)."""
    gc.unfreeze()


def is_paused() -> bool:
    """Whether a :func:`paused` block is running in some thread."""
    with _lock:
        return _pauses > 0


def due_generation() -> int | None:
    """The oldest generation whose allocation threshold is crossed (as the automatic
    collector would collect it now), or None when none is."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if thresholds[generation] and counts[generation] > thresholds[generation]:
            return generation
    return None
