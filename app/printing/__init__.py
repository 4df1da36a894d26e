"""Shop documents on paper and as PDF: the HTML of ``app.services.documents.html`` laid out by
Qt's rich text (``QTextDocument``) on a printer or a ``QPdfWriter``, page by page with
"Page n of N", on the paper the user's locale uses (Letter in the Americas' Letter countries,
else A4). A long document is laid out in a process of its own (:mod:`.process`), so that the
window's threads never hold Python's GIL through Qt's long layout calls.

Qt but no widgets: the command line prints offscreen, and the window's preview calls
:func:`paint_document` with its printer. Nothing here imports ``app.ui``; nothing here
imports ``app.services`` or ``app.domain`` before it is used (see :mod:`.render`).
"""

from app.printing.pages import LOGO_URL, RecordedPages, replay_pages
from app.printing.render import (
    page_layout,
    paint_document,
    paper_size,
    record_pages,
    text_document,
    write_html,
    write_pdf,
)

__all__ = [
    "LOGO_URL",
    "RecordedPages",
    "page_layout",
    "paint_document",
    "paper_size",
    "record_pages",
    "replay_pages",
    "text_document",
    "write_html",
    "write_pdf",
]
