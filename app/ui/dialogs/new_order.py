"""Take a customer's order: pick the customer, scan or type what they want, place it.

Built for a counter with a keyboard-wedge scanner: the scan field keeps the focus, Enter adds
the scanned item (again: one more), a misread or unknown code is said inline and selected so
the next scan replaces it, and Ctrl+Return (or Ctrl+S) places the order. Each line shows what
placing it now would do (``ordering.quote_lines``: ships now, backordered, or refused and why);
``place_order`` decides for real when the clerk places the order. Each line has a unit price
(the product's, or one the clerk types), the order a running total, and each line that will
wait its expected dates, with a warning over the lines when a wait is longer than the shop's
setting (``order_preview.preview_order`` reads all of it at once). A goodwill coupon's code
(``coupon_field``) shows its discount and the new total, or why it cannot be taken.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.services.catalog import CustomerRow
from app.services.order_preview import OrderPreview, preview_order
from app.services.ordering import LineDecision, LineRequest, PlacedOrder, Quote, place_order
from app.ui.dialogs.coupon_field import CouponField
from app.ui.dialogs.customer import CustomerDialog, CustomerPicker, describe
from app.ui.dialogs.discard import DiscardQuestion
from app.ui.dialogs.line_items import (
    LineItemsModel,
    add_line,
    lines_area,
    lines_footer,
    remove_current_line,
    report_line_errors,
)
from app.ui.dialogs.order_hints import long_wait_warning
from app.ui.dialogs.scanning import keep_for_next_scan, look_up_item
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    commit_editor,
    guarded,
    no_auto_default,
    plural,
    read_with,
    submit_buttons,
    tab_order,
)


class NewOrderDialog(KeyboardDialog):
    """A new customer order, built by scanning or typing SKUs, barcodes or names."""

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.placed: PlacedOrder | None = None
        self.quote: Quote | None = None
        self.preview: OrderPreview | None = None
        self.line_total: Decimal | None = None
        self.customer_dialog: CustomerDialog | None = None
        self.discard = DiscardQuestion(
            self, "order", keep="&Keep editing", discarded=self._discarded
        )
        self.setObjectName("NewOrderDialog")
        self.setWindowTitle("New order")
        self.resize(980, 560)
        self.message = MessageLabel()
        self.lines = LineItemsModel(self, with_hints=True)
        self.lines.linesChanged.connect(self._lines_changed)

        self.customer = CustomerPicker(database, self.message)
        self.customer.customerChosen.connect(self._customer_chosen)
        self.new_customer_button = QPushButton("&New customer…")
        self.new_customer_button.setObjectName("newCustomerButton")
        self.new_customer_button.setToolTip("Add a customer without leaving the order (Alt+N)")
        self.new_customer_button.clicked.connect(self._new_customer)
        # Reached with Alt+N; left out of the Tab chain so Tab goes from customer to scan.
        self.new_customer_button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.customer_info = QLabel()
        self.customer_info.setObjectName("orderCustomerInfo")
        self.customer_info.setEnabled(False)  # the quieter, secondary text colour
        customer_row = QHBoxLayout()
        customer_row.addWidget(self.customer, 1)
        customer_row.addWidget(self.new_customer_button)

        self.scan = QLineEdit()
        self.scan.setObjectName("orderScanInput")
        self.scan.setPlaceholderText("Scan a barcode, or type a SKU or name, then Enter (adds one)")
        self.scan.setClearButtonEnabled(True)
        self.scan.returnPressed.connect(self._scan)
        self.coupon = CouponField(database)
        self.coupon.changed.connect(self._show_total)
        self.table, self.remove_button, self.footer, footer_row = lines_area(
            self.lines, "orderLinesTable", "Order lines"
        )
        self._stretch_columns()
        # Fitting columns to their contents as lines arrive leaves the stretched ones at
        # their fitted width; setting the mode again spreads the spare width once more.
        self.lines.rowsInserted.connect(self._stretch_columns)
        self.remove_button.clicked.connect(self._remove_selected)
        remove_key = QShortcut(QKeySequence.StandardKey.Delete, self.table)
        remove_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        remove_key.activated.connect(self._remove_selected)
        save_key = QShortcut(QKeySequence("Ctrl+S"), self)
        save_key.activated.connect(self._submit_from_keyboard)
        self.footer.setObjectName("orderFooter")
        self.total = QLabel()
        self.total.setObjectName("orderTotal")
        self.total.setToolTip("What the order comes to at the prices on its lines")
        font = self.total.font()
        font.setBold(True)
        self.total.setFont(font)
        footer_row.insertWidget(1, self.total)
        footer_row.insertSpacing(2, 12)
        self.long_wait = QLabel()
        self.long_wait.setObjectName("longWaitWarning")
        self.long_wait.setWordWrap(True)
        self.long_wait.setStyleSheet(
            "QLabel { background: #fff4d6; color: #6b4500; border: 1px solid #e0b44c;"
            " border-radius: 4px; padding: 6px; }"
        )
        self.long_wait.hide()
        self.buttons, self.place_button, self.cancel_button = submit_buttons(
            self, "Place order", "placeOrderButton", "Place the order"
        )
        no_auto_default(
            self.place_button, self.cancel_button, self.remove_button, self.new_customer_button
        )

        form = QFormLayout()
        customer_label = QLabel("&Customer:")
        customer_label.setBuddy(self.customer)  # Alt+C, as a form row with a widget would
        form.addRow(customer_label, customer_row)
        form.addRow("", self.customer_info)
        form.addRow("&Scan:", self.scan)
        coupon_label = QLabel("C&oupon:")
        coupon_label.setBuddy(self.coupon.edit)
        form.addRow(coupon_label, self.coupon)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.long_wait)
        layout.addLayout(footer_row)
        layout.addWidget(self.buttons)
        tab_order(
            self.customer,
            self.scan,
            self.table,
            self.remove_button,
            self.coupon.edit,
            self.place_button,
            self.cancel_button,
        )
        self._lines_changed()
        self.customer.setFocus()

    def _stretch_columns(self) -> None:
        """The product name, the expected dates and the note share the spare width (none is
        ever cut)."""
        header = self.table.horizontalHeader()
        for column in (1, LineItemsModel.ETA, LineItemsModel.HINT):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)

    # --- the customer ---------------------------------------------------------------------
    def _customer_chosen(self, row: CustomerRow | None) -> None:
        self.customer_info.setText(describe(row) if row is not None else "")
        if self.lines.items():
            self._lines_changed()  # ship complete or partial changes what the lines say
        else:
            self.coupon.set_order(row.code if row is not None else None, None)

    def _new_customer(self) -> None:
        """Open "New customer" over this dialog (non-blocking); the order keeps its lines."""
        typed = self.customer.text().strip()
        name = "" if self.customer.chosen is not None or "@" in typed else typed
        dialog = CustomerDialog(self.database, name=name, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._customer_added(dialog))
        dialog.finished.connect(self._customer_dialog_closed)
        self.customer_dialog = dialog
        dialog.open()

    def _customer_added(self, dialog: CustomerDialog) -> None:
        if dialog.saved is not None:
            self.customer.set_customer(dialog.saved)
            self.message.show_info(f"Customer {dialog.saved.code} added.")
        self.scan.setFocus()

    def _customer_dialog_closed(self) -> None:
        self.customer_dialog = None

    # --- the lines ------------------------------------------------------------------------
    def _scan(self) -> None:
        code = self.scan.text().strip()
        if not code:
            return
        product = look_up_item(self.database, self.message, code, names=True)
        if product is None:
            keep_for_next_scan(self.scan, code)
            return
        self.scan.clear()
        self.scan.setFocus()
        before = self._decision(product.id)
        if before is not None and before.refused:  # one more would only be refused again
            self.table.setCurrentIndex(self._qty_cell(product.id))
            self.message.show_error(
                f"{product.sku} {product.name}: only {before.limit or 0:,} can be sold and its "
                f"line has {before.qty:,} already; not added."
            )
            return
        row = add_line(self.message, self.lines, self.table, product, 1)
        if row is None or self.quote is None:
            return  # refused by the line itself, or the quote failed: the message says why
        decision = self._decision(product.id)
        if decision is not None and decision.refused:
            self.message.show_error(decision.refusal)
            return
        qty = self.lines.items()[row].qty
        added = f"+1 {product.sku} {product.name}: {plural(qty, 'unit')}."
        problem = self._problem()
        if problem:
            self.message.show_warning(f"{added} Still to fix: {problem}.")
        else:
            self.message.show_info(added)

    def _decision(self, product_id: int) -> LineDecision | None:
        """What the current quote says of the product's line (None: no line or no quote)."""
        if self.quote is None:
            return None
        return next((d for d in self.quote.lines if d.product_id == product_id), None)

    def _qty_cell(self, product_id: int) -> QModelIndex:
        row = self.lines.product_ids().index(product_id)
        return self.lines.index(row, LineItemsModel.QTY)

    def _problem(self) -> str:
        """The first thing stopping the order from being placed (a bad quantity, a line
        beyond what can be sold), in a few words; empty when there is none."""
        errors = self.lines.errors()
        if errors:
            return errors[0]
        refused = [d for d in self.quote.lines if d.refused] if self.quote else []
        return "; ".join(
            f"{d.sku} {d.name}: only {d.limit or 0:,} can be sold ({d.qty:,} on its line)"
            for d in refused[:2]
        )

    def _remove_selected(self) -> None:
        if remove_current_line(self.table, self.lines):
            self.message.clear_message()

    def _lines_changed(self) -> None:
        requests = self.lines.requests()
        chosen = self.customer.chosen
        customer_id = chosen.id if chosen is not None else None
        preview = (
            guarded(
                self.message,
                lambda: read_with(self.database, lambda s: preview_order(s, customer_id, requests)),
            )
            if requests
            else None
        )
        self.preview = preview
        quote = self.quote = preview.quote if preview is not None else None
        if preview is not None:
            money = self.lines.money
            money.currency, money.long_wait_days = preview.currency, preview.long_wait_days
            money.today = preview.today
        self.lines.set_waits(preview.waits if preview is not None else {})
        decisions = {d.product_id: d for d in quote.lines} if quote else {}
        self.lines.set_quote(decisions, held=quote is not None and quote.held)
        self._show_money_and_waits(preview, requests)
        errors = report_line_errors(self.message, self.lines)
        refusals = quote.refusals if quote else ()
        if not errors and refusals:
            self.message.show_error(refusals[0])
        self.footer.setText(self._footer(quote))
        self.place_button.setEnabled(self._placeable())

    def _show_money_and_waits(
        self, preview: OrderPreview | None, requests: list[LineRequest]
    ) -> None:
        """The running total, and the warning when some line would wait long."""
        chosen = self.customer.chosen
        line_total = preview.total(requests) if preview is not None else None
        self.line_total = line_total
        self.coupon.set_order(chosen.code if chosen is not None else None, line_total)
        self._show_total()
        if preview is None:
            self.long_wait.hide()
            return
        names = {d.product_id: f"{d.sku} {d.name}" for d in preview.quote.lines}
        warning = long_wait_warning(
            [(names[w.product_id], w) for w in preview.long_waits()],
            preview.long_wait_days,
            preview.today,
        )
        self.long_wait.setText(warning)
        self.long_wait.setVisible(bool(warning))

    def _show_total(self) -> None:
        """The lines' total, less the coupon's discount when a coupon is taken."""
        self.total.setText(self.coupon.total_text(self.line_total, self.lines.money.show))
        self.place_button.setEnabled(self._placeable())

    def _placeable(self) -> bool:
        """Lines to place, none refused or wrong, and no coupon that would be refused."""
        refused = self.quote is not None and bool(self.quote.refusals)
        lines = bool(self.lines.items()) and not self.lines.errors() and not refused
        return lines and not self.coupon.refusal

    def _footer(self, quote: Quote | None) -> str:
        text = lines_footer(self.lines)
        if quote is None:
            return text
        placed = [line for line in quote.lines if not line.refused]
        allocated = sum(line.allocated for line in placed)
        waits = sum(line.backordered for line in placed)
        if quote.held:  # the customer wants one shipment: nothing ships before the rest is in
            text += f" · {allocated:,} allocated, held until all {allocated + waits:,} are in"
        else:
            text += f" · {allocated:,} ship now"
        if waits:
            text += f" · {waits:,} backordered"
        refused = len(quote.lines) - len(placed)
        if refused:
            text += f" · {plural(refused, 'line')} over what can be sold"
        return text

    # --- leaving without placing ----------------------------------------------------------
    @property
    def discard_box(self) -> QMessageBox | None:
        """The "Discard this order?" question, while it is asked."""
        return self.discard.box

    def reject(self) -> None:
        """Esc or Cancel: closes at once when nothing was entered, else asks first, so one
        stray Esc never throws away a scanned order."""
        entered = len(self.lines.items())
        if self.placed is not None or not (entered or self.customer.chosen):
            super().reject()
            return
        self.discard.ask(
            f"The {plural(entered, 'line')} entered so far will be lost."
            if entered
            else "The customer chosen will be lost."
        )

    def _discarded(self) -> None:
        super().reject()

    def can_submit(self) -> bool:
        return self.place_button.isEnabled()

    def submit(self) -> None:
        commit_editor(self.table)  # save the quantity being typed
        if not self.place_button.isEnabled():
            return
        # Everything the write needs is read here, on the GUI thread.
        customer = self.customer.resolve()
        if customer is None:
            self.message.show_error("Choose a customer: type part of a name, code, email or phone")
            self.customer.setFocus()
            return
        code, requests, coupon = customer.code, self.lines.requests(), self.coupon.code
        self.save(
            self.database,
            lambda session: place_order(session, code, requests, coupon=coupon),
            label="Placing the order…",
            done=self._placed,
        )

    def _placed(self, placed: PlacedOrder) -> None:
        self.placed = placed
        waiting = placed.backordered
        self.outcome = f"Order {placed.ref} placed" + (
            f"; {plural(waiting, 'unit')} backordered" if waiting else "; ready to ship"
        )
        if placed.discount:
            self.outcome += f"; coupon took {self.lines.money.show(placed.discount)} off"
        self.accept()
