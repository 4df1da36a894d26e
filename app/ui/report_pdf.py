"""A report as a PDF page: its title, range and headline figures, the chart, and the table
beneath (continued on further pages, its header repeated).

Drawn with QPainter on a QPdfWriter (text stays text: searchable and copyable). The chart is
built again from the report's description at the page's size, so the PDF does not depend on
the size of the window. Written through ``exporting.replacing_file``: whole or not at all.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCharts import QChart
from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QGraphicsScene

from app.domain.errors import InvalidInput
from app.services.exporting import replacing_file
from app.services.formatting import day, day_range
from app.services.reports.tables import ReportKind, ReportTable
from app.ui.charts import build_chart
from app.ui.models.report_model import column_title, report_cell_text

#: Rows the PDF's table holds at most (a long lost-demand list belongs in the CSV).
MAX_PDF_ROWS = 200
#: How much larger than its place on the page the chart is laid out (see _paint_chart).
CHART_SCALE = 1.3
#: Drawing units per inch (points), whatever the printer's resolution.
DPI = 72


def range_text(report: ReportTable, kind: ReportKind) -> str:
    """The range as the report uses it: "As of Dec 5, 2026" for aging, else the range."""
    if not kind.uses_start:
        return f"As of {day(report.end)}"
    return day_range(report.start, report.end)


def write_report_pdf(report: ReportTable, kind: ReportKind, path: Path, font: QFont) -> int:
    """Write ``report`` to ``path`` as an A4 landscape PDF; returns the table rows written."""
    with replacing_file(path) as temp:
        writer = QPdfWriter(str(temp))
        writer.setResolution(DPI)
        writer.setTitle(f"{report.title} — Shopkeeper")
        writer.setCreator("Shopkeeper")
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Landscape,
                QMarginsF(15, 15, 15, 15),
                QPageLayout.Unit.Millimeter,
            )
        )
        painter = QPainter()
        if not painter.begin(writer):
            raise InvalidInput(f"Cannot write {path}: the PDF could not be started")
        try:
            return _paint(painter, writer, report, kind, font)
        finally:
            painter.end()


def _paint(
    painter: QPainter, writer: QPdfWriter, report: ReportTable, kind: ReportKind, base: QFont
) -> int:
    page = QRectF(writer.pageLayout().paintRectPixels(DPI))
    page.moveTo(0, 0)
    title_font = QFont(base)
    title_font.setPointSizeF(16)
    title_font.setBold(True)
    body = QFont(base)
    body.setPointSizeF(9)
    bold = QFont(body)
    bold.setBold(True)

    y = 0.0
    painter.setFont(title_font)
    line = QFontMetricsF(title_font).height()
    painter.drawText(QRectF(0, y, page.width(), line), report.title)
    y += line + 2
    painter.setFont(body)
    line = QFontMetricsF(body).height()
    for text in (range_text(report, kind), report.summary):
        painter.drawText(QRectF(0, y, page.width(), line), text)
        y += line
    y += 6

    chart_height = page.height() * 0.45
    _paint_chart(painter, report, QRectF(0, y, page.width(), chart_height), body)
    y += chart_height + 10

    rows = report.rows[:MAX_PDF_ROWS]
    cells = [
        [report_cell_text(c, n) for c, n in zip(row, report.columns, strict=True)] for row in rows
    ]
    headers = [column_title(c) for c in report.columns]
    widths = _column_widths(headers, cells, QFontMetricsF(body), QFontMetricsF(bold), page.width())
    numeric = [
        any(isinstance(row[n], int | float) for row in rows) for n in range(len(report.columns))
    ]
    row_height = line + 4

    def header(top: float) -> float:
        painter.setFont(bold)
        _paint_row(painter, headers, widths, numeric, top, row_height)
        painter.drawLine(0, int(top + row_height), int(page.width()), int(top + row_height))
        painter.setFont(body)
        return top + row_height + 2

    y = header(y)
    for row in cells:
        if y + row_height > page.height():
            writer.newPage()
            y = header(0.0)
        _paint_row(painter, row, widths, numeric, y, row_height)
        y += row_height
    if len(report.rows) > len(rows):
        more = len(report.rows) - len(rows)
        painter.drawText(
            QRectF(0, y + 4, page.width(), line),
            f"… and {more:,} more rows: the CSV export holds them all.",
        )
    return len(rows)


def _paint_chart(painter: QPainter, report: ReportTable, area: QRectF, font: QFont) -> None:
    """The chart laid out larger than the area, then scaled down into it: its fonts are
    sized for the screen, and a page point is larger than a screen pixel."""
    chart: QChart = build_chart(report.chart, font)
    scene = QGraphicsScene()
    scene.addItem(chart)
    laid_out = QRectF(0, 0, area.width() * CHART_SCALE, area.height() * CHART_SCALE)
    chart.resize(laid_out.size())
    scene.setSceneRect(laid_out)
    scene.render(painter, area, laid_out)
    scene.removeItem(chart)
    chart.deleteLater()


def _column_widths(
    headers: list[str],
    cells: list[list[str]],
    metrics: QFontMetricsF,
    header_metrics: QFontMetricsF,
    total: float,
) -> list[float]:
    """Each column as wide as its widest cell (plus air), scaled down to fit the page."""
    widths = [
        max(
            [header_metrics.horizontalAdvance(h), *(metrics.horizontalAdvance(r[n]) for r in cells)]
        )
        + 16
        for n, h in enumerate(headers)
    ]
    scale = min(1.0, total / sum(widths)) if widths else 1.0
    return [w * scale for w in widths]


def _paint_row(
    painter: QPainter,
    texts: list[str],
    widths: list[float],
    numeric: list[bool],
    top: float,
    height: float,
) -> None:
    x = 0.0
    for text, width, number in zip(texts, widths, numeric, strict=True):
        align = Qt.AlignmentFlag.AlignRight if number else Qt.AlignmentFlag.AlignLeft
        painter.drawText(
            QRectF(x + 4, top, width - 8, height),
            int(align | Qt.AlignmentFlag.AlignVCenter),
            text,
        )
        x += width
