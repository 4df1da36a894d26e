"""A shop document on pages: its HTML laid out on a printer, a PDF, or recorded pages.

A long document is laid out in a process of its own (:mod:`app.printing.process`), whose
start must stay light: this module is imported with the package, so what it needs of
``app.services`` (SQLAlchemy, Babel) it imports where it is used.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QFont, QPagedPaintDevice, QPageLayout, QPageSize, QTextDocument

from app.printing.pages import (
    LOGO_URL,
    RecordedPages,
    html_document,
    paint_text,
    pdf_writer,
    record_text,
)
from app.printing.process import LayoutFailed, job_for, record_in_process, write_in_process

if TYPE_CHECKING:
    from app.services.documents import Document

log = logging.getLogger(__name__)

#: Countries whose paper is US Letter; the rest of the world uses A4.
LETTER_TERRITORIES = frozenset(
    {"US", "CA", "MX", "PH", "CL", "CO", "VE", "GT", "CR", "PA", "DO", "PR", "SV", "NI", "BZ"}
)
MARGIN_MM = 15
#: HTML longer than this (a pick list of about 100 lines, 3 pages) is laid out in the layout
#: process; a shorter one where it is asked for, sooner than a process starts, in Qt calls
#: of a few hundredths of a second.
PROCESS_ABOVE_CHARS = 30_000


def paper_size(territory: str | None = None) -> QPageSize:
    """Letter or A4, by ``territory`` (default: that of the locale formatting uses)."""
    if territory is None:
        from app.services.formatting import current_locale

        territory = current_locale().territory
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


def _html(document: Document) -> str:
    """The document's HTML for paper, in this process's locale, its logo at ``LOGO_URL``."""
    from app.services.documents.html import render_html

    return render_html(document, logo_src=LOGO_URL)


def text_document(document: Document, font: QFont | None = None) -> QTextDocument:
    """``document`` as Qt rich text, its logo a resource of the document."""
    return html_document(_html(document), document.shop.logo, font)


def paint_document(text: QTextDocument, device: QPagedPaintDevice) -> int:
    """Paint ``text`` on ``device`` page by page, "Page n of N" at each foot; returns N."""
    return paint_text(text, device)


def record_pages(
    document: Document, font: QFont | None = None, layout: QPageLayout | None = None
) -> RecordedPages:
    """Lay ``document`` out (on :func:`page_layout` unless ``layout``) and record its pages;
    a long one in the layout process, so that a thread calling this never stalls the window."""
    html, logo = _html(document), document.shop.logo
    layout = layout or page_layout()
    if len(html) > PROCESS_ABOVE_CHARS:
        try:
            return record_in_process(job_for(html, logo, font, layout))
        except LayoutFailed:
            log.warning("%s: laid out in this process instead", document.title, exc_info=True)
    return record_text(html_document(html, logo, font), layout)


def write_pdf(document: Document, path: Path, font: QFont | None = None) -> int:
    """Write ``document`` to ``path`` as a PDF (whole or not at all); returns its pages.

    A long document is written by the layout process (the window saves it from a thread)."""
    from app.services.exporting import replacing_file

    html, logo = _html(document), document.shop.logo
    title = f"{document.title} — {document.shop.name or 'Shopkeeper'}"
    with replacing_file(path) as temp:
        if len(html) > PROCESS_ABOVE_CHARS:
            job = job_for(html, logo, font, page_layout(), pdf=str(temp), title=title)
            try:
                return write_in_process(job)
            except LayoutFailed:
                log.warning("%s: written by this process instead", document.title, exc_info=True)
        writer = pdf_writer(str(temp), title, page_layout())
        return paint_text(html_document(html, logo, font), writer)


def write_html(document: Document, path: Path) -> None:
    """Write ``document`` to ``path`` as one self-contained HTML page (whole or not at all)."""
    from app.services.documents.html import render_html
    from app.services.exporting import replacing_file

    with replacing_file(path) as temp:
        temp.write_text(render_html(document), encoding="utf-8")
