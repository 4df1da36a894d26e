"""Pieces of an allocation preview shared by the receive-stock and freed-stock dialogs.

The plan's area (its table, or a busy page while the waiting lines are read off the GUI
thread), the summary line and bar under a plan, and the what-if panel: a switch to plan under the
other queue policy, and a table of the customers who would gain or lose units compared with
the shop's policy (``compare_plans``), so a clerk sees the consequence before confirming.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.db import Database
from app.domain.allocation import AllocationPlan
from app.domain.enums import QueuePolicy
from app.domain.errors import ShopError, StalePlan
from app.domain.planning import CustomerChange
from app.ui.dialogs.receive_models import (
    AllocationPreviewModel,
    PlainTableModel,
    customer_text,
    is_gold,
)
from app.ui.dialogs.widgets import (
    SOMETHING_WENT_WRONG,
    MessageLabel,
    make_table,
    plural,
    titled_group,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
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


def gold_customers(*plans: AllocationPlan) -> frozenset[int]:
    """The gold customers among those the plans serve (to mark them "★")."""
    return frozenset(
        allocation.customer_id
        for plan in plans
        for allocation in plan.allocations
        if is_gold(allocation)
    )


def confirm_plan(
    database: Database,
    message: MessageLabel,
    write: Callable[[Session], T],
    *,
    preview_again: Callable[[], None],
) -> T | None:
    """Run a plan's confirming service in one write transaction; None if it failed.

    A stale plan (stock or a queue changed since the preview) writes nothing: the dialog
    previews again (``preview_again``) and says so, and the clerk confirms the new plan or
    not. A ShopError is shown in its own words; a bug is logged, and shown as "nothing was
    saved".
    """
    try:
        return database.run(write)
    except StalePlan:
        preview_again()
        message.show_error(STALE)
    except ShopError as error:
        message.show_error(str(error))
    except Exception:
        log.exception("confirming an allocation plan failed")
        message.show_error(SOMETHING_WENT_WRONG)
    return None


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


class CustomerChangesModel(PlainTableModel):
    """Customers who gain or lose units under the what-if policy (plain rows)."""

    HEADERS = ("Customer", "Now", "What if", "Change")
    HEADER_TIPS = (
        "",
        "Units under the shop's policy",
        "Units under the what-if policy",
        "What the customer gains or loses",
    )
    NUMBERS = frozenset({1, 2, 3})

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.changes: tuple[CustomerChange, ...] = ()
        self.gold: frozenset[int] = frozenset()

    def set_changes(
        self, changes: tuple[CustomerChange, ...], gold: frozenset[int] = frozenset()
    ) -> None:
        self.beginResetModel()
        self.changes, self.gold = changes, gold
        self.endResetModel()

    def _count(self) -> int:
        return len(self.changes)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADER_TIPS[section] or None if 0 <= section < 4 else None
        return super().headerData(section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.changes):
            return None
        change = self.changes[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            name = customer_text(change.customer, change.customer_id in self.gold)
            values = (name, f"{change.current:,}", f"{change.other:,}", "")
            return values[column] or f"{change.change:+,}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return _ALIGN_NUMBER
        if role == Qt.ItemDataRole.ForegroundRole and column == 3:
            return _GAIN if change.change > 0 else _LOSS
        if role == Qt.ItemDataRole.ToolTipRole:
            verb = "gains" if change.change > 0 else "loses"
            gold = " (gold customer)" if change.customer_id in self.gold else ""
            return f"{change.customer}{gold} {verb} {plural(abs(change.change), 'unit')}"
        return None


class WhatIfPanel(QWidget):
    """ "What if: Gold customers first" — the switch and, when it is on, who gains and loses."""

    #: The policy to show changed (None: the shop's own).
    policyChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shop_policy = QueuePolicy.FIFO
        self.combo = QComboBox()
        self.combo.setObjectName("whatIfPolicyCombo")
        self.combo.setAccessibleName("What if")
        self.combo.setToolTip(
            "See who would get the units under the other queue policy, for this receipt only"
        )
        self.keep_button = QPushButton("&Keep the shop's policy")
        self.keep_button.setObjectName("keepShopPolicyButton")
        self.keep_button.setAutoDefault(False)
        self.keep_button.clicked.connect(lambda: self.combo.setCurrentIndex(0))
        self.summary = QLabel()
        self.summary.setObjectName("whatIfSummary")
        self.summary.setWordWrap(True)
        self.changes = CustomerChangesModel(self)
        self.table = QTableView()
        self.table.setObjectName("whatIfChangesTable")
        self.table.setAccessibleName("Who gains and who loses")
        self.table.setModel(self.changes)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.details = QWidget()
        self.details.setObjectName("whatIfDetails")
        self.details.setMinimumWidth(280)
        self.details.setMaximumWidth(320)  # the plan's "Why" column needs the room
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.addWidget(self.summary)
        details.addWidget(self.table, 1)
        details.addWidget(self.keep_button, 0, Qt.AlignmentFlag.AlignRight)
        self.details.hide()
        self.combo.currentIndexChanged.connect(self._changed)
        self.set_shop_policy(QueuePolicy.FIFO)

    def switch_row(self) -> QHBoxLayout:
        """The "What if:" label and combo, for the dialog to place above its preview."""
        row = QHBoxLayout()
        label = QLabel("&What if:")
        label.setBuddy(self.combo)
        row.addWidget(label)
        row.addWidget(self.combo)
        row.addStretch(1)
        return row

    def set_shop_policy(self, policy: QueuePolicy) -> None:
        """Offer the other policies as what-ifs against ``policy`` (back to "no what-if")."""
        self.shop_policy = policy
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(f"No — the shop's policy: {policy.label}", "")
        for other in QueuePolicy:
            if other is not policy:
                self.combo.addItem(f"{other.label} (this receipt only)", other.value)
        self.combo.blockSignals(False)
        self._changed()

    def chosen(self) -> QueuePolicy | None:
        """The what-if policy chosen, or None for the shop's own."""
        value = self.combo.currentData()  # the policy's value (Qt keeps a plain string)
        return QueuePolicy(value) if value else None

    def show_changes(
        self, changes: tuple[CustomerChange, ...], gold: frozenset[int] = frozenset()
    ) -> None:
        """Who gains and who loses under the chosen policy, compared with the shop's
        (``gold``: the gold customers' ids, marked "★")."""
        self.changes.set_changes(changes, gold)
        chosen = self.chosen()
        if chosen is None:
            return
        gains = [c for c in changes if c.change > 0]
        losses = [c for c in changes if c.change < 0]
        if not changes:
            self.summary.setText(
                f"“{chosen.label}” gives every customer the same units as the shop's policy "
                f"(“{self.shop_policy.label}”) for this receipt."
            )
            return
        gained = sum(c.change for c in gains)
        lost = -sum(c.change for c in losses)
        self.summary.setText(
            f"Compared with the shop's policy (“{self.shop_policy.label}”), "
            f"{plural(len(gains), 'customer')} would gain {plural(gained, 'unit')} and "
            f"{plural(len(losses), 'customer')} would lose {plural(lost, 'unit')}. Confirm uses "
            "the plan shown; the shop's policy stays as it is."
        )

    def _changed(self) -> None:
        self.details.setVisible(self.chosen() is not None)
        self.policyChanged.emit()
