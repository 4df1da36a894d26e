"""Print… from the window: the Documents menu and the order detail open a preview of the
right document; Save as PDF writes it off the GUI thread; the printer used is remembered on
this computer; the Shop page keeps the letterhead (name, address, phone, logo)."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QFont
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.db import Database
from app.db.config import load_settings
from app.printing import RecordedPages, record_pages
from app.services import shop_settings
from app.services.documents import PickList, PickRow
from app.services.shop_settings import ShopIdentity
from app.ui import print_preview
from app.ui.dialogs.order_detail import OrderDetailDialog
from app.ui.main_window import MainWindow
from app.ui.print_preview import DocumentPreview, remember_printer
from app.ui.tabs.base import TableTab
from tests.services.test_documents import PIXEL_PNG
from tests.ui.conftest import wait_for_saves
from tests.ui.settings_pages import press_ok
from tests.ui.shop_data import build_shop, open_window
from tests.ui.test_settings_shop import open_page


def _preview(qtbot: QtBot, timeout: int = 5000) -> DocumentPreview:
    found: list[DocumentPreview] = []

    def shown() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, DocumentPreview) and w.isVisible()
        ]
        return len(found) == 1

    qtbot.waitUntil(shown, timeout=timeout)
    return found[0]


def _print_from_first_row(
    qtbot: QtBot, window: MainWindow, tab: TableTab, action_name: str
) -> QAction:
    """Show ``tab``, select its first row and trigger the menu action ``action_name``."""
    window.tabs.setCurrentWidget(tab)
    tab.ensure_loaded()
    qtbot.waitUntil(lambda: tab.model.rowCount() > 0, timeout=5000)
    tab.table.selectRow(0)
    action = window.findChild(QAction, action_name)
    assert action is not None
    qtbot.waitUntil(action.isEnabled, timeout=2000)
    action.trigger()
    return action


def _pdf_text(path: Path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


def test_ctrl_p_on_an_order_previews_its_packing_slip_and_saves_it_as_pdf(
    qtbot: QtBot, sqlite_db: Database, tmp_path: Path
) -> None:
    shop = build_shop(sqlite_db)
    window = open_window(qtbot, sqlite_db)
    action = _print_from_first_row(qtbot, window, window.orders_tab, "printPackingSlipAction")
    assert action.shortcut().toString() == "Ctrl+P"
    preview = _preview(qtbot)
    ref = preview.document.order.ref  # type: ignore[union-attr]
    assert ref in shop.orders.values()
    assert preview.windowTitle() == f"Print Packing slip {ref}"
    path = tmp_path / "slip.pdf"
    preview.save_as_pdf(path)
    qtbot.waitUntil(lambda: preview.saved_pdf == path, timeout=20000)
    assert f"Packing slip {ref}" in _pdf_text(path)
    assert f"Saved Packing slip {ref}" in window.statusBar().currentMessage()
    preview.reject()


def test_the_pick_list_and_the_purchase_order_print_from_their_menus(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    shop = build_shop(sqlite_db)
    window = open_window(qtbot, sqlite_db)
    pick = window.findChild(QAction, "printPickListAction")
    assert pick is not None and pick.isEnabled()
    pick.trigger()
    preview = _preview(qtbot)
    assert preview.windowTitle() == "Print Pick list"
    preview.reject()

    _print_from_first_row(qtbot, window, window.purchase_orders_tab, "printPurchaseOrderAction")
    preview = _preview(qtbot)
    assert preview.windowTitle() == f"Print Purchase order {shop.po_ref}"
    preview.reject()


def test_the_order_detail_prints_the_order_status_sheet(qtbot: QtBot, sqlite_db: Database) -> None:
    shop = build_shop(sqlite_db)
    ref = shop.orders["C001"]
    dialog = OrderDetailDialog(sqlite_db, ref)
    qtbot.addWidget(dialog)
    dialog.show()
    menu = dialog.print_button.menu()
    assert [a.text() for a in menu.actions()] == [
        "&Packing slip…",
        "Order &status for the customer…",
    ]
    menu.actions()[1].trigger()
    preview = _preview(qtbot)
    assert preview.windowTitle() == f"Print Order status {ref}"
    preview.reject()


def test_the_printer_printed_to_is_remembered_on_this_computer_but_a_pdf_file_is_not() -> None:
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    remember_printer(printer)
    assert load_settings().default_printer == ""


def test_the_shop_page_keeps_the_letterhead_and_the_logo_can_be_removed(
    qtbot: QtBot, sqlite_db: Database, tmp_path: Path
) -> None:
    dialog, page = open_page(qtbot, sqlite_db)
    box = page.letterhead
    qtbot.keyClicks(box.name, "Corner Shop")
    box.address.setPlainText("1 High Street\nMarket Town")
    qtbot.keyClicks(box.phone, "0123 456")
    not_an_image = tmp_path / "logo.png"
    not_an_image.write_bytes(b"just text")
    box.choose_logo(not_an_image)
    assert box.logo is None and "PNG, JPEG or GIF" in box.logo_message.text()
    logo = tmp_path / "pixel.png"
    logo.write_bytes(PIXEL_PNG)
    box.choose_logo(logo)
    assert box.logo == PIXEL_PNG and box.remove.isEnabled()
    assert not box.preview.pixmap().isNull()
    press_ok(qtbot, dialog)
    wait_for_saves(qtbot)
    with sqlite_db.read() as session:
        identity = shop_settings.get_shop_identity(session)
    assert (identity.name, identity.address, identity.phone, identity.logo) == (
        "Corner Shop",
        "1 High Street\nMarket Town",
        "0123 456",
        PIXEL_PNG,
    )

    dialog, page = open_page(qtbot, sqlite_db)  # opened again: what was saved
    assert page.letterhead.name.text() == "Corner Shop"
    page.letterhead.remove.click()
    assert page.letterhead.preview.text() == "No logo"
    press_ok(qtbot, dialog)
    wait_for_saves(qtbot)
    with sqlite_db.read() as session:
        assert shop_settings.get_shop_identity(session).logo is None


def test_a_pick_list_of_thousands_of_lines_is_laid_out_off_the_gui_thread(
    qtbot: QtBot, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    picks = PickList(
        ShopIdentity(name="Corner Shop"),
        tuple(PickRow("SHOP", f"SKU-{n:05}", "Mug", 1, f"SO-{n:05}", "Ann") for n in range(2000)),
        date(2026, 12, 5),
    )
    monkeypatch.setattr(print_preview, "read_document", lambda session, kind, ref: picks)
    threads: list[threading.Thread] = []
    span: list[float] = []  #: when the layout started and ended

    def record(document: PickList, font: QFont) -> RecordedPages:
        threads.append(threading.current_thread())
        span.append(time.perf_counter())
        try:
            return record_pages(document, font)
        finally:
            span.append(time.perf_counter())

    monkeypatch.setattr(print_preview, "record_pages", record)
    window = open_window(qtbot, sqlite_db)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(50)
    print_preview.print_document(window, sqlite_db, "pick-list", None)
    preview = _preview(qtbot, timeout=60000)
    timer.stop()
    assert threads and threads[0] is not threading.main_thread()
    assert preview.recorded is not None and len(preview.recorded.pages) > 40
    # The window went on painting while the thread laid the pages out (seconds): its clock
    # never stopped for more than a fraction of that (showing the preview, after, paints on
    # the GUI thread). Relative, so a busy machine slowing both does not fail it; a layout
    # holding the GIL, or done on the GUI thread, would be one gap as long as the layout.
    layout = span[1] - span[0]
    during = [t for t in ticks if span[0] <= t <= span[1]]
    gaps = [later - earlier for earlier, later in itertools.pairwise([span[0], *during, span[1]])]
    assert len(during) > 10, f"{len(during)} ticks in {layout:.1f} s"
    assert max(gaps) < 0.3 * layout, f"the window stalled {max(gaps):.1f} s of {layout:.1f} s"
    preview.reject()


def test_the_preview_of_a_long_pick_list_lets_the_window_paint_while_it_replays_the_pages(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    picks = PickList(
        ShopIdentity(name="Corner Shop"),
        tuple(PickRow("SHOP", f"SKU-{n:05}", "Mug", 1, f"SO-{n:05}", "Ann") for n in range(1000)),
        date(2026, 12, 5),
    )
    recorded = record_pages(picks, QFont())
    window = open_window(qtbot, sqlite_db)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(50)
    qtbot.wait(200)
    started = time.perf_counter()
    preview = DocumentPreview(window, picks, recorded)  # replays every page as it opens
    ended = time.perf_counter()
    timer.stop()
    # The pages are painted on the GUI thread (Qt's preview asks for them all at once); the
    # window's clock still ticks between two pages. Relative, as above.
    replay = ended - started
    during = [t for t in ticks if started <= t <= ended]
    gaps = [later - earlier for earlier, later in itertools.pairwise([started, *during, ended])]
    assert len(during) > 3, f"{len(during)} ticks in {replay:.2f} s"
    assert max(gaps) < 0.3 * replay, f"the window stalled {max(gaps):.2f} s of {replay:.2f} s"
    preview.reject()


class _TillPrinter:
    """A printer as the print dialog leaves it (this machine has no real printer)."""

    def __init__(self, name: str, output: QPrinter.OutputFormat) -> None:
        self.name, self.output = name, output

    def printerName(self) -> str:
        return self.name

    def outputFormat(self) -> QPrinter.OutputFormat:
        return self.output


def test_the_printer_printed_to_is_offered_first_next_time_while_it_is_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    remember_printer(_TillPrinter("Back office laser", QPrinter.OutputFormat.NativeFormat))  # type: ignore[arg-type]
    assert load_settings().default_printer == "Back office laser"
    monkeypatch.setattr(
        print_preview.QPrinterInfo, "availablePrinterNames", lambda: ["Back office laser"]
    )
    assert print_preview.remembered_printer() == "Back office laser"
    monkeypatch.setattr(print_preview.QPrinterInfo, "availablePrinterNames", lambda: ["Other"])
    assert print_preview.remembered_printer() == ""  # gone: the system's default instead
