"""Pieces of an allocation preview shared by the receive-stock and freed-stock dialogs.

The plan's area (its table, or a busy page while the waiting lines are read off the GUI
thread), the summary line and bar under a plan, the plan's group (with the what-if panel of
``what_if`` beside it, in the receive dialog), and confirming a plan off the GUI thread, where
a plan the shop has moved on from is refused and previewed again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.db import Database
from app.domain.allocation import AllocationPlan
from app.domain.errors import OverReceipt, PlanRejected, StalePlan
from app.services.changes import Changing
from app.ui.dialogs.edit_tables import make_table
from app.ui.dialogs.plan_models import (
    AllocationPreviewModel,
)
from app.ui.dialogs.what_if import WhatIfPanel
from app.ui.dialogs.widgets import KeyboardDialog, plural, titled_group

#: A confirming service's result: it says what it changed.
C = TypeVar("C", bound=Changing)
Index = QModelIndex | QPersistentModelIndex

QUEUE_HINT = (
    "Served in queue order ({policy}). Change “Allocated now” to keep units in stock "
    "or to give them to someone further down the queue."
)
READING = "Reading who waits…"
STALE = (
    "Stock changed since the preview — here is the new one. Nothing was saved: check who "
    "gets what and confirm again."
)

_GAIN = QBrush(QColor("#1e6b30"))
_LOSS = QBrush(QColor("#b3261e"))
_ALIGN_NUMBER = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def plan_summary(plan: AllocationPlan | None, *, stock_word: str = "to stock") -> str:
    """ "11 units to customers · 3 units to stock · 4 orders now ready to ship"."""
    if plan is None:
        return "Nothing to confirm yet"
    return (
        f"{plural(plan.units_to_customers, 'unit')} to customers · "
        f"{plural(plan.units_to_stock, 'unit')} {stock_word} · "
        f"{plural(len(plan.orders_ready), 'order')} now ready to ship"
    )


def confirm_plan(
    dialog: KeyboardDialog,
    database: Database,
    write: Callable[[Session], C],
    *,
    label: str,
    done: Callable[[C], None],
    refused: Callable[[PlanRejected], None],
) -> None:
    """Run a plan's confirming service off the GUI thread, in one write transaction
    (``dialog.save``); then, on the GUI thread, ``done(result)``.

    A plan the service refuses because the shop moved on since the preview (``StalePlan``:
    stock or a queue changed; ``OverReceipt``: a purchase order was received meanwhile)
    writes nothing and goes to ``refused``: the dialog reads again and shows the new plan, and
    the clerk confirms it or not. Any other ShopError is shown in its own words; a bug is
    logged and shown as "nothing was saved".
    """

    def failed(error: Exception) -> None:
        if isinstance(error, StalePlan | OverReceipt):
            refused(error)
        else:
            dialog.show_failure(error)

    dialog.save(database, write, label=label, done=done, failed=failed)


class PlanArea(QStackedWidget):
    """A plan's table or, while the waiting lines are read, a busy page saying so."""

    def __init__(self, view: QTableView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("planArea")
        self.view = view
        self.busy_label = QLabel(READING)
        self.busy_label.setObjectName("planReadingLabel")
        self.busy_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        bar = QProgressBar()
        bar.setObjectName("planReadingBar")
        bar.setRange(0, 0)  # busy: how long a read takes is not known
        bar.setTextVisible(False)
        bar.setFixedWidth(220)
        bar.setAccessibleName(READING)
        busy = QWidget()
        busy.setObjectName("planReadingPage")
        layout = QVBoxLayout(busy)
        layout.addStretch(1)
        layout.addWidget(self.busy_label)
        layout.addWidget(bar, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.addWidget(view)
        self.addWidget(busy)
        self._view_had_focus = False

    @property
    def reading(self) -> bool:
        return self.currentIndex() == 1

    def show_reading(self, reading: bool) -> None:
        """Show the busy page (True) or the plan's table, which gets its focus back."""
        if reading == self.reading:
            return
        if reading:
            self._view_had_focus = self.view.hasFocus()
            self.setCurrentIndex(1)
            return
        self.setCurrentIndex(0)
        if self._view_had_focus:
            self.view.setFocus()


def plan_group(
    title: str, model: AllocationPreviewModel, what_if: WhatIfPanel | None = None
) -> tuple[QGroupBox, PlanArea, QLabel]:
    """A titled group showing a plan: a hint line (with the what-if switch at its right, if
    given), then the plan's area (with the what-if's changes beside it). Returns (group,
    area, hint); the table is ``area.view``."""
    view = make_table("allocationPreviewTable", model, stretch=AllocationPreviewModel.REASON)
    view.setAccessibleName(title)
    # "Why" stretches; a reason too long for it keeps its end ("1st in queue") in view, and
    # each row's tooltip says it whole.
    view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    view.horizontalHeader().setMinimumSectionSize(40)
    area = PlanArea(view)
    hint = QLabel()
    hint.setWordWrap(True)
    hint.setStyleSheet("color: palette(placeholder-text);")
    group = titled_group(title)
    layout = QVBoxLayout(group)
    hint_row = QHBoxLayout()
    hint_row.addWidget(hint, 1)
    layout.addLayout(hint_row)
    if what_if is None:
        layout.addWidget(area)
        return group, area, hint
    hint_row.addLayout(what_if.switch_row())
    # Side by side in a splitter: the plan keeps most of the width (its "Why" column needs
    # it), and the clerk can drag the divider.
    tables = QSplitter(Qt.Orientation.Horizontal)
    tables.setObjectName("whatIfSplitter")
    tables.setChildrenCollapsible(False)
    tables.addWidget(area)
    tables.addWidget(what_if.details)
    tables.setStretchFactor(0, 1)
    tables.setStretchFactor(1, 0)
    layout.addWidget(tables)
    return group, area, hint


def summary_bar(summary: QLabel, buttons: QWidget) -> QFrame:
    """The shaded bar at a preview's foot: the plan's summary, then the dialog's buttons."""
    summary.setObjectName(summary.objectName() or "planSummary")
    summary.setStyleSheet("font-weight: bold;")
    bar = QFrame()
    bar.setObjectName("planSummaryBar")
    bar.setFrameShape(QFrame.Shape.StyledPanel)
    bar.setStyleSheet("#planSummaryBar { background: palette(alternate-base); }")
    layout = QHBoxLayout(bar)
    layout.setContentsMargins(10, 6, 10, 6)
    layout.addWidget(summary, 1)
    layout.addWidget(buttons)
    return bar
