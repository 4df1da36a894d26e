"""Pieces of an allocation preview shared by the receive-stock and freed-stock dialogs.

The summary line and bar under a plan, and the what-if panel: a switch to plan under the
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
    QPushButton,
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
from app.ui.dialogs.receive_models import AllocationPreviewModel, PlainTableModel
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


def plan_group(
    title: str, model: AllocationPreviewModel, what_if: WhatIfPanel | None = None
) -> tuple[QGroupBox, QTableView, QLabel]:
    """A titled group showing a plan: a hint line (with the what-if switch at its right, if
    given), then the plan's table (with the what-if's changes beside it). Returns (group,
    table, hint)."""
    view = make_table("allocationPreviewTable", model, stretch=AllocationPreviewModel.REASON)
    view.setAccessibleName(title)
    hint = QLabel()
    hint.setWordWrap(True)
    hint.setStyleSheet("color: palette(placeholder-text);")
    group = titled_group(title)
    layout = QVBoxLayout(group)
    hint_row = QHBoxLayout()
    hint_row.addWidget(hint, 1)
    tables = QHBoxLayout()
    tables.addWidget(view, 3)
    if what_if is not None:
        hint_row.addLayout(what_if.switch_row())
        tables.addWidget(what_if.details, 2)
    layout.addLayout(hint_row)
    layout.addLayout(tables)
    return group, view, hint


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

    HEADERS = ("Customer", "Shop's policy", "What if", "Change")
    NUMBERS = frozenset({1, 2, 3})

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.changes: tuple[CustomerChange, ...] = ()

    def set_changes(self, changes: tuple[CustomerChange, ...]) -> None:
        self.beginResetModel()
        self.changes = changes
        self.endResetModel()

    def _count(self) -> int:
        return len(self.changes)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.changes):
            return None
        change = self.changes[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            values = (change.customer, f"{change.current:,}", f"{change.other:,}", "")
            return values[column] or f"{change.change:+,}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column > 0:
            return _ALIGN_NUMBER
        if role == Qt.ItemDataRole.ForegroundRole and column == 3:
            return _GAIN if change.change > 0 else _LOSS
        if role == Qt.ItemDataRole.ToolTipRole:
            verb = "gains" if change.change > 0 else "loses"
            return f"{change.customer} {verb} {plural(abs(change.change), 'unit')}"
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
        self.details.setMaximumWidth(340)  # the plan's "Why" column needs the room
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

    def show_changes(self, changes: tuple[CustomerChange, ...]) -> None:
        """Who gains and who loses under the chosen policy, compared with the shop's."""
        self.changes.set_changes(changes)
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
