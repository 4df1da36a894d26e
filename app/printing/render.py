"""Lay a document's HTML out on pages and paint them on any paged device (PDF or printer)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QFont,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
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


def paint_document(text: QTextDocument, device: QPagedPaintDevice) -> int:
    """Paint ``text`` on ``device`` page by page, "Page n of N" at each foot; returns N.

    The layout is made for the device (its resolution), so a 10-point font is 10 points on
    a PDF and on a 600 dpi printer alike."""
    text.documentLayout().setPaintDevice(device)
    dpi = device.logicalDpiY()
    page = device.pageLayout().paintRectPixels(dpi)
    footer_font = QFont(text.defaultFont())
    footer_font.setPointSizeF(8)
    footer = dpi * 0.35  # a quarter inch and a bit, under the body
    body = QSizeF(page.width(), page.height() - footer)
    text.setPageSize(body)
    pages = text.pageCount()
    painter = QPainter()
    if not painter.begin(device):
        raise InvalidInput("The document could not be started on the printer or file")
    try:
        for number in range(pages):
            if number:
                device.newPage()
            top = number * body.height()
            painter.save()
            painter.translate(0, -top)
            text.drawContents(painter, QRectF(0, top, body.width(), body.height()))
            painter.restore()
            painter.setFont(footer_font)
            painter.drawText(
                QRectF(0, body.height(), body.width(), footer),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom),
                f"Page {number + 1} of {pages}",
            )
    finally:
        painter.end()
    return pages


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
