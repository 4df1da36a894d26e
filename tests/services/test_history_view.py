"""The History view reads the audit trail filtered by who, document, product, action and
day, newest first, paged in SQL, with the changed columns in words."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from app.db import Database
from app.domain.actors import Actor, Role
from app.services import catalog, shop_settings
from app.services.cancelling import cancel_line
from app.services.views.history import (
    FieldChange,
    HistoryQuery,
    HistoryRow,
    count_history,
    history_actions,
    history_page,
    history_users,
    order_history,
)
from tests.services.shop import make_po, order

SAM = Actor(name="Sam", role=Role.MANAGER, user_id=7, till="TILL-2")
OLGA = Actor(name="Olga", role=Role.MANAGER, user_id=8, till="TILL-1")


def _busy_day(shop: Database) -> None:
    """Sam orders and cancels SO-1, Olga orders SO-2 and edits WIDGET's price; PO-1 made."""
    shop.actor = SAM
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1")
    with shop.write() as session:
        cancel_line(session, "SO-1", 1, "found it cheaper")
    shop.actor = OLGA
    order(shop, "BOB", ("GADGET", 1), ref="SO-2")
    with shop.write() as session:
        catalog.update_product(session, "WIDGET", price=Decimal("12.00"))
    make_po(shop, ("WIDGET", 4), ref="PO-1")


def page(
    shop: Database, query: HistoryQuery, offset: int = 0, limit: int = 200
) -> list[HistoryRow]:
    with shop.read() as session:
        return history_page(session, query, offset, limit)


def test_filtering_by_person_document_product_and_action(shop: Database) -> None:
    _busy_day(shop)
    assert {r.user for r in page(shop, HistoryQuery(user="sam"))} == {"Sam"}
    assert {r.document for r in page(shop, HistoryQuery(document="so-1"))} == {"SO-1"}
    assert {r.document for r in page(shop, HistoryQuery(document="PO-1"))} == {"PO-1"}
    widget = page(shop, HistoryQuery(product="WIDGET"))
    assert {r.product for r in widget} == {"WIDGET"}
    assert {r.document for r in widget} >= {"SO-1", "PO-1"}
    changed = page(shop, HistoryQuery(action="changed", user="Olga"))
    assert [r.what for r in changed] == ["Product"]
    assert changed[0].changes == (FieldChange("price", "0.00", "12.00"),)
    assert changed[0].changes_text() == "price 0.00 → 12.00"
    assert page(shop, HistoryQuery(product="NO-SUCH")) == []
    with shop.read() as session:
        assert {"Sam", "Olga"} <= set(history_users(session))
        assert {"added", "changed"} <= set(history_actions(session))


def test_newest_first_paged_and_counted(shop: Database) -> None:
    _busy_day(shop)
    everything = page(shop, HistoryQuery())
    assert [r.event_id for r in everything] == sorted(
        (r.event_id for r in everything), reverse=True
    )
    assert page(shop, HistoryQuery(), offset=2, limit=3) == everything[2:5]
    with shop.read() as session:
        assert count_history(session, HistoryQuery()).value == len(everything)
        assert count_history(session, HistoryQuery(), cap=3).text("event", "events") == "3+ events"


def test_a_day_range_in_local_days(shop: Database) -> None:
    _busy_day(shop)
    today = date.today()
    assert page(shop, HistoryQuery(since=today + timedelta(days=1))) == []
    assert page(shop, HistoryQuery(until=today - timedelta(days=1))) == []
    assert len(page(shop, HistoryQuery(since=today, until=today))) == len(
        page(shop, HistoryQuery())
    )


def test_an_orders_history_oldest_first_with_its_cancel_in_words(shop: Database) -> None:
    _busy_day(shop)
    with shop.read() as session:
        rows = order_history(session, "SO-1")
    assert [(r.action, r.what) for r in rows[:2]] == [("added", "Order"), ("added", "Order line")]
    cancel = next(r for r in rows if r.action == "changed" and r.what == "Order line")
    assert cancel.user == "Sam" and cancel.till == "TILL-2"
    assert FieldChange("backordered", "3", "0") in cancel.changes
    assert FieldChange("cancel reason", "", "found it cheaper") in cancel.changes


def test_a_setting_change_reads_as_words(shop: Database) -> None:
    with shop.write() as session:
        shop_settings.set_long_wait_days(session, 10)
    with shop.write() as session:
        shop_settings.set_long_wait_days(session, 20)
    row = page(shop, HistoryQuery(action="changed"))[0]
    assert (row.what, row.changes_text()) == ("Setting", "value 10 → 20")
