"""Counting what arrived, in the receive dialog: the scan field, the two ways to receive, the
progress line and the Arrived table.

A clerk with a scanner sees one model (``ReceivedLinesModel``): a PO opens as "Receive all
outstanding"; the first scan switches to counting, every line from 0, and the progress line
says "Counting by scan: 12 of 32 counted". "Count from zero" starts a count before the first
scan and "Receive all outstanding" goes back. A code that is not on the PO (or no product's)
changes nothing and says why; a scan typed while the focus is elsewhere in the dialog counts
all the same (``scanning.ScanRouter``, ``ScanAwareDelegate``); scanning a PO's reference
opens that PO.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QFontMetrics, QKeySequence, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.domain.errors import ShopError
from app.ui.dialogs.edit_tables import make_table
from app.ui.dialogs.receive_header import labelled_row
from app.ui.dialogs.receive_models import ReceivedLinesModel
from app.ui.dialogs.scanning import ScanAwareDelegate, ScanRouter, look_up_item
from app.ui.dialogs.widgets import (
    MessageLabel,
    plural,
    set_current_cell,
    take_scan,
)

#: The Arrived table's share of the room it shares with the plan, at most (while counting,
#: the lines matter most; the plan still shows several rows).
ARRIVED_SHARE = 0.68
COUNT_FROM_ZERO = "Counting by scan: every line started at 0 (nothing is counted twice)."


class CountingPanel(QObject):
    """The receive dialog's counting widgets (``scan_row``, ``arrived``) and their logic."""

    #: A purchase order's reference was scanned or typed in the scan field: open it.
    purchaseOrderScanned = Signal(str)

    def __init__(
        self, database: Database, message: MessageLabel, model: ReceivedLinesModel, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.message = message
        self.model = model
        self.po_ref: str | None = None
        #: The POs the picker offers (a scan of one of these refs opens it).
        self.open_refs: list[str] = []

        self.scan = QLineEdit()
        self.scan.setObjectName("receiveScanInput")
        self.scan.setPlaceholderText("Scan a barcode or type a SKU, then Enter (counts one unit)")
        self.scan.setClearButtonEnabled(True)
        self.scan.returnPressed.connect(self._take_scan)
        self.router = ScanRouter(self.scan)
        self.zero_button = QPushButton("Count from &zero")
        self.zero_button.setObjectName("countFromZeroButton")
        self.zero_button.setToolTip(
            "Set every line to 0, then scan each item once (the first scan does this too)"
        )
        self.fill_button = QPushButton("Receive &all outstanding")
        self.fill_button.setObjectName("receiveAllOutstandingButton")
        self.fill_button.setToolTip(
            "Receive what is still outstanding on every line, without counting (Alt+A or Alt+F)"
        )
        self.zero_button.clicked.connect(lambda: self.set_all(outstanding=False))
        self.fill_button.clicked.connect(lambda: self.set_all(outstanding=True))
        fill_key = QShortcut(QKeySequence("Alt+F"), parent)  # its old name: "Fill outstanding"
        fill_key.activated.connect(self.fill_button.click)

        self.scan_row = labelled_row(
            "&Scan:", self.scan, self.zero_button, self.fill_button, stretch=1
        )

        self.view = make_table("receivedLinesTable", model, stretch=ReceivedLinesModel.PRODUCT)
        self.view.setAccessibleName("Arrived")
        self.view.setItemDelegate(ScanAwareDelegate(self.view, self.count))
        model.modelReset.connect(self._size_check_column)
        self.progress = QLabel()
        self.progress.setObjectName("receiveProgress")
        self.progress.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("receiveProgressBar")
        self.progress_bar.setFixedWidth(220)
        self.progress_bar.setFormat("%v of %m counted")
        self.progress_bar.hide()
        self.arrived = QWidget()
        self.arrived.setObjectName("arrivedPanel")
        title = QLabel("Arrived")
        title.setStyleSheet("font-weight: bold;")
        heading = QHBoxLayout()
        heading.addWidget(title)
        heading.addSpacing(12)
        heading.addWidget(self.progress, 1)
        heading.addWidget(self.progress_bar)
        layout = QVBoxLayout(self.arrived)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(heading)
        layout.addWidget(self.view)
        model.quantitiesChanged.connect(self.show_progress)
        model.modelReset.connect(self.show_progress)

    def _size_check_column(self) -> None:
        """Room for "2 over outstanding" whatever the line says now (its text changes with
        every scan; fitting the columns to their contents happens only when a PO loads)."""
        font = self.view.font()
        font.setBold(True)
        widest = QFontMetrics(font).horizontalAdvance(ReceivedLinesModel.WIDEST_CHECK) + 16
        column = ReceivedLinesModel.CHECK
        self.view.setColumnWidth(column, max(self.view.columnWidth(column), widest))

    # --- the two ways to receive ----------------------------------------------------------
    def set_all(self, outstanding: bool) -> None:
        """ "Receive all outstanding", or "Count from zero"."""
        self.model.set_all(outstanding)
        if self.po_ref is not None:
            if outstanding:
                self.message.show_info(
                    f"Receiving all outstanding: {plural(self.model.total(), 'unit')}."
                )
            else:
                self.message.show_info("All quantities set to 0: scan each item that arrived.")
        self.scan.setFocus()

    def show_progress(self) -> None:
        """ "Counting by scan: 12 of 32 counted", or what "Receive all outstanding" receives."""
        model = self.model
        outstanding, lines = model.outstanding(), model.rowCount()
        over = model.surplus_lines()
        self.progress_bar.setVisible(model.counting and outstanding > 0)
        if not lines:
            self.progress.setText("")
            return
        if model.counting:
            counted = model.counted_toward_outstanding()
            self.progress_bar.setRange(0, outstanding)
            self.progress_bar.setValue(min(counted, outstanding))
            text = f"Counting by scan: {counted:,} of {outstanding:,} counted"
            left = outstanding - counted
            text += f" · {left:,} to go" if left else " · all outstanding units counted"
        elif not outstanding and not model.total():
            text = "Nothing is outstanding on this purchase order"
        else:
            total = model.total()
            text = f"Receiving all outstanding: {plural(outstanding, 'unit')} on "
            text += plural(lines, "line")
            if total != outstanding or over:
                text = f"Receiving {total:,} of {outstanding:,} outstanding units (changed by hand)"
            text += ". Scan an item to count instead: the count starts at 0"
        if over:
            beyond = sum(row.surplus for row in over)
            text += f" · {plural(beyond, 'unit')} over outstanding on {plural(len(over), 'line')}"
        self.progress.setText(text)
        colour = "#8a2c00" if over else "palette(text)"
        self.progress.setStyleSheet(f"color: {colour};" + (" font-weight: bold;" if over else ""))

    # --- scanning -------------------------------------------------------------------------
    def _take_scan(self) -> None:
        code = take_scan(self.scan)
        if code:
            self.count(code)

    def count(self, code: str) -> None:
        """One scan: one more unit of the PO line with this SKU or barcode. Anything else
        (another PO's reference opens that PO) changes no quantity and says why."""
        self.scan.setFocus()
        ref = next((r for r in self.open_refs if r.casefold() == code.casefold()), None)
        if ref is not None:
            if ref == self.po_ref:
                self.message.show_info(f"{ref} is the purchase order being received.")
            else:
                self.purchaseOrderScanned.emit(ref)
            return
        if self.po_ref is None:
            self.message.show_error("Choose a purchase order first.")
            return
        row = self.model.find_row(code)
        if row is None:
            product = look_up_item(self.database, self.message, code)
            if product is not None:
                self.message.show_error(f"{product.sku} is not on {self.po_ref}.")
            return
        starts = not self.model.counting
        try:
            qty = self.model.add_one(row)
        except ShopError as error:
            self.message.show_error(str(error))
            return
        # The line scanned is current and in view, not selected: a selection would hide the
        # colour of a line counted beyond outstanding.
        set_current_cell(self.view, row, ReceivedLinesModel.RECEIVED_NOW)
        self.view.scrollTo(self.model.index(row, ReceivedLinesModel.RECEIVED_NOW))
        if self.message.kind == "error":
            return  # a line typed wrong elsewhere: its message stays until it is fixed
        line = self.model.rows()[row].line
        start = f"{COUNT_FROM_ZERO} " if starts else ""
        text = f"{start}+1 {line.sku} {line.name}: "
        if qty > line.qty_outstanding:
            self.message.show_warning(
                f"{text}{qty:,} counted, {line.qty_outstanding:,} outstanding: "
                f"{plural(qty - line.qty_outstanding, 'unit')} over. Check the count."
            )
        else:
            self.message.show_info(f"{text}{qty:,} of {line.qty_outstanding:,} counted.")

    def may_leave_for(self, ref: str) -> bool:
        """Whether another PO may replace this one: not over units the clerk counted or
        typed (the message says what to do: confirm them, or discard them with Esc)."""
        if ref == self.po_ref or not self.model.changed_by_clerk():
            return True
        self.message.show_error(
            f"{ref} not opened: confirm what you counted on {self.po_ref} first, or press Esc "
            "to discard it."
        )
        self.scan.setFocus()
        return False

    def watch_for_scans(self, *widgets: QWidget, quantities: bool = False) -> None:
        """A scan typed into one of ``widgets`` goes to the scan field (see ScanRouter)."""
        self.router.watch(*widgets, quantities=quantities)


class LinesAndPlan(QSplitter):
    """The Arrived lines above the plan, sharing the room: the lines get what their rows
    need, up to ``ARRIVED_SHARE``, the plan the rest. The clerk can drag the divider; then
    it stays where they put it."""

    def __init__(self, counting: CountingPanel, plan: QWidget) -> None:
        super().__init__(Qt.Orientation.Vertical)
        self.setObjectName("receiveSplitter")
        self.setChildrenCollapsible(False)
        self.counting = counting
        self.addWidget(counting.arrived)
        self.addWidget(plan)
        self.sized_by_clerk = False
        self.splitterMoved.connect(self._moved)  # only a drag moves it, never setSizes

    def _moved(self) -> None:
        self.sized_by_clerk = True

    def share(self) -> None:
        """Share the room again (a PO loaded, the window resized)."""
        total = sum(self.sizes())
        if self.sized_by_clerk or total <= 0:
            return
        view = self.counting.view
        rows = max(view.model().rowCount(), 3)
        needed = (
            self.counting.arrived.sizeHint().height()
            - view.sizeHint().height()
            + view.horizontalHeader().sizeHint().height()
            + rows * view.verticalHeader().defaultSectionSize()
            + view.horizontalScrollBar().sizeHint().height()
            + 2 * view.frameWidth()
        )
        arrived = min(needed, int(total * ARRIVED_SHARE))
        self.setSizes([arrived, total - arrived])

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.share()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.share()
