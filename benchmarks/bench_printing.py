"""Printed documents (issue 12, part 3): how long laying a document out and writing its PDF
takes, by size, and how long the window stalls meanwhile.

    uv run python -m benchmarks.bench_printing [--rows 100,1000,3000] [--stall-rows 2000]

A pick list of N lines (built in memory: the SQL read is not what is measured) is laid out
for a PDF in this process, offscreen; the time is split into the HTML, Qt's layout for the
page, and painting the pages.

Then the stall: a ``QApplication`` with a 10 ms ``QTimer`` (its slot in Python, as the
window's are) while a thread records the pages of a ``--stall-rows`` pick list, as the print
preview does: in this process (``app.printing.pages.record_text``: the old way) and through
``app.printing.record_pages`` (the layout process: the way now), and while a thread saves it
as PDF (``write_pdf``). The longest gap between ticks is the stall; also the ticks seen
against those due. Last, the preview's replay of the recorded pages on the GUI thread, with
and without the window painting between pages. Prints figures; never fails.
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSizeF, QTimer
from PySide6.QtGui import QPdfWriter
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from app.printing import (
    page_layout,
    paint_document,
    record_pages,
    replay_pages,
    text_document,
    write_pdf,
)
from app.printing.pages import record_text
from app.services.documents import PickList, PickRow
from app.services.documents.html import render_html
from app.services.shop_settings import ShopIdentity


def pick_list(rows: int) -> PickList:
    return PickList(
        ShopIdentity(name="Corner Shop", address="1 High Street"),
        tuple(
            PickRow("SHOP", f"SKU-{n:05}", f"Product {n}", 1 + n % 3, f"SO-{n // 3:05}", "Ann")
            for n in range(rows)
        ),
        date(2026, 12, 5),
    )


def measure(rows: int, folder: Path) -> tuple[float, float, float, int]:
    """Seconds for the HTML, the layout and the painting; and the pages."""
    document = pick_list(rows)
    started = time.perf_counter()
    render_html(document)
    html = time.perf_counter() - started
    started = time.perf_counter()
    text = text_document(document)
    writer = QPdfWriter(str(folder / f"picks-{rows}.pdf"))
    writer.setResolution(300)
    writer.setPageLayout(page_layout())
    text.documentLayout().setPaintDevice(writer)
    text.setPageSize(QSizeF(writer.pageLayout().paintRectPixels(300).size()))
    text.pageCount()
    layout = time.perf_counter() - started
    started = time.perf_counter()
    pages = paint_document(text, writer)
    paint = time.perf_counter() - started
    return html, layout, paint, pages


TICK_S = 0.010


def stall(application: QApplication, work: Callable[[], object], *, thread: bool) -> str:
    """Run ``work`` on a thread (or on the GUI thread) while a 10 ms timer ticks; say how
    long it took, the longest gap between ticks and the ticks seen of those due."""
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(round(TICK_S * 1000))
    span: list[float] = []

    def run() -> None:
        span.append(time.perf_counter())
        work()
        span.append(time.perf_counter())

    if thread:
        worker = threading.Thread(target=run)
        worker.start()
        while worker.is_alive():
            application.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        worker.join()
    else:
        QTimer.singleShot(50, run)
        while len(span) < 2:
            application.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    timer.stop()
    seconds = span[1] - span[0]
    during = [t for t in ticks if span[0] <= t <= span[1]]
    gaps = [later - earlier for earlier, later in itertools.pairwise([span[0], *during, span[1]])]
    due = int(seconds / TICK_S)
    return f"{seconds:6.2f} s  longest stall {max(gaps):6.3f} s  ticks {len(during)}/{due}"


def stalls(application: QApplication, rows: int, folder: Path) -> None:
    document = pick_list(rows)
    print(f"\nThe window's 10 ms clock while a {rows:,}-line pick list is laid out:")
    here = stall(
        application,
        lambda: record_text(text_document(document), page_layout()),
        thread=True,
    )
    print(f"  recorded on a thread, in this process (before)  {here}")
    recorded = []
    elsewhere = stall(application, lambda: recorded.append(record_pages(document)), thread=True)
    print(f"  recorded by the layout process (now)            {elsewhere}")
    saved = stall(application, lambda: write_pdf(document, folder / "saved.pdf"), thread=True)
    print(f"  Save as PDF on a thread (the layout process)    {saved}")

    def replay(between: Callable[[], object] | None) -> Callable[[], object]:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(folder / "replayed.pdf"))
        printer.setPageLayout(page_layout())
        return lambda: replay_pages(recorded[0], printer, between)

    pages = len(recorded[0].pages)
    one_go = stall(application, replay(None), thread=False)
    painting = stall(application, replay(keep_painting), thread=False)
    print(f"The preview's replay of the {pages} pages, on the GUI thread:")
    print(f"  in one go (before)                              {one_go}")
    print(f"  the window painting between pages (now)         {painting}")


def keep_painting() -> None:
    """What the preview does between two replayed pages (``print_preview._keep_painting``)."""
    QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", default="1,100,1000,3000")
    parser.add_argument("--stall-rows", type=int, default=2000)
    args = parser.parse_args()
    application = QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        print(f"{'lines':>6} {'pages':>5} {'html s':>7} {'layout s':>8} {'paint s':>8}")
        for rows in (int(n) for n in args.rows.split(",")):
            html, layout, paint, pages = measure(rows, Path(folder))
            print(f"{rows:>6} {pages:>5} {html:>7.3f} {layout:>8.2f} {paint:>8.2f}")
        if args.stall_rows:
            stalls(application, args.stall_rows, Path(folder))


if __name__ == "__main__":
    main()
