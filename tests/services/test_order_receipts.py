"""An order's "Who did what" says what each receipt gave its lines and who confirmed it,
although a receipt allocates in bulk and leaves no audit row per allocated line."""

from __future__ import annotations

from app.db import Database
from app.domain.actors import Actor, Role
from app.services.undo_receipt import preview_undo_receipt, undo_receipt
from app.services.views.history import HistoryRow, order_history
from tests.services.shop import confirm, make_po, make_shop, order, preview


def _history(db: Database, ref: str) -> list[HistoryRow]:
    with db.read() as session:
        return order_history(session, ref)


def _received(db: Database, ref: str) -> list[HistoryRow]:
    return [row for row in _history(db, ref) if row.action == "received"]


def _receive(db: Database, po_ref: str, *arrivals: tuple[str, int], lines: dict[str, int]) -> None:
    plan = preview(db, *arrivals, po_lines=lines, po_ref=po_ref)
    confirm(db, plan)


def test_each_receipt_that_gave_the_order_units_says_who_which_po_and_which_lines(
    db: Database,
) -> None:
    make_shop(db)
    order(db, "ANN", ("WIDGET", 3), ("GADGET", 2), ref="SO-1", minute=1)
    order(db, "BOB", ("WIDGET", 4), ref="SO-2", minute=2)
    first = make_po(db, ("WIDGET", 5), ("GADGET", 1), ref="PO-1")
    second = make_po(db, ("GADGET", 1), ref="PO-2")
    db.actor = Actor(name="Sam", role=Role.MANAGER, till="FRONT-TILL")
    try:
        _receive(db, "PO-1", ("WIDGET", 5), ("GADGET", 1), lines=first)
    finally:
        db.actor = None
    _receive(db, "PO-2", ("GADGET", 1), lines=second)

    gifts = _received(db, "SO-1")
    assert [(r.user, r.role, r.till, r.document) for r in gifts] == [
        ("Sam", "manager", "FRONT-TILL", "PO-1"),
        ("Owner", "owner", gifts[1].till, "PO-2"),
    ]
    assert gifts[0].summary.endswith(
        "of PO-1 gave 4 units: 3 to line 1 (WIDGET), 1 to line 2 (GADGET)"
    )
    assert gifts[1].summary.endswith("of PO-2 gave 1 unit: 1 to line 2 (GADGET)")
    assert gifts[1].product == "GADGET" and gifts[0].product == ""
    assert gifts[0].what == "Allocation"
    # BOB's order was given the 2 WIDGETs left, by the same receipt, in its own history.
    assert [r.summary.split(" gave ")[1] for r in _received(db, "SO-2")] == [
        "2 units: 2 to line 1 (WIDGET)"
    ]
    # Oldest first, among the order's other events.
    rows = _history(db, "SO-1")
    assert [row.at.replace(tzinfo=None) for row in rows] == sorted(
        row.at.replace(tzinfo=None) for row in rows
    )


def test_an_undone_receipt_still_says_what_it_gave_and_the_undo_follows(db: Database) -> None:
    make_shop(db)
    order(db, "ANN", ("WIDGET", 2), ref="SO-1", minute=1)
    lines = make_po(db, ("WIDGET", 2), ref="PO-1")
    _receive(db, "PO-1", ("WIDGET", 2), lines=lines)
    with db.write() as session:
        token = preview_undo_receipt(session, "RCPT-1").token
        undo_receipt(session, token, "wrong pallet")
    actions = [row.action for row in _history(db, "SO-1")]
    assert actions.index("received") < actions.index("undid a receipt")


def test_an_order_no_receipt_served_has_no_receipt_rows(db: Database) -> None:
    make_shop(db)
    order(db, "ANN", ("WIDGET", 2), ref="SO-1")
    assert _received(db, "SO-1") == []
