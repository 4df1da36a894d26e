"""Printed documents (issue 12, part 3): how long laying a document out and writing its PDF
takes, by size.

    uv run python -m benchmarks.bench_printing [--rows 100,1000,3000]

A pick list of N lines (built in memory: the SQL read is not what is measured) is written as
a PDF by ``app.printing.write_pdf``, offscreen; the time is split into the HTML, Qt's layout
for the page, and painting the pages. A one-page packing slip is timed too. Prints figures;
never fails.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSizeF
from PySide6.QtGui import QGuiApplication, QPdfWriter

from app.printing import page_layout, paint_document, text_document
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", default="1,100,1000,3000")
    args = parser.parse_args()
    _application = QGuiApplication([])
    with tempfile.TemporaryDirectory() as folder:
        print(f"{'lines':>6} {'pages':>5} {'html s':>7} {'layout s':>8} {'paint s':>8}")
        for rows in (int(n) for n in args.rows.split(",")):
            html, layout, paint, pages = measure(rows, Path(folder))
            print(f"{rows:>6} {pages:>5} {html:>7.3f} {layout:>8.2f} {paint:>8.2f}")


if __name__ == "__main__":
    main()
