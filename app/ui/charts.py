"""A report's chart (``app.services.reports.tables.Chart``) drawn with Qt Charts.

Qt Charts (PySide6-Addons) was chosen over pyqtgraph and matplotlib (figures in
docs/DEVELOPING.md): it imports in milliseconds, adds 13 MB to the installer, draws with the
window's own fonts, and renders the same chart into a PDF page through ``QChartView.render``.

Colours are the Okabe-Ito palette, which stays distinct for the common kinds of colour
blindness; the lines also differ by pen style and point shape, so no figure is told apart
by colour alone.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_skeleton
from PySide6.QtCharts import (
    QAbstractAxis,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

from app.services.formatting import current_locale
from app.services.reports.tables import Chart, ChartKind
from app.ui.models.report_model import month_text

#: Okabe-Ito: blue, orange, bluish green, vermilion, sky blue, reddish purple.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7")
LINE_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine)
#: Most categories a horizontal bar chart shows (the table beneath has every row).
MAX_BARS = 15
#: Most period labels under a line chart (every n-th period is labelled beyond it).
MAX_PERIOD_LABELS = 8


class ReportChartView(QChartView):
    """Shows one report's chart; :meth:`show_chart` replaces it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reportChart")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(180)
        self.shown: Chart | None = None
        self.setChart(_empty_chart())

    def show_chart(self, chart: Chart) -> None:
        old = self.chart()
        self.setChart(build_chart(chart, self.font()))
        old.deleteLater()
        self.shown = chart


def _empty_chart() -> QChart:
    chart = QChart()
    chart.setBackgroundVisible(False)
    chart.legend().hide()
    return chart


def build_chart(spec: Chart, font: QFont) -> QChart:
    """A QChart of ``spec``: bars, horizontal bars or lines, with titled axes."""
    chart = _empty_chart()
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    if spec.kind is ChartKind.LINES:
        _lines(chart, spec)
    else:
        _bars(chart, spec)
    if not any(value for series in spec.series for value in series.values):
        chart.setTitle("Nothing to show in this range")  # not an empty frame to puzzle over
        chart.setTitleFont(font)
    legend = chart.legend()
    legend.setVisible(len(spec.series) > 1)
    legend.setAlignment(Qt.AlignmentFlag.AlignTop)
    legend.setFont(font)
    for axis in chart.axes():
        axis.setLabelsFont(font)
        title = QFont(font)
        title.setBold(True)
        axis.setTitleFont(title)
        axis.setGridLineColor(QColor(225, 225, 230))
    return chart


def _value_axis(spec: Chart, values: list[float]) -> QValueAxis:
    axis = QValueAxis()
    axis.setTitleText(spec.value_axis)
    if spec.percent:
        axis.setRange(0, 100)
        axis.setLabelFormat("%.0f%%")
        axis.setTickCount(6)
    else:
        top = max([0.0, *values])
        if top <= 10:
            # Whole-number ticks for small counts (nice numbers would give 0.2 steps).
            axis.setRange(0, 5 if top <= 5 else 10)
            axis.setTickCount(6)
        else:
            # A little headroom: the tallest bar reaching the frame looks cut off.
            axis.setRange(0, top * 1.08)
            axis.applyNiceNumbers()
        axis.setLabelFormat("%.0f")
    return axis


def _bars(chart: QChart, spec: Chart) -> None:
    horizontal = spec.kind is ChartKind.HORIZONTAL_BARS
    categories = list(spec.categories[:MAX_BARS] if horizontal else spec.categories)
    series: QBarSeries | QHorizontalBarSeries = (
        QHorizontalBarSeries() if horizontal else QBarSeries()
    )
    values: list[float] = []
    for number, data in enumerate(spec.series):
        bar_set = QBarSet(data.name)
        shown = [v or 0.0 for v in data.values[: len(categories)]]
        if horizontal:
            shown.reverse()  # the largest at the top
        bar_set.append(shown)
        bar_set.setColor(QColor(PALETTE[number % len(PALETTE)]))
        bar_set.setBorderColor(QColor(PALETTE[number % len(PALETTE)]))
        series.append(bar_set)
        values.extend(shown)
    series.setBarWidth(0.7)
    chart.addSeries(series)
    category_axis = QBarCategoryAxis()
    category_axis.append(list(reversed(categories)) if horizontal else categories)
    category_axis.setTitleText(spec.category_axis)
    category_axis.setTruncateLabels(False)  # a SKU or a reason in full, never "…"
    value_axis = _value_axis(spec, values)
    _attach(
        chart,
        series,
        category_axis,
        value_axis,
        Qt.AlignmentFlag.AlignLeft if horizontal else Qt.AlignmentFlag.AlignBottom,
        Qt.AlignmentFlag.AlignBottom if horizontal else Qt.AlignmentFlag.AlignLeft,
    )


def _lines(chart: QChart, spec: Chart) -> None:
    days = [date.fromisoformat(text) for text in spec.categories]
    moments = list(range(len(days)))  # one step per period, labelled by the period
    every: list[float] = []
    added: list[QLineSeries] = []
    for number, data in enumerate(spec.series):
        pen = QPen(QColor(PALETTE[number % len(PALETTE)]), 2.5)
        pen.setStyle(LINE_STYLES[number % len(LINE_STYLES)])
        # A period without orders has no rate: the line stops there rather than drawing a
        # trend across it, one series per unbroken run (one legend entry per figure).
        runs: list[list[tuple[float, float]]] = [[]]
        for moment, value in zip(moments, data.values, strict=True):
            if value is None:
                if runs[-1]:
                    runs.append([])
            else:
                runs[-1].append((float(moment), value))
                every.append(value)
        for run_number, run in enumerate(run for run in runs if run):
            line = QLineSeries()
            line.setName(data.name)
            line.setPen(pen)
            line.setColor(pen.color())
            line.setPointsVisible(len(days) <= 40 or len(run) == 1)
            for x, y in run:
                line.append(x, y)
            chart.addSeries(line)
            added.append(line)
            if run_number:
                for marker in chart.legend().markers(line):
                    marker.setVisible(False)
    time_axis = _period_axis(days, monthly="month" in spec.category_axis)
    time_axis.setTitleText(spec.category_axis)
    value_axis = _value_axis(spec, every)
    chart.addAxis(time_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(value_axis, Qt.AlignmentFlag.AlignLeft)
    for line in added:
        line.attachAxis(time_axis)
        line.attachAxis(value_axis)


def _period_axis(days: list[date], *, monthly: bool) -> QCategoryAxis:
    """Labels on the periods themselves ("Mar 2026", "16 Nov"), at most ~8 of them, rather
    than evenly spaced times that fall between periods."""
    axis = QCategoryAxis()
    axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    axis.setRange(-0.5, max(len(days), 1) - 0.5)
    step = max(1, -(-len(days) // MAX_PERIOD_LABELS))
    for index in range(0, len(days), step):
        day = days[index]
        label = (
            month_text(day) if monthly else format_skeleton("MMMd", day, locale=current_locale())
        )
        axis.append(str(label), index)
    return axis


def _attach(
    chart: QChart,
    series: QBarSeries | QHorizontalBarSeries,
    category_axis: QAbstractAxis,
    value_axis: QAbstractAxis,
    category_side: Qt.AlignmentFlag,
    value_side: Qt.AlignmentFlag,
) -> None:
    chart.addAxis(category_axis, category_side)
    chart.addAxis(value_axis, value_side)
    series.attachAxis(category_axis)
    series.attachAxis(value_axis)
