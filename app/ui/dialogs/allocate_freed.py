"""Allocate freed stock: units a cancellation made available, offered to the waiting queue.

Never silent: after a cancel frees units of a product customers wait for, this dialog shows
who would get them, in queue order and why (the same preview table as a receipt), lets the
clerk change the quantities, and either allocates exactly that (``confirm_freed_stock``) or
keeps the units in stock (nothing written). A plan gone stale is refused by the service; the
dialog then shows the new one.

Who waits is read off the GUI thread (a flash sale's queue takes ~0.5 s to read): the dialog
that freed the units says "Checking who waits for them…" meanwhile, and opens this one when
the plan is there; closing it first drops the offer (the units stay available).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.db import Database
from app.domain.allocation import AllocationPlan
from app.services.freed import FreedResult, confirm_freed_stock, preview_freed_stock
from app.ui.background import LatestRead
from app.ui.dialogs.plan_models import AllocationPreviewModel
from app.ui.dialogs.plan_preview import (
    QUEUE_HINT,
    READING,
    STALE,
    confirm_plan,
    plan_group,
    plan_summary,
    summary_bar,
)
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    commit_editor,
    heading_label,
    no_auto_default,
    plural,
    read_with,
    set_current_cell,
    show_failure,
    tab_order,
)

log = logging.getLogger(__name__)

CHECKING = "Checking who waits for the units available again…"


def freed_stock_offer(database: Database, product_ids: Iterable[int]) -> AllocationPlan | None:
    """The plan for the units of these products available now, or None when nobody waits
    for them (or nothing is available): then there is nothing to offer. Any thread."""
    ids = sorted(set(product_ids))
    if not ids:
        return None
    plan = read_with(database, lambda session: preview_freed_stock(session, ids))
    return plan if plan.units_to_customers else None


def offer_freed_stock(
    parent: QWidget,
    database: Database,
    product_ids: Iterable[int],
    message: MessageLabel,
    done: Callable[[str], None],
    opened: Callable[[AllocateFreedDialog], None] = lambda _dialog: None,
) -> None:
    """After a change made units available (a cancel, stock found): read off the GUI thread
    who waits for them (``message`` says so meanwhile); if customers wait, open "Allocate
    freed stock" over ``parent`` (``opened(dialog)``) and call ``done(outcome)`` when it
    closes; with nothing to offer, call ``done("")``. Closing ``parent`` during the read
    drops the offer: nothing is called back."""
    ids = list(product_ids)
    reader: LatestRead[AllocationPlan | None] = LatestRead(parent)

    def arrived(plan: AllocationPlan | None) -> None:
        parent.unsetCursor()
        message.clear_message()
        if plan is None:
            done("")
            return
        dialog = AllocateFreedDialog(database, plan, parent=parent)
        dialog.finished.connect(lambda _code: done(dialog.outcome))
        opened(dialog)
        dialog.open()

    def failed(error: Exception) -> None:
        parent.unsetCursor()
        show_failure(message, error)
        done("")

    message.show_info(CHECKING)
    parent.setCursor(Qt.CursorShape.BusyCursor)  # this window only; it stays usable
    reader.start(lambda: freed_stock_offer(database, ids), arrived, failed)


class AllocateFreedDialog(KeyboardDialog):
    """Who would get the freed units; Allocate, or Keep in stock."""

    def __init__(
        self, database: Database, plan: AllocationPlan, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.result_summary: FreedResult | None = None
        self.setObjectName("AllocateFreedDialog")
        self.setWindowTitle("Allocate freed stock")
        self.resize(900, 480)
        self.preview = AllocationPreviewModel(self)
        #: Reads the plan again after a stale confirm, off the GUI thread.
        self.reader: LatestRead[AllocationPlan] = LatestRead(self)
        self.message = MessageLabel()
        self.title = heading_label("Allocate freed stock", "allocateFreedTitle", 1.3)
        self.details = QLabel()
        self.details.setObjectName("freedDetails")
        self.details.setWordWrap(True)
        group, self.plan_area, self.hint = plan_group("Who would get them", self.preview)
        self.table = self.plan_area.view
        self.summary = QLabel()
        self.summary.setObjectName("freedSummary")
        self.buttons = QDialogButtonBox()
        self.confirm_button = self.buttons.addButton(
            "&Allocate to these customers", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.confirm_button.setObjectName("confirmFreedButton")
        self.confirm_button.setToolTip("Promise the units as shown (Ctrl+Return)")
        self.keep_button = self.buttons.addButton(
            "&Keep in stock", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.keep_button.setObjectName("keepInStockButton")
        self.keep_button.setToolTip("Allocate nothing: the units stay available")
        self.confirm_button.clicked.connect(self.submit)
        self.keep_button.clicked.connect(self.reject)
        no_auto_default(self.confirm_button, self.keep_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        layout.addWidget(self.message)
        layout.addWidget(group, 1)
        layout.addWidget(summary_bar(self.summary, self.buttons))
        tab_order(self.table, self.confirm_button, self.keep_button)

        self.preview.planChanged.connect(self._show_summary)
        self.preview.editRejected.connect(self.message.show_error)
        self._show(plan)
        self.table.setFocus()

    def _show(self, plan: AllocationPlan | None) -> None:
        self.preview.set_plan(plan, keep_adjustments=False)
        set_current_cell(self.table, 0, AllocationPreviewModel.ALLOCATED_NOW)
        if plan is None:
            return
        offered = ", ".join(
            f"{plural(p.received, 'unit')} of {p.sku} {p.name}" for p in plan.products
        )
        self.details.setText(
            f"{offered} {'is' if plan.units_received == 1 else 'are'} available again, and "
            f"customers wait for them. Give them to the queue now, or keep them in stock."
        )
        self.hint.setText(QUEUE_HINT.format(policy=plan.policy.label.lower()))

    def _preview_again(self, stale: AllocationPlan) -> None:
        """After a stale confirm (nothing was written): say so, and read the plan again off
        the GUI thread; Allocate waits for it."""
        ids = [p.product_id for p in stale.products]
        database = self.database

        def arrived(plan: AllocationPlan) -> None:
            self.plan_area.show_reading(False)
            self._show(plan)
            self.message.show_error(STALE)  # still the news once the new plan is in

        def failed(error: Exception) -> None:
            self.plan_area.show_reading(False)
            self._show_summary()
            show_failure(self.message, error)

        self.reader.start(
            lambda: read_with(database, lambda s: preview_freed_stock(s, ids)), arrived, failed
        )
        self.plan_area.show_reading(True)
        self.preview.set_plan(None, keep_adjustments=False)  # Allocate waits; "Reading…"
        self.message.show_error(STALE)

    def _show_summary(self) -> None:
        plan = self.preview.adjusted_plan
        reading = self.reader.reading
        self.summary.setText(READING if reading else plan_summary(plan, stock_word="kept in stock"))
        self.confirm_button.setEnabled(plan is not None and plan.units_to_customers > 0)
        if self.message.kind == "error" and plan is not None:
            self.message.clear_message()

    def submit(self) -> None:
        """Allocate the plan as shown (with the clerk's changes), off the GUI thread."""
        commit_editor(self.table)
        plan, adjusted = self.preview.plan, self.preview.adjusted_plan
        if plan is None or adjusted is None or not self.confirm_button.isEnabled():
            return
        adjustments = self.preview.adjustments
        confirm_plan(
            self,
            self.database,
            lambda session: confirm_freed_stock(session, plan, adjustments),
            label="Allocating the freed units…",
            done=self._allocated,
            refused=lambda _error: self._preview_again(plan),
        )

    def _allocated(self, result: FreedResult) -> None:
        self.result_summary = result
        self.outcome = (
            f"{plural(result.units_to_customers, 'freed unit')} allocated to waiting customers"
        )
        if result.orders_ready:
            self.outcome += f"; {plural(len(result.orders_ready), 'order')} ready to ship"
        self.accept()
