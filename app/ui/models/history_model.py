"""The History view's rows: the audit trail, newest first, paged from the database."""

from __future__ import annotations

from app.services import formatting
from app.services.views.history import (
    HistoryQuery,
    HistoryRow,
    count_history,
    history_page,
)
from app.ui.models.paged_model import Column, PagedTableModel

_ACTION_TONES = {"removed": "bad", "sign-in refused": "bad", "signed in": "quiet"}


def changes_tip(row: HistoryRow) -> str | None:
    """Each changed field on its own line: "price: 9.50 → 12.00"."""
    lines = []
    for change in row.changes:
        if change.before and change.after:
            lines.append(f"{change.field}: {change.before} → {change.after}")
        elif change.after:
            lines.append(f"{change.field}: {change.after}")
        elif change.before:
            lines.append(f"{change.field}: was {change.before}")
    return "\n".join(lines) or None


#: An order's own trail in its detail view (a few rows: plain text, no paging).
AUDIT_HEADERS = ("When", "Who", "Till", "Did", "Record", "What changed")


def audit_cells(row: HistoryRow) -> tuple[str, ...]:
    what = row.changes_text() or row.summary
    return (formatting.moment(row.at), row.user, row.till, row.action, row.what, what)


def audit_tips(row: HistoryRow) -> tuple[str, ...]:
    return ("", row.role.capitalize(), "", "", "", changes_tip(row) or row.summary)


class HistoryModel(PagedTableModel):
    columns = (
        Column("When", lambda r: r.at, "at", width=150),
        Column("Who", lambda r: r.user, "user", width=100, tip=lambda r: r.role.capitalize()),
        Column("Till", lambda r: r.till, width=100, tooltip="The computer it was done on"),
        Column(
            "Did",
            lambda r: r.action,
            "action",
            width=100,
            tone=lambda r: _ACTION_TONES.get(r.action),
        ),
        Column("Record", lambda r: r.what, "what", width=130),
        Column("Document", lambda r: r.document, "document", width=100),
        Column("Product", lambda r: r.product, width=100),
        Column(
            "What changed",
            lambda r: r.changes_text() or r.summary,
            width=300,
            stretch=True,
            tip=lambda r: changes_tip(r) or r.summary,
        ),
    )
    query_type = HistoryQuery
    read_page = staticmethod(history_page)
    read_count = staticmethod(count_history)
    key_field = "event_id"
