"""``shopkeeper receive`` with other tills at work (SQLite and PostgreSQL): a purchase order
is received once however many commands run at the same moment, and a sale between the
command's plan and its confirm makes it plan again by itself (issue 9)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.cli import RECEIVE_TRIES, main
from app.db import Database
from app.services import purchasing, receiving
from app.services.maintenance import check_database
from app.services.ordering import LineRequest, place_order
from tests.services.shop import Stock, line_of, make_po, make_shop, order, po_state, stock_of

#: How long the first command holds its transaction open once it has read what is
#: outstanding, so the second certainly runs into it.
HOLD_SECONDS = 0.3


@pytest.fixture
def po_b(db: Database) -> Database:
    """PO-B brings 4 widgets and 6 gadgets; ANN waits for 2 widgets."""
    make_shop(db)
    make_po(db, ("WIDGET", 4), ("GADGET", 6), ref="PO-B")
    order(db, "ANN", ("WIDGET", 2), ref="SO-1")
    return db


def receive_po_b(db: Database) -> int:
    return main(["receive", "PO-B", "--db", db.url])


class TwoCommands:
    """Two ``receive`` commands in threads, released together. The first to read PO-B's
    outstanding units (A) holds its transaction open a moment after reading; the second (B)
    reads only once A has read, and plans only once A's command has finished. Without a
    lock on what is outstanding, B reads the units A is about to receive and, planning
    after A's commit, receives them again."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.roles: dict[int, str] = {}
        self.roles_lock = threading.Lock()
        self.a_read = threading.Event()
        self.a_done = threading.Event()
        read = purchasing.receivable_purchase_order
        plan = receiving.preview_receipt

        def reading(session: Session, ref: str, **options: Any) -> purchasing.ReceivablePO:
            role = self.role()
            if role == "B":
                self.a_read.wait(timeout=10)
            po = read(session, ref, **options)
            if role == "A":
                self.a_read.set()
                time.sleep(HOLD_SECONDS)
            return po

        def planning(session: Session, *args: Any, **options: Any) -> receiving.AllocationPlan:
            if self.role() == "B":
                self.a_done.wait(timeout=10)
            return plan(session, *args, **options)

        monkeypatch.setattr(purchasing, "receivable_purchase_order", reading)
        monkeypatch.setattr(receiving, "preview_receipt", planning)

    def role(self) -> str:
        with self.roles_lock:
            return self.roles.setdefault(threading.get_ident(), "B" if self.roles else "A")

    def run(self, command: Callable[[], int]) -> list[int]:
        start = threading.Barrier(2)
        codes: list[int] = []

        def till() -> None:
            start.wait(timeout=10)
            try:
                codes.append(command())
            finally:
                if self.roles.get(threading.get_ident()) == "A":
                    self.a_done.set()

        threads = [threading.Thread(target=till) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return sorted(codes)


def assert_received_once(db: Database) -> None:
    assert po_state(db, "PO-B") == ("received", [4, 6])
    assert stock_of(db, "WIDGET") == Stock(on_hand=4, allocated=2)
    assert stock_of(db, "GADGET") == Stock(on_hand=6, allocated=0)
    with db.read() as session:
        assert check_database(session).passed


def test_two_receives_of_one_po_at_the_same_moment_receive_it_once(
    po_b: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The second command waits for the first, then says plainly that nothing is
    outstanding (exit 1, nothing written). On one SQLite file the second may instead be
    refused at once: the first holds the file's single-writer lock."""
    codes = TwoCommands(monkeypatch).run(lambda: receive_po_b(po_b))
    out, err = capsys.readouterr()
    assert codes == [0, 1]
    assert out.count("Received 10 units: 2 to waiting customers, 8 to stock") == 1
    refusals = ["Purchase order PO-B has nothing outstanding to receive"]
    if po_b.is_sqlite:
        refusals.append("shop.sqlite3 open; nothing was changed")
    assert any(refusal in err for refusal in refusals), err
    assert "preview" not in err
    assert_received_once(po_b)


class SaleBetweenPlanAndConfirm:
    """Another till sells a widget right after the command planned (``times`` times): on
    PostgreSQL on its own connection, committed at once, so the command's plan is stale at
    confirm. One SQLite file lets one writer in at a time (the command holds it from its
    plan to its commit), so there the sale is made in the command's own transaction, which
    makes its plan just as stale (and goes when that attempt is rolled back)."""

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch, times: int) -> None:
        self.plans = 0
        plan = receiving.preview_receipt

        def planning(session: Session, *args: Any, **options: Any) -> receiving.AllocationPlan:
            previewed = plan(session, *args, **options)
            self.plans += 1
            if self.plans <= times:
                if db.is_sqlite:
                    self.sell(session)
                else:
                    with db.write() as other:
                        self.sell(other)
            return previewed

        monkeypatch.setattr(receiving, "preview_receipt", planning)

    def sell(self, session: Session) -> None:
        place_order(session, "BOB", [LineRequest("WIDGET", 1)], ref=f"SO-B{self.plans}")


def test_a_sale_between_plan_and_confirm_makes_the_command_plan_again(
    po_b: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sale = SaleBetweenPlanAndConfirm(po_b, monkeypatch, times=1)
    assert receive_po_b(po_b) == 0
    out, err = capsys.readouterr()
    assert sale.plans == 2
    assert err == ""
    assert "Received 10 units" in out
    assert po_state(po_b, "PO-B") == ("received", [4, 6])
    if not po_b.is_sqlite:  # the sale stands, and the new plan served BOB after ANN
        assert line_of(po_b, "SO-B1").allocated == 1
        assert "to waiting customers" in out and "3 to waiting customers" in out
    with po_b.read() as session:
        assert check_database(session).passed


def test_a_command_that_keeps_meeting_sales_gives_up_plainly_having_saved_nothing(
    po_b: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("app.cli.RECEIVE_PAUSE", 0)
    sale = SaleBetweenPlanAndConfirm(po_b, monkeypatch, times=RECEIVE_TRIES)
    assert receive_po_b(po_b) == 1
    err = capsys.readouterr().err
    assert sale.plans == RECEIVE_TRIES
    assert err == (
        "shopkeeper: Other tills kept selling or changing the products of PO-B while it was "
        f"being received ({RECEIVE_TRIES} tries); nothing was saved. Try again in a moment.\n"
    )
    assert po_state(po_b, "PO-B") == ("open", [0, 0])
    assert stock_of(po_b, "WIDGET").on_hand == 0
