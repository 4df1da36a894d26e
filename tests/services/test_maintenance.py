"""Check database: a sound shop passes every check; each kind of damage is named plainly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from app.db import Database, open_database
from app.services.maintenance import MAX_LISTED, CheckReport, check_database
from app.services.stock import adjust_stock


def check(database: Database) -> CheckReport:
    with database.read() as session:
        return check_database(session)


def test_a_sound_shop_passes_every_check(shop: Database) -> None:
    with shop.write() as session:
        adjust_stock(session, "WIDGET", 5, "count")
    report = check(shop)
    assert report.passed
    expected = 3 if shop.is_sqlite else 1
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
    assert report.summary() == "2 of 3 checks found problems."  # the ledger too


def test_a_long_list_of_problems_is_cut_short() -> None:
    from app.services.maintenance import _listed

    listed = _listed([f"p{n}" for n in range(MAX_LISTED + 5)])
    assert listed[-1] == "and 5 more" and len(listed) == MAX_LISTED + 1
