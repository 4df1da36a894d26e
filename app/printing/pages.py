"""HTML laid out by Qt's rich text on pages and painted, or recorded to be replayed, page by
page with "Page n of N" at each foot.

Qt and nothing else of the app: the layout process (:mod:`app.printing.process`) imports this
module and must start in a fraction of a second, without SQLAlchemy or Babel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QFont,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPdfWriter,
    QPicture,
    QTextDocument,
)

#: Where the printed page's ``<img>`` finds the shop's logo (added as a document resource, so
#: the image is not decoded from base64 text on every page).
LOGO_URL = "shopkeeper-logo"
#: Body text size on paper (points).
BODY_POINTS = 10
#: Characters laid out per call (see cut).
LAYOUT_STEP = 2000
#: The resolution pages are recorded at (:func:`record_text`): a printer's.
RECORD_DPI = 1200


def html_document(html: str, logo: bytes | None = None, font: QFont | None = None) -> QTextDocument:
    """``html`` as Qt rich text in ``font`` at :data:`BODY_POINTS`; ``logo`` (image bytes) is
    the document's resource :data:`LOGO_URL`."""
    text = QTextDocument()
    base = QFont(font) if font is not None else QFont()
    base.setPointSizeF(BODY_POINTS)
    text.setDefaultFont(base)
    if logo is not None:
        image = QImage.fromData(logo)
        if not image.isNull():
            text.addResource(QTextDocument.ResourceType.ImageResource, QUrl(LOGO_URL), image)
    text.setHtml(html)
    return text


@dataclass(frozen=True)
class _Pages:
    """How a laid-out document is cut into pages on one device."""

    body: QSizeF  #: the text's part of a page (device pixels)
    footer: float  #: the height under it that holds "Page n of N"
    count: int
    #: 8 points as pixels of the layout's device: a size in points would be taken in the
    #: resolution of whatever is painted on (a recording's differs from the printer's)
    footer_font: QFont


def _cut(text: QTextDocument, device: QPagedPaintDevice) -> _Pages:
    """Lay ``text`` out for ``device`` (its resolution, its page) and count the pages."""
    text.documentLayout().setPaintDevice(device)
    dpi = device.logicalDpiY()
    page = device.pageLayout().paintRectPixels(dpi)
    footer = dpi * 0.35  # a quarter inch and a bit, under the body
    body = QSizeF(page.width(), page.height() - footer)
    text.setPageSize(body)
    # Laid out a slice at a time rather than in one call that takes seconds on a long pick
    # list: a small document laid out on a thread of the window's process (PySide keeps
    # Python's GIL during a Qt call) then stalls the window for a slice at most.
    layout = text.documentLayout()
    for position in range(0, text.characterCount(), LAYOUT_STEP):
        layout.blockBoundingRect(text.findBlock(position))
    small = QFont(text.defaultFont())
    small.setPixelSize(round(8 * dpi / 72))  # 8 points, in the layout's own pixels
    return _Pages(body, footer, text.pageCount(), small)


def _paint_page(painter: QPainter, text: QTextDocument, pages: _Pages, number: int) -> None:
    top = number * pages.body.height()
    painter.save()
    painter.translate(0, -top)
    text.drawContents(painter, QRectF(0, top, pages.body.width(), pages.body.height()))
    painter.restore()
    painter.setFont(pages.footer_font)
    painter.drawText(
        QRectF(0, pages.body.height(), pages.body.width(), pages.footer),
        int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom),
        f"Page {number + 1} of {pages.count}",
    )


def _begin(painter: QPainter, device: QPaintDevice) -> None:
    if not painter.begin(device):
        # Imported here: app.domain brings SQLAlchemy, which the layout process never needs.
        from app.domain.errors import InvalidInput

        raise InvalidInput("The document could not be started on the printer or file")


def paint_text(text: QTextDocument, device: QPagedPaintDevice) -> int:
    """Paint ``text`` on ``device`` page by page, "Page n of N" at each foot; returns N.

    The layout is made for the device (its resolution), so a 10-point font is 10 points on
    a PDF and on a 600 dpi printer alike."""
    pages = _cut(text, device)
    painter = QPainter()
    _begin(painter, device)
    try:
        for number in range(pages.count):
            if number:
                device.newPage()
            _paint_page(painter, text, pages, number)
    finally:
        painter.end()
    return pages.count


@dataclass(frozen=True)
class RecordedPages:
    """A document laid out and painted once, page by page, to be replayed on a printer.

    Made by :func:`record_text` on any thread or in the layout process (the slow part: Qt's
    layout of thousands of lines takes seconds); :func:`replay_pages` then paints on the GUI
    thread in a fraction of the time. Text stays text."""

    pages: tuple[QPicture, ...]
    layout: QPageLayout
    dpi: int  #: the resolution the pages were laid out for


def pdf_writer(path: str, title: str, layout: QPageLayout) -> QPdfWriter:
    """A PDF file at ``path`` for pages of ``layout``, at 300 dpi (the text stays text)."""
    writer = QPdfWriter(path)
    writer.setResolution(300)
    writer.setTitle(title)
    writer.setCreator("Shopkeeper")
    writer.setPageLayout(layout)
    return writer


def record_text(text: QTextDocument, layout: QPageLayout) -> RecordedPages:
    """Lay ``text`` out on pages of ``layout`` at :data:`RECORD_DPI` and record each page."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)  # only measures: nothing is painted on it
    writer.setResolution(RECORD_DPI)
    writer.setPageLayout(layout)
    pages = _cut(text, writer)
    recorded = []
    painter = QPainter()
    for number in range(pages.count):
        picture = QPicture()
        _begin(painter, picture)
        try:
            _paint_page(painter, text, pages, number)
        finally:
            painter.end()
        recorded.append(picture)
    result = RecordedPages(tuple(recorded), writer.pageLayout(), RECORD_DPI)
    del writer  # Qt objects of this thread go with it
    buffer.close()
    return result


def replay_pages(
    recorded: RecordedPages,
    device: QPagedPaintDevice,
    between_pages: Callable[[], object] | None = None,
) -> int | None:
    """Paint recorded pages on ``device``; returns the pages, or None (nothing painted) when
    its page differs from the one they were laid out for (the clerk chose another paper or
    orientation): then the document must be laid out again for it. ``between_pages`` is
    called after each page (the window's preview lets itself repaint there)."""
    if not device.pageLayout().isEquivalentTo(recorded.layout):
        return None
    painter = QPainter()
    _begin(painter, device)
    try:
        for number, picture in enumerate(recorded.pages):
            if number:
                device.newPage()
            # A picture replays scaled by the device's resolution over its own; its
            # commands are in pixels of the resolution the pages were laid out for.
            scale = picture.logicalDpiY() / recorded.dpi
            painter.save()
            painter.scale(scale, scale)
            painter.drawPicture(0, 0, picture)
            painter.restore()
            if between_pages is not None:
                between_pages()
    finally:
        painter.end()
    return len(recorded.pages)


#: A page layout as plain data, to hand to another process: the page size (its definition
#: size, unit and id), the orientation and the margins in millimetres.
LayoutSpec = tuple[float, float, int, int, int, tuple[float, float, float, float]]


def layout_spec(layout: QPageLayout) -> LayoutSpec:
    """``layout`` as plain data (see :func:`page_layout_of`)."""
    size = layout.pageSize()
    definition = size.definitionSize()
    margins = layout.margins(QPageLayout.Unit.Millimeter)
    return (
        definition.width(),
        definition.height(),
        size.definitionUnits().value,
        size.id().value,
        layout.orientation().value,
        (margins.left(), margins.top(), margins.right(), margins.bottom()),
    )


def page_layout_of(spec: LayoutSpec) -> QPageLayout:
    """The page layout that :func:`layout_spec` made ``spec`` of."""
    width, height, unit, size_id, orientation, margins = spec
    page_id = QPageSize.PageSizeId(size_id)
    size = (
        QPageSize(page_id)
        if page_id is not QPageSize.PageSizeId.Custom
        else QPageSize(QSizeF(width, height), QPageSize.Unit(unit))
    )
    return QPageLayout(
        size,
        QPageLayout.Orientation(orientation),
        QMarginsF(*margins),
        QPageLayout.Unit.Millimeter,
    )
