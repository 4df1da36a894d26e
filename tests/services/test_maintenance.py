"""Check database: a sound shop passes every check; each kind of damage is named plainly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from app.db import Database, open_database
from app.services.maintenance import MAX_LISTED, CheckReport, CheckResult, check_database
from app.services.stock import adjust_stock
from tests.services.shop import confirm, make_po, order, preview


def check(database: Database) -> CheckReport:
    with database.read() as session:
        return check_database(session)


def test_a_sound_shop_passes_every_check(shop: Database) -> None:
    with shop.write() as session:
        adjust_stock(session, "WIDGET", 5, "count")
    report = check(shop)
    assert report.passed
    expected = 5 if shop.is_sqlite else 3
    assert report.summary() == (
        f"All good: {expected} {'checks' if expected > 1 else 'check'} passed."
    )


def test_stock_that_does_not_match_the_ledger_is_reported_with_what_to_do(
    shop: Database,
) -> None:
    with shop.write() as session:
        adjust_stock(session, "WIDGET", 5, "count")
        session.execute(text("UPDATE stock_balance SET on_hand = on_hand + 2"))
    report = check(shop)
    assert not report.passed
    ledger = report.checks[-1]
    assert ledger.title == "Stock on hand and allocations add up"
    assert any("ledger sums to 5" in problem for problem in ledger.problems)
    assert "What to do:" in report.text() and "ledger" in ledger.advice


def test_a_record_pointing_at_nothing_is_found(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    open_database(f"sqlite:///{path}", backup_dir=tmp_path / "bk").dispose()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA foreign_keys = OFF")
    raw.execute(
        "INSERT INTO stock_movement (product_id, location_id, qty, kind, reason, document,"
        " created_at) VALUES (999, 1, 3, 'adjustment', '', '', '2026-01-01 00:00:00')"
    )
    raw.commit()
    raw.close()
    database = open_database(f"sqlite:///{path}", backup_dir=tmp_path / "bk")
    try:
        report = check(database)
    finally:
        database.dispose()
    links = report.checks[1]
    assert not links.passed
    assert any("refers to a product record that does not exist" in p for p in links.problems)
    assert report.summary() == "2 of 5 checks found problems."  # the ledger too


def test_a_long_list_of_problems_is_cut_short() -> None:
    from app.services.maintenance import _listed

    listed = _listed([f"p{n}" for n in range(MAX_LISTED + 5)])
    assert listed[-1] == "and 5 more" and len(listed) == MAX_LISTED + 1


def po_checks(report: CheckReport) -> tuple[CheckResult, CheckResult]:
    matching, beyond = (c for c in report.checks if c.title.startswith("Purchase orders"))
    return matching, beyond


def test_a_po_received_twice_the_old_way_is_reported_with_what_to_do(shop: Database) -> None:
    """Before issue 9 two tills could both receive PO-B: the second receipt was written
    like any other, with no accepted surplus. Check database names the line plainly."""
    po = make_po(shop, ("WIDGET", 4), ("GADGET", 6), ref="PO-B")
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1")
    arrivals = (("WIDGET", 4), ("GADGET", 6))
    confirm(shop, preview(shop, *arrivals, po_lines=po, po_ref="PO-B"))
    assert check(shop).passed
    # The second receipt, as the old confirm wrote it: every row as today, none accepted.
    confirm(shop, preview(shop, *arrivals, po_lines=po, po_ref="PO-B"), accept_over_receipt=True)
    with shop.write() as session:
        session.execute(text("UPDATE receipt_line SET qty_over = 0"))
    report = check(shop)
    assert not report.passed
    matching, beyond = po_checks(report)
    assert matching.passed  # the PO counts what its receipts brought, twice
    assert beyond.title == "Purchase orders received only what was ordered, or an accepted surplus"
    assert beyond.problems == (
        "PO-B line 1 WIDGET: 4 ordered, 8 received, no surplus accepted: 4 more than ordered",
        "PO-B line 2 GADGET: 6 ordered, 12 received, no surplus accepted: 6 more than ordered",
    )
    assert "received twice" in beyond.advice and "stock adjustment" in beyond.advice
    assert "What to do: More units were received" in report.text()


def test_an_accepted_over_receipt_passes_the_check(shop: Database) -> None:
    po = make_po(shop, ("WIDGET", 4), ref="PO-B")
    confirm(shop, preview(shop, ("WIDGET", 3), po_lines=po, po_ref="PO-B"))
    confirm(
        shop, preview(shop, ("WIDGET", 3), po_lines=po, po_ref="PO-B"), accept_over_receipt=True
    )
    assert check(shop).passed
    with shop.write() as session:  # one more unit than was accepted
        session.execute(text("UPDATE receipt_line SET qty_over = qty_over - 1 WHERE qty_over > 0"))
    (_, beyond) = po_checks(check(shop))
    assert beyond.problems == (
        "PO-B line 1 WIDGET: 4 ordered, 6 received, 1 accepted as surplus: 1 more than ordered "
        "and accepted",
    )


def test_a_po_line_whose_received_units_disagree_with_its_receipts_is_reported(
    shop: Database,
) -> None:
    po = make_po(shop, ("WIDGET", 4), ("GADGET", 2), ref="PO-B")
    confirm(shop, preview(shop, ("WIDGET", 3), po_lines=po, po_ref="PO-B"))
    with shop.write() as session:
        session.execute(text("UPDATE purchase_order_line SET qty_received = qty_received + 1"))
    report = check(shop)
    matching, beyond = po_checks(report)
    assert matching.title == "Purchase orders' received units match their receipts"
    assert matching.problems == (
        "PO-B line 1 WIDGET: 4 received, its receipts add up to 3",
        "PO-B line 2 GADGET: 1 received, its receipts add up to 0",
    )
    assert beyond.passed  # nothing beyond what was ordered
