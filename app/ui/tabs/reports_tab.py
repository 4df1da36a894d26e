"""The Reports tab: pick a report and a date range; its chart above, its table beneath, and
CSV or PDF export of what is on show.

A report is read off the GUI thread (``background.LatestRead``: the newest request wins) and
the tab says "Reading…" meanwhile; the window stays usable. A change to the shop (this till's
or another's) re-reads the report on show; a hidden tab re-reads when next shown. Reports
only read, so the tab works the same in a read-only window.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.domain.errors import InvalidInput
from app.services.changes import Area, Changes
from app.services.exporting import write_csv_to_path
from app.services.reports.tables import REPORTS, ReportTable, run_report
from app.ui import events
from app.ui.background import LatestRead
from app.ui.charts import ReportChartView
from app.ui.dates import show_days
from app.ui.dialogs.widgets import stacked
from app.ui.models.report_model import ReportTableModel
from app.ui.report_pdf import range_text, write_report_pdf
from app.ui.writing import failure_text

#: The range a report opens with: the last 30 days up to today.
DEFAULT_DAYS = 30
#: A date typed in a range field waits this long before the report re-reads.
RANGE_DELAY_MS = 300
#: The areas whose changes move a report's figures.
REPORT_AREAS = frozenset({Area.ORDERS, Area.QUEUE, Area.STOCK, Area.PURCHASE_ORDERS})


def read_report(database: Database, name: str, start: date, end: date) -> ReportTable:
    """One report, read in its own transaction (runs off the GUI thread)."""
    with database.read() as session:
        return run_report(session, name, start, end)


class ReportsTab(QWidget):
    #: A line for the status bar (an export's outcome).
    message = Signal(str)
    #: The tab offers no menu actions of its own; kept for the window's tab protocol.
    actions_changed = Signal()

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportsTab")
        self.database = database
        self.stale = True
        self.report: ReportTable | None = None
        self._reader: LatestRead[ReportTable] = LatestRead(self)
        self._range_timer = QTimer(self, singleShot=True, interval=RANGE_DELAY_MS)
        self._range_timer.timeout.connect(self.reload)

        self.picker = QComboBox()
        self.picker.setObjectName("reportPicker")
        for kind in REPORTS.values():
            self.picker.addItem(kind.title, kind.name)
        today = date.today()  # the shop's local day, as the reports count days
        self.start_edit = self._date_edit("reportFrom", today - timedelta(days=DEFAULT_DAYS - 1))
        self.end_edit = self._date_edit("reportTo", today)
        self.status = QLabel()
        self.status.setObjectName("reportStatus")
        self.status.setProperty("role", "hint")
        # Any length of message, never a wider window: a long one is cut at the buttons.
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.csv_button = self._button("Export CSV…", "exportReportCsvButton", self.export_csv)
        self.pdf_button = self._button("Export PDF…", "exportReportPdfButton", self.export_pdf)

        toolbar = QHBoxLayout()
        toolbar.setSpacing(6)
        for label, widget in (
            ("&Report:", self.picker),
            ("Fro&m:", self.start_edit),
            ("&To:", self.end_edit),
        ):
            caption = QLabel(label)
            caption.setBuddy(widget)
            toolbar.addWidget(caption)
            toolbar.addWidget(widget)
            toolbar.addSpacing(6)
        toolbar.addWidget(self.status, 1)
        toolbar.addWidget(self.csv_button)
        toolbar.addWidget(self.pdf_button)

        self.summary = QLabel()
        self.summary.setObjectName("reportSummary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.summary.font()
        font.setPointSizeF(font.pointSizeF() * 1.1)
        font.setBold(True)
        self.summary.setFont(font)

        self.chart = ReportChartView()
        self.model = ReportTableModel()
        self.model.setParent(self)
        self.table = QTableView()
        self.table.setObjectName("reportTable")
        self._setup_table()
        splitter = stacked(self.chart, self.table, (1, 1), collapsible=False)
        splitter.setObjectName("reportSplitter")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.setSpacing(6)
        layout.addLayout(toolbar)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)

        self.picker.currentIndexChanged.connect(lambda _index: self.reload())
        self.start_edit.dateChanged.connect(lambda _day: self._range_timer.start())
        self.end_edit.dateChanged.connect(lambda _day: self._range_timer.start())
        events.bus().data_changed.connect(self._on_data_changed)
        self._set_ready(False)

    # --- building ----------------------------------------------------------------------------

    def _date_edit(self, name: str, value: date) -> QDateEdit:
        edit = QDateEdit(QDate(value.year, value.month, value.day))
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        show_days(edit)
        return edit

    def _button(self, text: str, name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def _setup_table(self) -> None:
        table = self.table
        table.setModel(self.model)
        table.setAlternatingRowColors(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTabKeyNavigation(False)
        table.setWordWrap(False)
        table.setShowGrid(False)
        table.setStyleSheet("QTableView::item { padding: 0px 6px; }")
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        self.model.modelReset.connect(self._fit_columns)

    def _fit_columns(self) -> None:
        """Columns as wide as their title or first rows (the tables are small; never every
        row of a long one), the name-like ones wider."""
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        rows = min(self.model.rowCount(), 50)
        for column in range(self.model.columnCount()):
            texts = [str(self.model.headerData(column, Qt.Orientation.Horizontal))]
            texts += [str(self.model.index(row, column).data()) for row in range(rows)]
            width = max(metrics.horizontalAdvance(text) for text in texts) + 28
            header.resizeSection(column, min(max(width, 70), 320))

    # --- reading -----------------------------------------------------------------------------

    @property
    def report_name(self) -> str:
        return str(self.picker.currentData())

    def date_range(self) -> tuple[date, date]:
        return (self.start_edit.date().toPython(), self.end_edit.date().toPython())  # type: ignore[return-value]

    @property
    def reading(self) -> bool:
        return self._reader.reading

    def ensure_loaded(self) -> None:
        if self.stale:
            self.reload()

    def refresh(self) -> None:
        """Re-read now if on show, else when next shown."""
        self.stale = True
        if self.isVisible():
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.ensure_loaded()

    @Slot()
    def reload(self) -> None:
        self._range_timer.stop()
        name = self.report_name
        start, end = self.date_range()
        self.start_edit.setEnabled(REPORTS[name].uses_start)
        self.start_edit.setToolTip(
            "" if REPORTS[name].uses_start else "Backorder aging is as of the To day"
        )
        if end < start:
            self.status.setText(f"The range ends ({end}) before it starts ({start})")
            return
        self.stale = False
        self.status.setText("Reading…")
        self._set_ready(False)
        database = self.database
        self._reader.start(
            lambda: read_report(database, name, start, end), self._show, self._failed
        )

    def _show(self, report: ReportTable) -> None:
        self.report = report
        self.model.show(report)
        self.chart.show_chart(report.chart)
        self.summary.setText(report.summary)
        kind = REPORTS[report.name]
        self.status.setText(range_text(report, kind))
        self._set_ready(True)

    def _failed(self, error: Exception) -> None:
        self.stale = True
        self.status.setText(failure_text(error))
        self._set_ready(self.report is not None)

    def _set_ready(self, ready: bool) -> None:
        self.csv_button.setEnabled(ready)
        self.pdf_button.setEnabled(ready)

    @Slot(object)
    def _on_data_changed(self, changes: Changes) -> None:
        if changes.touches(REPORT_AREAS):
            self.refresh()

    # --- exporting ---------------------------------------------------------------------------

    def ask_path(self, kind: str, suffix: str) -> Path | None:
        """Where to save (a file dialog); None when the clerk cancelled."""
        report = self.report
        assert report is not None
        suggested = f"{report.name}-{report.start.isoformat()}-{report.end.isoformat()}{suffix}"
        name, _filter = QFileDialog.getSaveFileName(
            self, f"Export report as {kind}", suggested, f"{kind} files (*{suffix})"
        )
        return Path(name) if name else None

    def export_csv(self, path: Path | None = None) -> None:
        report = self.report
        if report is None:
            return
        path = path or self.ask_path("CSV", ".csv")
        if path is None:
            return
        try:
            count = write_csv_to_path(path, report.columns, report.rows)
        except InvalidInput as error:
            self.message.emit(str(error))
            return
        self.message.emit(f"Exported {count:,} {'row' if count == 1 else 'rows'} to {path}")

    def export_pdf(self, path: Path | None = None) -> None:
        report = self.report
        if report is None:
            return
        path = path or self.ask_path("PDF", ".pdf")
        if path is None:
            return
        try:
            write_report_pdf(report, REPORTS[report.name], path, self.font())
        except InvalidInput as error:
            self.message.emit(str(error))
            return
        self.message.emit(f"Exported {report.title} to {path}")
