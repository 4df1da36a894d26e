"""The Reports tab: each report's chart and table, re-read on a new range or a change to the
shop, exported as CSV and PDF, read off the GUI thread."""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, QTimer
from pytestqt.qtbot import QtBot

from app.db import Database
from app.services.changes import Area, Changes
from app.services.ordering import LineRequest, place_order
from app.services.reports.tables import REPORTS, ReportTable, run_report
from app.ui import events
from app.ui.models.report_model import ReportTableModel, report_cell_text
from app.ui.tabs import reports_tab
from app.ui.tabs.reports_tab import ReportsTab
from tests.services.shop import add_stock, make_shop
from tests.ui.shop_data import open_window


def place(database: Database, customer: str, sku: str, qty: int, ref: str, days_ago: int) -> None:
    with database.write() as session:
        place_order(
            session,
            customer,
            [LineRequest(sku, qty)],
            ref=ref,
            placed_at=datetime.now(UTC) - timedelta(days=days_ago, minutes=5),
        )


@pytest.fixture
def shop(sqlite_db: Database) -> Database:
    """Ordered a few minutes ago: 3 of ANN's 5 widgets wait (2 in stock), BOB's 4 gadgets."""
    make_shop(sqlite_db)
    add_stock(sqlite_db, "WIDGET", 2)
    place(sqlite_db, "ANN", "WIDGET", 5, "SO-1", 0)
    place(sqlite_db, "BOB", "GADGET", 4, "SO-2", 0)
    return sqlite_db


@pytest.fixture
def tab(qtbot: QtBot, shop: Database) -> ReportsTab:
    widget = ReportsTab(shop)
    qtbot.addWidget(widget)
    widget.resize(1000, 640)
    widget.show()
    qtbot.waitExposed(widget)
    wait_for_report(qtbot, widget)
    return widget


def wait_for_report(qtbot: QtBot, tab: ReportsTab) -> None:
    qtbot.waitUntil(lambda: not tab.reading and tab.report is not None, timeout=10000)


def expected(database: Database, name: str, start: date, end: date) -> ReportTable:
    with database.read() as session:
        return run_report(session, name, start, end)


def shown_rows(model: ReportTableModel) -> list[list[str]]:
    return [
        [str(model.index(row, column).data()) for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]


def test_picking_each_report_shows_its_chart_and_rows(
    qtbot: QtBot, tab: ReportsTab, shop: Database
) -> None:
    start, end = tab.date_range()
    assert (end - start).days == reports_tab.DEFAULT_DAYS - 1
    for index, name in enumerate(REPORTS):
        tab.picker.setCurrentIndex(index)
        wait_for_report(qtbot, tab)
        assert tab.report is not None and tab.report.name == name
        report = expected(shop, name, start, end)
        assert tab.chart.shown == report.chart
        assert tab.summary.text() == report.summary
        assert shown_rows(tab.model) == [
            [report_cell_text(c, n) for c, n in zip(r, report.columns, strict=True)]
            for r in report.rows
        ]
        assert tab.start_edit.isEnabled() == REPORTS[name].uses_start
    tab.picker.setCurrentIndex(list(REPORTS).index("aging"))
    wait_for_report(qtbot, tab)
    # Aging today: 3 widgets and 4 gadgets wait, both orders 0 days old.
    assert shown_rows(tab.model)[0] == ["0-3", "7", "2", "2"]
    assert tab.summary.text().startswith("7 units waiting on 2 orders on ")


def test_a_new_range_reads_the_report_again(qtbot: QtBot, tab: ReportsTab) -> None:
    tab.picker.setCurrentIndex(list(REPORTS).index("fill-rate"))
    wait_for_report(qtbot, tab)
    assert tab.model.rowCount() == 30  # a day each
    end = tab.end_edit.date()
    tab.start_edit.setDate(end.addDays(-6))
    qtbot.waitUntil(lambda: tab.model.rowCount() == 7, timeout=5000)
    assert tab.report is not None and (tab.report.end - tab.report.start).days == 6
    # A range that ends before it starts is said, not read.
    tab.start_edit.setDate(end.addDays(3))
    qtbot.waitUntil(lambda: "before it starts" in tab.status.text(), timeout=5000)
    assert not tab.reading and tab.model.rowCount() == 7


def test_a_change_to_the_shop_reads_the_report_on_show_again(
    qtbot: QtBot, tab: ReportsTab, shop: Database
) -> None:
    tab.picker.setCurrentIndex(list(REPORTS).index("aging"))
    wait_for_report(qtbot, tab)
    tab.end_edit.setDate(QDate.currentDate().addDays(1))
    wait_for_report(qtbot, tab)
    place(shop, "CAT", "GADGET", 2, "SO-3", 40)  # waiting for over 30 days
    events.bus().data_changed.emit(Changes.of(Area.ORDERS))
    qtbot.waitUntil(lambda: shown_rows(tab.model)[-1] == [">30", "2", "1", "1"], timeout=5000)
    events.bus().data_changed.emit(Changes.of(Area.CATALOG))  # no figure of a report moved
    assert not tab.reading


def test_csv_export_writes_the_rows_with_formulas_neutralised(
    qtbot: QtBot, tab: ReportsTab, shop: Database, tmp_path: Path
) -> None:
    with shop.write() as session:
        from app.services.cancelling import cancel_line

        cancel_line(session, "SO-2", 1, "=HYPERLINK(1)")
    tab.picker.setCurrentIndex(list(REPORTS).index("lost-demand"))
    wait_for_report(qtbot, tab)
    target = tmp_path / "lost.csv"
    with qtbot.waitSignal(tab.message) as said:
        tab.export_csv(target)
    assert said.args == [f"Exported 1 row to {target}"]
    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["sku", "name", "reason", "units", "lines"],
        ["GADGET", "Gadget", "'=HYPERLINK(1)", "4", "1"],
    ]


def test_pdf_export_holds_the_title_the_figures_and_the_table(
    qtbot: QtBot, tab: ReportsTab, tmp_path: Path
) -> None:
    tab.picker.setCurrentIndex(list(REPORTS).index("top-skus"))
    wait_for_report(qtbot, tab)
    folder = tmp_path / "exports"
    folder.mkdir()
    target = folder / "top.pdf"
    with qtbot.waitSignal(tab.message):
        tab.export_pdf(target)
    # Qt writes a word per text run: compare words, whatever the spacing between them.
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(target).pages)
    assert text.startswith("Most backordered products ")
    assert "Top 2 by units that could not be served from stock when ordered" in text
    assert text.endswith(
        "SKU Name Units backordered Lines backordered Units waiting now"
        " GADGET Gadget 4 1 4 WIDGET Widget 3 1 3"
    )
    assert [p.name for p in folder.iterdir()] == ["top.pdf"]  # no temporary file left


def test_an_export_to_a_folder_is_refused_in_plain_words(
    qtbot: QtBot, tab: ReportsTab, tmp_path: Path
) -> None:
    with qtbot.waitSignal(tab.message) as said:
        tab.export_pdf(tmp_path)
    assert "it is a folder" in said.args[0]


def test_the_window_stays_responsive_while_a_report_reads(
    qtbot: QtBot, tab: ReportsTab, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    slow_read: Callable[..., ReportTable] = reports_tab.read_report

    def held(*args: object) -> ReportTable:
        release.wait(10)
        return slow_read(*args)

    monkeypatch.setattr(reports_tab, "read_report", held)
    ticks: list[int] = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    tab.picker.setCurrentIndex(list(REPORTS).index("wait"))
    assert tab.status.text() == "Reading…"
    assert not tab.csv_button.isEnabled() and not tab.pdf_button.isEnabled()
    qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=5000)  # events flow meanwhile
    assert tab.reading
    release.set()
    wait_for_report(qtbot, tab)
    timer.stop()
    assert tab.report is not None and tab.report.name == "wait"
    assert tab.csv_button.isEnabled() and tab.pdf_button.isEnabled()


def test_report_model_passes_the_model_tester(qtmodeltester: Any, tab: ReportsTab) -> None:
    qtmodeltester.check(tab.model)


def test_the_main_window_has_a_reports_tab_that_refreshes_like_the_others(
    qtbot: QtBot, shop: Database
) -> None:
    window = open_window(qtbot, shop)
    window.menus.action("reportsTabGoAction").trigger()
    assert window.tabs.currentWidget() is window.reports_tab
    wait_for_report(qtbot, window.reports_tab)
    window.refresh()
    wait_for_report(qtbot, window.reports_tab)
    assert window.reports_tab.model.rowCount() == 5
