"""Lay a document's HTML out on pages and paint them on any paged device (PDF or printer)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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

from app.domain.errors import InvalidInput
from app.services.documents import Document
from app.services.documents.html import render_html
from app.services.exporting import replacing_file
from app.services.formatting import current_locale

#: Where the printed page's ``<img>`` finds the shop's logo (added as a document resource, so
#: the image is not decoded from base64 text on every page).
LOGO_URL = "shopkeeper-logo"
#: Countries whose paper is US Letter; the rest of the world uses A4.
LETTER_TERRITORIES = frozenset(
    {"US", "CA", "MX", "PH", "CL", "CO", "VE", "GT", "CR", "PA", "DO", "PR", "SV", "NI", "BZ"}
)
#: Body text size on paper (points).
BODY_POINTS = 10
MARGIN_MM = 15
#: Characters laid out per call (see _cut).
LAYOUT_STEP = 2000
#: The resolution pages are recorded at (:func:`record_pages`): a printer's.
RECORD_DPI = 1200


def paper_size(territory: str | None = None) -> QPageSize:
    """Letter or A4, by ``territory`` (default: that of the locale formatting uses)."""
    territory = territory if territory is not None else current_locale().territory
    letter = (territory or "").upper() in LETTER_TERRITORIES
    return QPageSize(QPageSize.PageSizeId.Letter if letter else QPageSize.PageSizeId.A4)


def page_layout(territory: str | None = None) -> QPageLayout:
    """Portrait pages of :func:`paper_size` with 15 mm margins."""
    return QPageLayout(
        paper_size(territory),
        QPageLayout.Orientation.Portrait,
        QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
        QPageLayout.Unit.Millimeter,
    )


def text_document(document: Document, font: QFont | None = None) -> QTextDocument:
    """``document`` as Qt rich text, its logo a resource of the document."""
    text = QTextDocument()
    base = QFont(font) if font is not None else QFont()
    base.setPointSizeF(BODY_POINTS)
    text.setDefaultFont(base)
    shop = document.shop
    if shop.logo is not None:
        image = QImage.fromData(shop.logo)
        if not image.isNull():
            text.addResource(QTextDocument.ResourceType.ImageResource, QUrl(LOGO_URL), image)
    text.setHtml(render_html(document, logo_src=LOGO_URL))
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
    # Laid out a slice at a time: one call for the whole document would hold Python's GIL
    # for seconds on a long pick list (PySide keeps it during a Qt call), stalling the window
    # while a thread lays the document out. Each slice takes a tenth of a second or so.
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
        raise InvalidInput("The document could not be started on the printer or file")


def paint_document(text: QTextDocument, device: QPagedPaintDevice) -> int:
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

    Made by :func:`record_pages` on any thread (the slow part: Qt's layout of thousands of
    lines takes seconds); :func:`replay_pages` then paints on the GUI thread in a fraction
    of the time. Text stays text."""

    pages: tuple[QPicture, ...]
    layout: QPageLayout
    dpi: int  #: the resolution the pages were laid out for


def record_pages(
    document: Document, font: QFont | None = None, layout: QPageLayout | None = None
) -> RecordedPages:
    """Lay ``document`` out (on :func:`page_layout` unless ``layout``) and record its pages."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)  # only measures: nothing is painted on it
    writer.setResolution(RECORD_DPI)
    writer.setPageLayout(layout or page_layout())
    text = text_document(document, font)
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
    del text, writer  # Qt objects of this thread go with it
    buffer.close()
    return result


def replay_pages(recorded: RecordedPages, device: QPagedPaintDevice) -> int | None:
    """Paint recorded pages on ``device``; returns the pages, or None (nothing painted) when
    its page differs from the one they were laid out for (the clerk chose another paper or
    orientation): then the document must be laid out again for it."""
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
    finally:
        painter.end()
    return len(recorded.pages)


def write_pdf(document: Document, path: Path, font: QFont | None = None) -> int:
    """Write ``document`` to ``path`` as a PDF (whole or not at all); returns its pages."""
    with replacing_file(path) as temp:
        writer = QPdfWriter(str(temp))
        writer.setResolution(300)
        writer.setTitle(f"{document.title} — {document.shop.name or 'Shopkeeper'}")
        writer.setCreator("Shopkeeper")
        writer.setPageLayout(page_layout())
        return paint_document(text_document(document, font), writer)


def write_html(document: Document, path: Path) -> None:
    """Write ``document`` to ``path`` as one self-contained HTML page (whole or not at all)."""
    with replacing_file(path) as temp:
        temp.write_text(render_html(document), encoding="utf-8")
