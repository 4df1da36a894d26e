"""The Notifications view's table: the outbox newest first, paged by key as it scrolls.

Every page is read off the GUI thread (``background.LatestRead``): an outbox of a flash
sale's tens of thousands of messages, a filter on the message text, or a busy shared server
never freezes the window. A reload supersedes a read still under way (its rows are dropped);
scrolling fetches the next page only once the last read has arrived.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QObject, Signal
from sqlalchemy.orm import Session

from app.db import Database
from app.domain import NotificationEvent, NotificationStatus
from app.services.notifications.listing import (
    PAGE,
    NotificationFilter,
    NotificationRow,
    list_notifications,
)
from app.services.views import Count
from app.ui.background import LatestRead
from app.ui.models.paged_model import Column, Index, PagedTableModel
from app.ui.writing import failure_text

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
        times = "once" if row.attempts == 1 else f"{row.attempts:,} times"
        return f"Tried {times}; next try {row.next_attempt_at:%H:%M} UTC"
    return row.last_error or None


@dataclass(frozen=True, slots=True)
class _Page:
    """What one background read brought: rows after ``before_id`` (None: from the newest)."""

    rows: Sequence[NotificationRow]
    more: bool
    append: bool


class NotificationsModel(PagedTableModel):
    #: A read started (True) or arrived or failed (False).
    loadingChanged = Signal(bool)

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

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(database, parent)
        self._reader: LatestRead[_Page] = LatestRead(self, one_at_a_time=True)

    @property
    def loading(self) -> bool:
        """A read is under way (its rows not shown yet)."""
        return self._reader.reading

    # --- reading off the GUI thread ----------------------------------------------------------

    def reload(self, *, keep_loaded: bool = True) -> None:
        """Read the rows again from the newest (as many as were loaded, so the scroll
        position survives); the rows on show stay until the new ones arrive."""
        want = max(self.page_size, len(self._rows)) if keep_loaded else self.page_size
        self._start(None, want, append=False)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._has_more and not self.loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent) or not self._rows:
            return
        self._start(self._rows[-1].id, self.page_size, append=True)

    def _start(self, before_id: int | None, limit: int, *, append: bool) -> None:
        # Plain values only: the thread never touches the model.
        database, query = self._database, self._query

        def read() -> _Page:
            with database.read() as session:
                rows = _read(session, query, before_id, limit + 1)
            return _Page(rows[:limit], len(rows) > limit, append)

        self.loadingChanged.emit(True)
        self._reader.start(read, self._arrived, self._failed)

    def _arrived(self, page: _Page) -> None:
        self._has_more = page.more
        if page.append:
            if page.rows:
                first = len(self._rows)
                self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
                self._rows.extend(page.rows)
                self.endInsertRows()
        else:
            self.beginResetModel()
            self._rows = list(page.rows)
            self.endResetModel()
        self.count = Count(len(self._rows), exact=not self._has_more)
        self.countChanged.emit()
        self.loadingChanged.emit(False)

    def _failed(self, error: Exception) -> None:
        self.loadFailed.emit(failure_text(error))
        self.loadingChanged.emit(False)


def _read(
    session: Session, query: NotificationQuery, before_id: int | None, limit: int
) -> list[NotificationRow]:
    where = NotificationFilter(query.status, query.event, query.text)
    return list(list_notifications(session, where, before_id=before_id, limit=limit))
