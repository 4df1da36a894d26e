"""Receive stock against a purchase order: count what arrived, see who gets it, confirm.

The clerk receives all that is outstanding, or counts what arrived by scanning (the first
scan starts the count at zero: ``receive_counting``); the dialog shows which waiting
customers get the units in queue order (and why); the clerk may change who gets what, or
plan this receipt under the other queue policy ("What if: Gold customers first"). Confirm
applies exactly the plan shown with one ``confirm_receipt``, off the GUI thread
(``KeyboardDialog.save``). Cancel or Esc writes nothing, and asks first when the clerk
counted or changed anything.

Who waits for the PO's products is read when it loads, off the GUI thread (``LatestRead``),
into a ``QueueSnapshot``; each count, scan or what-if is then planned in memory (a flash
sale's 50k waiting lines take ~0.5 s to read, ~0.05 s to plan). Meanwhile the plan's area
says "Reading who waits…", the clerk goes on counting, and Confirm waits for the plan.

A confirm is refused, writing nothing, when the shop moved on since that read: stock or a
queue changed (``StalePlan``), or another till received this PO (``OverReceipt``). The
dialog then reads who waits and the PO again, lowers each line whose outstanding units fell,
says what changed ("PO-00012 was received at another till meanwhile: 0 of 6 MUG still
outstanding") and shows the new plan. More than is outstanding is received only when the
clerk confirmed those very units a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.db import Database
from app.domain.enums import QueuePolicy
from app.domain.errors import OverReceipt, PlanRejected, StalePlan
from app.domain.planning import QueueSnapshot
from app.services.purchasing import (
    ReceivablePO,
    open_purchase_order_refs,
    receivable_purchase_order,
)
from app.services.queue import get_queue_policy
from app.services.receiving import ReceiptResult, confirm_receipt
from app.services.snapshots import read_queues
from app.ui.background import LatestRead
from app.ui.dialogs.discard import DiscardQuestion
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
from app.ui.dialogs.receive_counting import CountingPanel, LinesAndPlan
from app.ui.dialogs.receive_header import PurchaseOrderHeader
from app.ui.dialogs.receive_models import (
    OutstandingChange,
    ReceivedLinesModel,
    receipt_outcome,
    received_meanwhile,
)
from app.ui.dialogs.receive_over import OverReceiptGate
from app.ui.dialogs.scanning import ScanAwareDelegate
from app.ui.dialogs.what_if import WhatIfPanel
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    commit_editor,
    guarded,
    no_auto_default,
    plural,
    read_with,
    set_current_cell,
    show_failure,
    submit_buttons,
    tab_order,
)

NOBODY_WAITING = "Nobody is waiting for these products: every unit goes to stock."
CONFIRM = "Confirm receipt"

#: What the background read brings: who waits, the shop's policy, and the PO as it is now.
Reading = tuple[QueueSnapshot, QueuePolicy, ReceivablePO]


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
        #: Reads the snapshot (and the PO again) off the GUI thread (the newest read wins).
        self.reader: LatestRead[Reading] = LatestRead(self)
        self.setObjectName("ReceiveStockDialog")
        self.setWindowTitle("Receive stock")
        self.resize(1180, 740)
        self.message = MessageLabel()
        self.received = ReceivedLinesModel(self)
        self.preview = AllocationPreviewModel(self)
        self.what_if = WhatIfPanel()
        self.counting = CountingPanel(database, self.message, self.received, self)
        self.scan, self.received_view = self.counting.scan, self.counting.view
        self.zero_button, self.fill_button = self.counting.zero_button, self.counting.fill_button
        self.discard = DiscardQuestion(
            self, "receipt", keep="&Keep counting", discarded=self._discarded
        )
        self._build()
        #: Units beyond outstanding are received only on the clerk's explicit yes.
        self.over = OverReceiptGate(self, self.message, confirmed=self.submit)
        self.what_if.policyChanged.connect(lambda: self._refresh_preview(policy_changed=True))
        self.received.quantitiesChanged.connect(self._refresh_preview)
        self.preview.planChanged.connect(self._show_summary)
        self.preview.editRejected.connect(self.message.show_error)
        self.preview.modelReset.connect(self._focus_first_allocation)
        self.counting.purchaseOrderScanned.connect(self._pick)
        if po_ref is None:
            self._offer_picker()
        else:
            self.header.picker_row.hide()
            self.load(po_ref)
        self.scan.setFocus()

    # --- layout -------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        self.header = PurchaseOrderHeader()
        layout.addWidget(self.header)
        layout.addWidget(self.counting.scan_row)
        layout.addWidget(self.message)

        who, self.plan_area, self.queue_hint = plan_group("Who gets it", self.preview, self.what_if)
        self.preview_view = self.plan_area.view
        self.preview_view.setItemDelegate(ScanAwareDelegate(self.preview_view, self.counting.count))
        self.splitter = LinesAndPlan(self.counting, who)
        layout.addWidget(self.splitter, 1)

        self.summary = QLabel("—")
        self.summary.setObjectName("receiptSummary")
        self.buttons, self.confirm_button, self.cancel_button = submit_buttons(
            self, CONFIRM, "confirmReceiptButton", "Write the receipt and allocations"
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
        # A scan typed where it means nothing (the picker, a button) still counts.
        self.counting.watch_for_scans(self, self.header.picker, self.what_if.combo)
        self.counting.watch_for_scans(self.what_if.table)
        self.counting.watch_for_scans(self.received_view, self.preview_view, quantities=True)

    # --- loading ------------------------------------------------------------------------
    def _offer_picker(self) -> None:
        refs = guarded(self.message, lambda: read_with(self.database, open_purchase_order_refs))
        self.counting.open_refs = refs or []
        self.header.picked.connect(self._pick)
        if not self.header.offer(refs or []):
            self.message.show_info("No purchase orders are waiting to be received.")

    def _pick(self, ref: str) -> None:
        """Another PO chosen (or its reference scanned): never over what was counted."""
        if self.po is not None and not self.counting.may_leave_for(ref):
            ref = self.po.ref
        self.header.show_picked(ref)
        if self.po is None or ref != self.po.ref:
            self.load(ref)

    def load(self, ref: str) -> None:
        """Show one PO, every line set to what is still outstanding; the scan field is ready
        for the first scan."""
        self.message.clear_message()
        self.preview.set_plan(None, keep_adjustments=False)
        self.snapshot = None
        po = guarded(
            self.message,
            lambda: read_with(self.database, partial(receivable_purchase_order, ref=ref)),
        )
        self.po = po
        self.counting.po_ref = po.ref if po is not None else None
        self.scan.setFocus()
        if po is None:
            self.reader.cancel()
            self.plan_area.show_reading(False)
            self.header.show_unreceivable(ref)
            self.received.set_lines(())
            return
        self.header.show_po(po)
        self._read_queues(then=lambda changes: self._show_plan_read(changes, None))
        self.received.set_lines(po.lines)
        set_current_cell(self.received_view, 0, self.received.RECEIVED_NOW)
        self.splitter.share()

    def _read_queues(self, then: Callable[[list[OutstandingChange]], None]) -> None:
        """Read who waits for the PO's products, the shop's policy and the PO again, off the
        GUI thread (when the PO loads, and after a refused confirm); then bring the lines up
        to date and call ``then`` with the lines another till received meanwhile."""
        if self.po is None:
            return
        product_ids = {line.product_id for line in self.po.lines}
        ref, database = self.po.ref, self.database

        def read() -> Reading:  # on the reading thread: no Qt
            with database.read() as session:
                # Who waits first, then the PO: a receipt committed after the first read
                # bumps the versions the plan keeps (its confirm is refused as stale), and
                # one committed before it shows in what the PO has outstanding.
                snapshot = read_queues(session, product_ids)
                policy = get_queue_policy(session)
                return snapshot, policy, receivable_purchase_order(session, ref)

        def arrived(found: Reading) -> None:
            self.plan_area.show_reading(False)
            snapshot, policy, po = found
            if policy is not self.what_if.shop_policy:
                self.what_if.set_shop_policy(policy)  # before the snapshot: one plan, not two
            self.snapshot, self.po = snapshot, po
            self.header.show_po(po)
            then(self.received.reload(po.lines))

        def failed(error: Exception) -> None:
            self.plan_area.show_reading(False)
            self._show_summary()
            show_failure(self.message, error)

        self.snapshot = None
        self.plan_area.show_reading(True)
        self.reader.start(read, arrived, failed)
        self._show_summary()

    def _show_plan_read(
        self, changes: list[OutstandingChange], refused: PlanRejected | None
    ) -> None:
        """Plan from what was just read; say what another till received meanwhile and, after
        a refused confirm, that nothing was saved."""
        self._refresh_preview(policy_changed=refused is not None)
        if changes and self.po is not None:
            left = bool(self.received.receipt_inputs())
            text = received_meanwhile(self.po.ref, changes, refused=bool(refused), left=left)
            (self.message.show_error if refused else self.message.show_warning)(text)
        elif isinstance(refused, StalePlan):
            self.message.show_error(STALE)  # still the news once the new plan is in
        elif refused is not None:
            self.message.show_error(str(refused))

    # --- preview ------------------------------------------------------------------------
    def _refresh_preview(self, policy_changed: bool = False) -> None:
        """Plan the current received quantities from the snapshot (writes nothing): under the
        shop's policy, or under the what-if policy with who gains and loses compared."""
        if not self.over.still_about(self.received.surplus_lines()):
            self.over.forget()  # the count changed since the clerk was asked
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
        plan = self.what_if.plan(self.snapshot, inputs, purchase_order_ref=self.po.ref)
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
        """Confirm the receipt exactly as previewed (with the clerk's adjustments); more than
        outstanding only once the clerk was asked about those units and confirmed again."""
        self._commit_open_editor()
        plan, adjusted = self.preview.plan, self.preview.adjusted_plan
        if plan is None or adjusted is None or not self.confirm_button.isEnabled():
            return
        over = self.received.surplus_lines()
        if not self.over.passes(over):
            return  # asked; a yes confirms again
        accept_over_receipt = bool(over)  # the clerk said yes to exactly these units
        adjustments = self.preview.adjustments
        confirm_plan(
            self,
            self.database,
            lambda session: confirm_receipt(
                session, plan, adjustments, accept_over_receipt=accept_over_receipt
            ),
            label=f"Receiving {plan.purchase_order_ref or 'the delivery'}…",
            done=lambda result: self._received(plan.purchase_order_ref, result),
            refused=self._refused,
        )

    def _received(self, po_ref: str | None, result: ReceiptResult) -> None:
        self.result_summary = result
        self.outcome = receipt_outcome(po_ref, result)
        self.accept()

    def _refused(self, error: PlanRejected) -> None:
        """Nothing was written: read who waits and the PO again and show the new plan (not
        applied); Confirm waits for it."""
        self.over.forget()
        self.preview.set_plan(None, keep_adjustments=False)
        self._read_queues(then=lambda changes: self._show_plan_read(changes, error))
        if isinstance(error, OverReceipt) and self.po is not None:
            self.message.show_error(
                f"Nothing was saved: {self.po.ref} was received at another till meanwhile. "
                "Reading what is still outstanding…"
            )
        else:
            self.message.show_error(STALE)

    def _commit_open_editor(self) -> None:
        """Ctrl+Return while typing in a cell: save what was typed before confirming."""
        for view in (self.received_view, self.preview_view):
            commit_editor(view)

    # --- leaving without receiving ------------------------------------------------------
    def reject(self) -> None:
        """Esc or Cancel: closes at once when nothing was counted or changed, else asks first,
        so one stray Esc never throws away a counted delivery."""
        if self.saving:
            return
        changed = self.received.changed_by_clerk() or bool(self.preview.adjustments)
        if self.result_summary is not None or not changed:
            super().reject()
            return
        counted = self.received.total()
        self.discard.ask(
            f"The {plural(counted, 'unit')} counted so far will be lost."
            if self.received.counting and counted
            else "Your changes to what arrived and who gets it will be lost."
        )

    def _discarded(self) -> None:
        super().reject()
