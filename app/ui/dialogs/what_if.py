"""The what-if panel of the receive dialog: "What if: Gold customers first".

A switch to plan a receipt under the other queue policy, and a table of the customers who
would gain or lose units compared with the shop's policy (``compare_plans``), so a clerk sees
the consequence before confirming; Confirm then uses the plan shown, for this receipt only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.allocation import AllocationPlan
from app.domain.enums import QueuePolicy
from app.domain.planning import CustomerChange, QueueSnapshot, compare_plans
from app.services.receiving import ReceiptInput, received_units
from app.ui.dialogs.plan_models import PlainTableModel, customer_text, is_gold
from app.ui.dialogs.widgets import plural

Index = QModelIndex | QPersistentModelIndex

_GAIN = QBrush(QColor("#1e6b30"))
_LOSS = QBrush(QColor("#b3261e"))
_ALIGN_NUMBER = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def gold_customers(*plans: AllocationPlan) -> frozenset[int]:
    """The gold customers among those the plans serve (to mark them "★")."""
    return frozenset(
        allocation.customer_id
        for plan in plans
        for allocation in plan.allocations
        if is_gold(allocation)
    )


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

    def plan(
        self,
        snapshot: QueueSnapshot,
        receipts: Sequence[ReceiptInput],
        *,
        purchase_order_ref: str | None,
    ) -> AllocationPlan:
        """The plan for ``receipts`` under the policy shown: the shop's, or the what-if
        (then who gains and who loses, compared with the shop's, is shown beside it)."""
        received = received_units(receipts)

        def plan_under(policy: QueuePolicy) -> AllocationPlan:
            return snapshot.plan(
                received, policy, receipts=receipts, purchase_order_ref=purchase_order_ref
            )

        current = plan_under(self.shop_policy)
        other = self.chosen()
        if other is None:
            return current
        plan = plan_under(other)
        self.show_changes(compare_plans(current, plan), gold=gold_customers(current, plan))
        return plan

    def _changed(self) -> None:
        self.details.setVisible(self.chosen() is not None)
        self.policyChanged.emit()
