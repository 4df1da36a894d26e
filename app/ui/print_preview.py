"""Print… for the shop's documents: a print preview (Qt's own dialog, with the printer this
computer printed to last) and Save as PDF.

The document is read (a few SQL queries), then laid out and its pages recorded on a plain
thread (``app.printing.record_pages`` through ``background.run_in_background``): a pick list
of thousands of lines takes seconds, and the window keeps painting meanwhile. The preview and
the printer replay the recorded pages; only when the clerk picks another paper or
orientation in the preview is the document laid out again, there. Save as PDF writes on a
plain thread too.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from pathlib import Path

from PySide6.QtCore import QEventLoop
from PySide6.QtGui import QAction, QFont, QKeySequence, QShortcut
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QMenu,
    QMessageBox,
    QPushButton,
    QToolBar,
    QWidget,
)

from app.db import Database
from app.db.config import load_settings, save_settings
from app.printing import (
    RecordedPages,
    page_layout,
    paint_document,
    record_pages,
    replay_pages,
    text_document,
    write_pdf,
)
from app.services.documents import Document, read_document
from app.ui.background import run_in_background
from app.ui.window_state import fit_to_screen
from app.ui.writing import failure_text


def remembered_printer() -> str:
    """The printer this computer printed to last, if it is still there ("" otherwise)."""
    name = load_settings().default_printer
    return name if name and name in QPrinterInfo.availablePrinterNames() else ""


def remember_printer(printer: QPrinter) -> None:
    """Keep the printer just printed to as this computer's choice (a PDF file is none)."""
    name = printer.printerName()
    if printer.outputFormat() is not QPrinter.OutputFormat.NativeFormat or not name:
        return
    settings = load_settings()
    if settings.default_printer != name:
        save_settings(dataclasses.replace(settings, default_printer=name))


def _pages(count: object) -> str:
    return "page" if count == 1 else "pages"


def _tell(parent: QWidget | None, text: str) -> None:
    """A status-bar message in the main window (the preview's parent), if there is one."""
    if parent is None:
        return
    window = parent.window()
    show = getattr(window, "show_message", None)
    if callable(show):
        show(text)


def print_document(parent: QWidget, database: Database, kind: str, ref: str | None) -> None:
    """Read document ``kind`` of ``ref``, lay its pages out off the GUI thread, then open
    its print preview (or say why not: an unknown reference)."""
    try:
        with database.read() as session:
            document = read_document(session, kind, ref)
    except Exception as error:
        QMessageBox.warning(parent, "Print", failure_text(error))
        return
    font = QFont(parent.font())
    run_in_background(
        parent,
        "Print",
        f"Laying out {document.title}…",
        lambda progress: record_pages(document, font),
        done=lambda recorded: DocumentPreview(parent, document, recorded),
        failed=lambda error: QMessageBox.warning(parent, "Print", failure_text(error)),
    )


def order_print_button(parent: QWidget, database: Database, ref: str) -> QPushButton:
    """A Print button with the order's two documents in its menu; Ctrl+P in ``parent``
    previews the packing slip."""
    button = QPushButton("&Print")
    button.setObjectName("orderDetailPrintButton")
    button.setToolTip("The packing slip (Ctrl+P) or the order status sheet")
    menu = QMenu(button)
    for kind, text in (
        ("packing-slip", "&Packing slip…"),
        ("order-status", "Order &status for the customer…"),
    ):
        menu.addAction(text, partial(print_document, parent, database, kind, ref))
    button.setMenu(menu)
    QShortcut(
        QKeySequence("Ctrl+P"),
        parent,
        partial(print_document, parent, database, "packing-slip", ref),
    )
    return button


def _keep_painting() -> None:
    """Between two pages replayed on the GUI thread (a second for a 60-page pick list): the
    windows repaint and timers run. Keys and clicks wait, so nothing the clerk does closes
    the preview or asks for another paint while this one is under way."""
    QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)


class DocumentPreview(QPrintPreviewDialog):
    """The preview of one document, with Save as PDF beside Print in its tool bar."""

    def __init__(
        self, parent: QWidget, document: Document, recorded: RecordedPages | None = None
    ) -> None:
        self._printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer_name = remembered_printer()
        if printer_name:
            self._printer.setPrinterName(printer_name)
        self._printer.setPageLayout(page_layout())
        self._printer.setDocName(document.title)
        super().__init__(self._printer, parent)
        self.setObjectName("printPreviewDialog")
        self.setWindowTitle(f"Print {document.title}")
        self.document = document
        #: The pages as laid out in the background, replayed while the page is unchanged.
        self.recorded = recorded
        self.saved_pdf: Path | None = None
        self.font_for_print = QFont(parent.font())
        self.paintRequested.connect(self._paint)
        self.save_pdf_action = QAction("Save as &PDF…", self)
        self.save_pdf_action.setObjectName("savePdfAction")
        self.save_pdf_action.setToolTip("Write this document to a PDF file")
        self.save_pdf_action.triggered.connect(lambda: self.save_as_pdf())
        toolbar = self.findChild(QToolBar)
        if toolbar is not None:
            toolbar.addSeparator()
            toolbar.addAction(self.save_pdf_action)
        self.finished.connect(self._finished)
        self.resize(900, 1000)  # a whole A4 page at a readable size, where the screen has room
        fit_to_screen(self)  # a laptop's 768 px: all of the dialog, its buttons too, on screen
        self.open()

    def _paint(self, printer: QPrinter) -> None:
        recorded = self.recorded
        if recorded is not None and replay_pages(recorded, printer, _keep_painting) is not None:
            return
        paint_document(text_document(self.document, self.font_for_print), printer)

    def _finished(self, result: int) -> None:
        if result == QDialog.DialogCode.Accepted:
            remember_printer(self._printer)
            _tell(self.parentWidget(), f"Sent {self.document.title} to the printer")

    def save_as_pdf(self, path: Path | None = None) -> None:
        """Ask where (unless ``path``), then write the PDF off the GUI thread."""
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, "Save as PDF", f"{self.document.title}.pdf", "PDF documents (*.pdf)"
            )
            if not chosen:
                return
            path = Path(chosen)
        document, font = self.document, QFont(self.font_for_print)
        parent = self.parentWidget()

        def done(pages: object) -> None:
            _tell(parent, f"Saved {document.title} to {path} ({pages} {_pages(pages)})")
            self.saved_pdf = path

        run_in_background(
            self,
            "Save as PDF",
            f"Writing {document.title}…",
            lambda progress: write_pdf(document, path, font),
            done=done,
            failed=lambda error: QMessageBox.warning(self, "Save as PDF", failure_text(error)),
        )
