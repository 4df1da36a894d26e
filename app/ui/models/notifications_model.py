"""The Notifications view's table: the outbox newest first, paged by key as it scrolls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.domain import NotificationEvent, NotificationStatus
from app.services.notifications.listing import (
    PAGE,
    NotificationFilter,
    NotificationRow,
    list_notifications,
)
from app.services.views import Count
from app.ui.models.paged_model import Column, PagedTableModel

_STATUS_TONES = {
    NotificationStatus.PENDING: "warn",
    NotificationStatus.SENT: "good",
    NotificationStatus.FAILED: "bad",
}


@dataclass(frozen=True, slots=True)
class NotificationQuery:
    """The view's filter (newest first; the list has no other order)."""

    status: NotificationStatus | None = None
    event: NotificationEvent | None = None
    text: str = ""
    sort: str = "newest"
    descending: bool = True


def _tries(row: NotificationRow) -> str:
    return f"{row.attempts:,}"


def _status_tip(row: NotificationRow) -> str | None:
    if row.status is NotificationStatus.PENDING and row.attempts:
        return f"Tried {row.attempts} times; next try {row.next_attempt_at:%H:%M} UTC"
    return row.last_error or None


class NotificationsModel(PagedTableModel):
    columns = (
        Column("Written", lambda r: r.created_at, width=135),
        Column("Order", lambda r: r.order_ref, width=90),
        Column("Customer", lambda r: r.customer_name, width=130),
        Column("Message", lambda r: r.event, width=150),
        Column("Channel", lambda r: r.channel, width=70),
        Column(
            "Status",
            lambda r: r.status,
            width=80,
            tone=lambda r: _STATUS_TONES[r.status],
            tip=_status_tip,
        ),
        Column("Tries", _tries, width=45, numeric=True),
        Column("Sent", lambda r: r.sent_at, width=135),
        Column(
            "Last error",
            lambda r: r.last_error,
            stretch=True,
            width=200,
            tip=lambda r: r.last_error or None,
        ),
    )
    page_size = PAGE
    query_type = NotificationQuery
    key_field = "id"

    def fetch_page(
        self, session: Session, query: Any, offset: int, limit: int
    ) -> Sequence[NotificationRow]:
        before = self.row_at(offset - 1) if offset else None
        where = NotificationFilter(query.status, query.event, query.text)
        return list_notifications(
            session, where, before_id=before.id if before is not None else None, limit=limit
        )

    def count_rows(self, session: Session, query: Any) -> Count:
        return Count(self.rowCount(), exact=not self.canFetchMore())
