"""Receive stock against a purchase order: count what arrived, see who gets it, confirm.

The clerk scans (or types) what arrived; the dialog shows which waiting customers the units
go to in queue order (and why), the clerk may change who gets what, or look at what the other
queue policy would do ("What if: Gold customers first") and use that plan for this receipt;
Confirm applies exactly the plan shown with one ``confirm_receipt``. Cancel writes nothing.

The waiting lines of the PO's products are read once, when the PO loads, into a
``QueueSnapshot``; every new count, scan or what-if is then planned in memory (a flash-sale
queue of 50k lines takes ~0.5 s to read, ~0.05 s to plan). The read runs off the GUI thread
(``LatestRead``): meanwhile the plan's area says "Reading who waits…", the clerk can go on
counting, and Confirm waits for the plan; a newer read (another PO) supersedes an older one,
and a read still running when the dialog closes is dropped. A confirm against a snapshot that
went stale is refused by the service; the dialog then reads the queue again and shows the
new plan.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.domain.enums import QueuePolicy
from app.domain.errors import ShopError
from app.domain.planning import QueueSnapshot, compare_plans
from app.services.changes import Changes
from app.services.purchasing import (
    ReceivablePO,
    open_purchase_order_refs,
    receivable_purchase_order,
)
from app.services.queue import get_queue_policy
from app.services.receiving import ReceiptResult, confirm_receipt, received_units
from app.services.snapshots import read_queues
from app.ui import events
from app.ui.background import LatestRead
from app.ui.dialogs.lookups import ProductRow, product_row
from app.ui.dialogs.plan_preview import (
    QUEUE_HINT,
    READING,
    STALE,
    WhatIfPanel,
    confirm_plan,
    gold_customers,
    plan_group,
    plan_summary,
    summary_bar,
)
from app.ui.dialogs.receive_header import PurchaseOrderHeader
from app.ui.dialogs.receive_models import AllocationPreviewModel, ReceivedLinesModel
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    commit_editor,
    guarded,
    make_table,
    no_auto_default,
    plural,
    set_current_cell,
    show_failure,
    submit_buttons,
    tab_order,
    take_scan,
    titled_group,
)

NOBODY_WAITING = "Nobody is waiting for these products: every unit goes to stock."


def receipt_outcome(po_ref: str | None, result: ReceiptResult) -> str:
    """ "PO-00012 received: 11 units to customers, 3 to stock; 4 orders ready to ship"."""
    text = (
        f"{po_ref or 'Receipt'} received: {plural(result.units_to_customers, 'unit')} to "
        f"customers, {result.units_to_stock:,} to stock"
    )
    if result.orders_ready:
        text += f"; {plural(len(result.orders_ready), 'order')} ready to ship"
    return text


class ReceiveStockDialog(KeyboardDialog):
    """Receive a purchase order; opened from a PO (``po_ref``) or from the menu (a picker)."""

    def __init__(
        self, database: Database, po_ref: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.po: ReceivablePO | None = None
        self.result_summary: ReceiptResult | None = None
        #: The PO's waiting lines, read when it loads (plans are made from it in memory).
        self.snapshot: QueueSnapshot | None = None
        #: Reads the snapshot off the GUI thread (the newest read wins).
        self.reader: LatestRead[tuple[QueueSnapshot, QueuePolicy]] = LatestRead(self)
        #: The surplus warning the clerk has seen and confirmed by pressing Confirm again.
        self._surplus_confirmed = ""
        self.setObjectName("ReceiveStockDialog")
        self.setWindowTitle("Receive stock")
        self.resize(1180, 740)
        self.received = ReceivedLinesModel(self)
        self.preview = AllocationPreviewModel(self)
        self.what_if = WhatIfPanel()
        self._build()
        self.what_if.policyChanged.connect(lambda: self._refresh_preview(policy_changed=True))
        self.received.quantitiesChanged.connect(self._refresh_preview)
        self.preview.planChanged.connect(self._show_summary)
        self.preview.editRejected.connect(self.message.show_error)
        self.preview.modelReset.connect(self._focus_first_allocation)
        self.scan.returnPressed.connect(self._scan)
        if po_ref is None:
            self._offer_picker()
        else:
            self.header.picker_row.hide()
            self.load(po_ref)
        self.scan.setFocus()

    # --- layout -------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        self.header = PurchaseOrderHeader()
        layout.addWidget(self.header)

        self.scan = QLineEdit()
        self.scan.setObjectName("receiveScanInput")
        self.scan.setPlaceholderText("Scan a barcode or type a SKU, then Enter (adds one unit)")
        self.scan.setClearButtonEnabled(True)
        self.zero_button = QPushButton("Start from &zero (count by scanning)")
        self.zero_button.setToolTip("Set every “Received now” to 0, then scan each item once")
        self.fill_button = QPushButton("&Fill outstanding")
        self.fill_button.setToolTip("Set every “Received now” to what is still outstanding")
        self.zero_button.clicked.connect(lambda: self._set_all(outstanding=False))
        self.fill_button.clicked.connect(lambda: self._set_all(outstanding=True))
        scan_row = QHBoxLayout()
        scan_label = QLabel("&Scan:")
        scan_label.setBuddy(self.scan)
        scan_row.addWidget(scan_label)
        scan_row.addWidget(self.scan, 1)
        scan_row.addWidget(self.zero_button)
        scan_row.addWidget(self.fill_button)
        layout.addLayout(scan_row)

        self.message = MessageLabel()
        layout.addWidget(self.message)

        self.received_view = make_table(
            "receivedLinesTable", self.received, stretch=ReceivedLinesModel.PRODUCT
        )
        self.received_view.setAccessibleName("Arrived")
        arrived = titled_group("Arrived")
        arrived_layout = QVBoxLayout(arrived)
        arrived_layout.addWidget(self.received_view)
        layout.addWidget(arrived, 2)

        who, self.plan_area, self.queue_hint = plan_group("Who gets it", self.preview, self.what_if)
        self.preview_view = self.plan_area.view
        layout.addWidget(who, 5)

        self.summary = QLabel("—")
        self.summary.setObjectName("receiptSummary")
        self.buttons, self.confirm_button, self.cancel_button = submit_buttons(
            self, "Confirm receipt", "confirmReceiptButton", "Write the receipt and allocations"
        )
        layout.addWidget(summary_bar(self.summary, self.buttons))
        no_auto_default(self.confirm_button, self.cancel_button, self.zero_button, self.fill_button)
        self.confirm_button.setEnabled(False)

        tab_order(
            self.header.picker,
            self.scan,
            self.received_view,
            self.preview_view,
            self.confirm_button,
            self.cancel_button,
            self.what_if.combo,  # also Alt+W
            self.what_if.table,
            self.what_if.keep_button,
            self.zero_button,
            self.fill_button,
        )

    # --- loading ------------------------------------------------------------------------
    def _offer_picker(self) -> None:
        refs = guarded(self.message, self._open_refs) or []
        self.header.picked.connect(self.load)
        if not self.header.offer(refs):
            self.message.show_info("No purchase orders are waiting to be received.")

    def _open_refs(self) -> list[str]:
        with self.database.read() as session:
            return open_purchase_order_refs(session)

    def load(self, ref: str) -> None:
        """Show one PO, every line prefilled with what is still outstanding."""
        self.message.clear_message()
        self.preview.set_plan(None, keep_adjustments=False)
        self.snapshot = None
        po = guarded(self.message, lambda: self._read_po(ref))
        self.po = po
        if po is None:
            self.reader.cancel()
            self.plan_area.show_reading(False)
            self.header.show_unreceivable(ref)
            self.received.set_lines(())
            return
        self.header.show_po(po)
        self._read_queues(then=self._refresh_preview)
        self.received.set_lines(po.lines)
        set_current_cell(self.received_view, 0, self.received.RECEIVED_NOW)

    def _read_po(self, ref: str) -> ReceivablePO:
        with self.database.read() as session:
            return receivable_purchase_order(session, ref)

    def _read_queues(self, then: Callable[[], None]) -> None:
        """Read the waiting lines of the PO's products and the shop's policy off the GUI
        thread (once per PO, and again after a stale confirm); ``then`` plans from them."""
        if self.po is None:
            return
        product_ids = {line.product_id for line in self.po.lines}
        database = self.database

        def read() -> tuple[QueueSnapshot, QueuePolicy]:  # on the reading thread: no Qt
            with database.read() as session:
                return read_queues(session, product_ids), get_queue_policy(session)

        def arrived(found: tuple[QueueSnapshot, QueuePolicy]) -> None:
            self.plan_area.show_reading(False)
            snapshot, policy = found
            if policy is not self.what_if.shop_policy:
                self.what_if.set_shop_policy(policy)  # before the snapshot: one plan, not two
            self.snapshot = snapshot
            then()

        def failed(error: Exception) -> None:
            self.plan_area.show_reading(False)
            self._show_summary()
            show_failure(self.message, error)

        self.snapshot = None
        self.plan_area.show_reading(True)
        self.reader.start(read, arrived, failed)
        self._show_summary()

    # --- counting -----------------------------------------------------------------------
    def _set_all(self, outstanding: bool) -> None:
        self.received.set_all(outstanding)
        if not outstanding and self.po is not None:
            self.message.show_info("All quantities set to 0: scan each item that arrived.")
        self.scan.setFocus()

    def _scan(self) -> None:
        code = take_scan(self.scan)
        if not code:
            return
        if self.po is None:
            self.message.show_error("Choose a purchase order first.")
            return
        row = self.received.find_row(code)
        if row is None:
            product = guarded(self.message, lambda: self._find(code))
            if product is not None:
                self.message.show_error(f"{product.sku} is not on {self.po.ref}.")
            return
        try:
            qty = self.received.add_one(row)
        except ShopError as error:
            self.message.show_error(str(error))
            return
        self.received_view.setCurrentIndex(self.received.index(row, self.received.RECEIVED_NOW))
        line = self.received.rows()[row].line
        if self.message.kind != "error":
            text = f"+1 {line.sku} {line.name}: {qty:,} received now"
            if qty > line.qty_outstanding:
                self.message.show_warning(f"{text}, {line.qty_outstanding:,} outstanding.")
            else:
                self.message.show_info(f"{text}.")

    def _find(self, code: str) -> ProductRow:
        with self.database.read() as session:
            return product_row(session, code)

    # --- preview ------------------------------------------------------------------------
    def _refresh_preview(self, policy_changed: bool = False) -> None:
        """Plan the current received quantities from the snapshot (writes nothing): under the
        shop's policy, or under the what-if policy with who gains and loses compared."""
        if self.po is None or self.snapshot is None:
            self.preview.set_plan(None)
            return
        errors = self.received.errors()
        inputs = self.received.receipt_inputs()
        if errors or not inputs:
            self.preview.set_plan(None)
            if errors:
                self.message.show_error(errors[0])
            else:
                self.message.show_warning(
                    "Nothing to receive yet: scan the items or type the quantities that arrived."
                )
            return
        self.message.clear_message()
        snapshot, ref = self.snapshot, self.po.ref
        shop_policy, other = self.what_if.shop_policy, self.what_if.chosen()
        received = received_units(inputs)
        current = snapshot.plan(received, shop_policy, receipts=inputs, purchase_order_ref=ref)
        plan = current
        if other is not None:
            plan = snapshot.plan(received, other, receipts=inputs, purchase_order_ref=ref)
            self.what_if.show_changes(
                compare_plans(current, plan), gold=gold_customers(current, plan)
            )
        if policy_changed:
            had_changes = bool(self.preview.adjustments)
            self.preview.set_plan(plan, keep_adjustments=False)
            if had_changes:
                self.message.show_info(
                    "Your changes to who gets what were reset: this is the plan under "
                    f"“{plan.policy.label}”."
                )
        elif not self.preview.set_plan(plan):
            self.message.show_info(
                "Your changes to who gets what were reset because the received quantities changed."
            )
        elif self.received.surplus_note():
            self.message.show_warning(self.received.surplus_note())

    def _focus_first_allocation(self) -> None:
        """Keep the preview's current cell on "Allocated now", so typing a digit edits it."""
        set_current_cell(self.preview_view, 0, self.preview.ALLOCATED_NOW)

    def _show_summary(self) -> None:
        plan = self.preview.adjusted_plan
        self.confirm_button.setEnabled(plan is not None)
        self.summary.setText(READING if self.reader.reading else plan_summary(plan))
        policy = plan.policy if plan is not None else self.what_if.shop_policy
        hint = QUEUE_HINT.format(policy=policy.label.lower())
        if plan is None:
            self.queue_hint.setText(hint)
            return
        if self.message.kind == "error" and self.preview.plan is not None:
            self.message.clear_message()  # an accepted edit clears an earlier refusal
        self.queue_hint.setText(hint if plan.allocations else NOBODY_WAITING)

    # --- confirming ---------------------------------------------------------------------
    def can_submit(self) -> bool:
        return self.confirm_button.isEnabled()

    def submit(self) -> None:
        """Confirm the receipt exactly as previewed (with the clerk's adjustments)."""
        self._commit_open_editor()
        plan = self.preview.plan
        if plan is None or not self.confirm_button.isEnabled():
            return
        surplus = self.received.surplus_note()
        if surplus and surplus != self._surplus_confirmed:
            # More than was ordered: ask once (inline, so a scanner-driven flow keeps going).
            self._surplus_confirmed = surplus
            self.message.show_warning(f"{surplus} Press Confirm again to receive them.")
            return
        adjustments = self.preview.adjustments
        result = confirm_plan(
            self.database,
            self.message,
            lambda session: confirm_receipt(session, plan, adjustments),
            preview_again=self._preview_again,
        )
        if result is None:
            return
        self.result_summary = result
        self.outcome = receipt_outcome(plan.purchase_order_ref, result)
        events.bus().announce(Changes.everything())
        self.accept()

    def _preview_again(self) -> None:
        """After a stale confirm: read the queues again and show the new plan (not applied);
        Confirm waits for it."""
        self.preview.set_plan(None, keep_adjustments=False)
        self._read_queues(then=self._show_new_plan)

    def _show_new_plan(self) -> None:
        self._refresh_preview(policy_changed=True)
        self.message.show_error(STALE)  # still the news once the new plan is in

    def _commit_open_editor(self) -> None:
        """Ctrl+Return while typing in a cell: save what was typed before confirming."""
        for view in (self.received_view, self.preview_view):
            commit_editor(view)
