"""``shopkeeper undo-receipt``: the preview, --dry-run writing nothing, --yes undoing, the
refusals with exit 1, and --json."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.db import Database
from tests.services.shop import (
    Stock,
    line_of,
    make_po,
    make_shop,
    order,
    po_state,
    preview,
    snapshot,
    stock_of,
)
from tests.services.shop import confirm as confirm_plan


@pytest.fixture
def received(db: Database) -> Database:
    """PO-1 brought 5 widgets: 3 to ANN's SO-1, 2 to stock (RCPT-1)."""
    make_shop(db)
    lines = make_po(db, ("WIDGET", 5), ref="PO-1")
    order(db, "ANN", ("WIDGET", 3), ref="SO-1")
    confirm_plan(db, preview(db, ("WIDGET", 5), po_lines=lines, po_ref="PO-1"))
    return db


def undo(db: Database, *args: str) -> int:
    return main(["undo-receipt", "RCPT-1", "--reason", "wrong PO", "--db", db.url, *args])


def test_dry_run_shows_what_would_go_back_and_saves_nothing(
    received: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(received)
    assert undo(received, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "RCPT-1, received " in out and " against PO-1" in out
    assert "  WIDGET: 5 units (3 taken back from customers, 2 from stock)" in out
    assert "  SO-1 line 1, Ann: 3 WIDGET" in out
    assert "  PO-1 line 1 WIDGET: received 5 -> 0 of 5" in out
    assert "  PO-1: Received -> Open" in out
    assert out.endswith("Dry run: nothing was saved.\n")
    assert snapshot(received) == before


def test_yes_undoes_it_and_a_second_time_is_refused(
    received: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert undo(received, "--yes") == 0
    assert capsys.readouterr().out.endswith(
        "Undone: 5 units left stock, 3 taken back from 1 order.\n"
    )
    assert stock_of(received, "WIDGET") == Stock(0, 0)
    assert line_of(received, "SO-1").backordered == 3
    assert po_state(received, "PO-1") == ("open", [0])
    assert undo(received, "--yes", "--json") == 1
    shown = json.loads(capsys.readouterr().out)
    assert shown["undone"] is False and shown["can_undo"] is False
    assert shown["refusals"][0].startswith("RCPT-1 was already undone on ")


def test_json_lists_the_preview(received: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert undo(received, "--dry-run", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["stock"] == [{"sku": "WIDGET", "qty": 5, "from_customers": 3, "from_stock": 2}]
    assert shown["customers"] == [
        {"order_ref": "SO-1", "line": 1, "customer": "Ann", "sku": "WIDGET", "qty": 3}
    ]
    assert shown["po_lines"] == [
        {"po": "PO-1", "line": 1, "sku": "WIDGET", "received": 5, "received_after": 0}
    ]


def test_a_reason_and_one_of_dry_run_or_yes_are_required(
    received: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["undo-receipt", "RCPT-1", "--yes", "--db", received.url])
    with pytest.raises(SystemExit):
        main(["undo-receipt", "RCPT-1", "--reason", "x", "--db", received.url])
    assert main(["undo-receipt", "RCPT-9", "--reason", "x", "--yes", "--db", received.url]) == 1
    assert "There is no receipt RCPT-9" in capsys.readouterr().err
