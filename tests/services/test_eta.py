"""ETAs of waiting lines: pegging the queue to open purchase orders, with supplier confidence."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import delete, select, update

from app.db import Database
from app.domain import LineEta, OrderLine, PurchaseOrder, PurchaseOrderLine, Receipt, SalesOrder
from app.domain.enums import PurchaseOrderStatus
from app.services import catalog, eta, purchasing
from app.services.cancelling import cancel_order
from app.services.eta import IN_STOCK, NOT_ON_ORDER, ON_ORDER, confidence_of, recompute_etas
from app.services.ordering import LineRequest
from tests.services.shop import add_stock, confirm, make_shop, order, preview

TODAY = datetime.now(UTC).date()


def po(
    db: Database, ref: str, expected: date, *lines: tuple[str, int], supplier: str = "SUP"
) -> dict[str, int]:
    """An open PO expected on a date; returns SKU -> PO line id."""
    with db.write() as s:
        created = purchasing.create_purchase_order(
            s, supplier, [LineRequest(c, q) for c, q in lines], ref=ref, expected_date=expected
        )
        ids = {code: line.id for line, (code, _) in zip(created.lines, lines, strict=True)}
        recompute_etas(s)
        return ids


def etas(db: Database) -> dict[str, tuple[object, ...]]:
    """ "order ref/line no" -> (status, likely, late, covering PO ref, shortfall, moved later)."""
    with db.read() as s:
        rows = s.execute(
            select(
                SalesOrder.ref,
                OrderLine.line_no,
                LineEta.status,
                LineEta.likely,
                LineEta.late,
                PurchaseOrder.ref,
                LineEta.shortfall,
                LineEta.was_status,
            )
            .join(OrderLine, OrderLine.order_id == SalesOrder.id)
            .join(LineEta, LineEta.order_line_id == OrderLine.id)
            .outerjoin(
                PurchaseOrderLine,
                PurchaseOrderLine.id == LineEta.po_line_id,
            )
            .outerjoin(
                PurchaseOrder,
                PurchaseOrder.id == PurchaseOrderLine.purchase_order_id,
            )
        ).all()
    return {
        f"{ref}/{no}": (status, likely, late, po_ref, short, was is not None)
        for ref, no, status, likely, late, po_ref, short, was in rows
    }


def redate(db: Database, ref: str, expected: date) -> eta.EtaChanges:
    """Move a PO's expected date (directly, as any PO service would) and recompute."""
    with db.write() as s:
        s.execute(
            update(PurchaseOrder).where(PurchaseOrder.ref == ref).values(expected_date=expected)
        )
        return recompute_etas(s)


D1 = TODAY
D2 = TODAY + timedelta(days=10)
D3 = TODAY + timedelta(days=20)


def test_pegging_across_several_pos_and_a_partial_receipt(db: Database) -> None:
    make_shop(db)
    order(db, "ANN", ("WIDGET", 4), ref="SO-1", minute=0)
    order(db, "BOB", ("WIDGET", 3), ref="SO-2", minute=1)
    order(db, "CAT", ("WIDGET", 5), ref="SO-3", minute=2)
    first = po(db, "PO-1", D1, ("WIDGET", 5))
    po(db, "PO-2", D2, ("WIDGET", 4))
    # 2 of PO-1's 5 arrive (today, as expected): ANN gets them and waits for 2 more.
    confirm(db, preview(db, ("WIDGET", 2), po_lines=first, po_ref="PO-1"))
    assert etas(db) == {
        "SO-1/1": (ON_ORDER, D1, D1, "PO-1", 0, False),  # 2 of PO-1's 3 still due
        "SO-2/1": (ON_ORDER, D2, D2, "PO-2", 0, False),  # PO-1's last unit + 2 of PO-2
        "SO-3/1": (NOT_ON_ORDER, D2, D2, "PO-2", 3, False),  # PO-2's last 2; 3 on no PO
    }
    with db.read() as s:
        (second,) = [e for e in eta.compute_etas(s) if e.waiting == 3]
    assert [(c.po_ref, c.qty) for c in second.covers] == [("PO-1", 1), ("PO-2", 2)]
    assert second.expected == D2


def test_pos_serve_the_queue_in_its_serving_order_not_by_size_or_customer(
    db: Database,
) -> None:
    make_shop(db)
    order(db, "DAN", ("WIDGET", 2), ref="SO-B", minute=0)  # placed first, ref sorts last
    order(db, "ANN", ("WIDGET", 2), ref="SO-A", minute=0)  # same moment: ref breaks the tie
    order(db, "BOB", ("WIDGET", 1), ref="SO-0", minute=5)  # later, though its ref is first
    po(db, "PO-1", D1, ("WIDGET", 2))
    po(db, "PO-2", D2, ("WIDGET", 2))
    found = etas(db)
    assert found["SO-A/1"][:4] == (ON_ORDER, D1, D1, "PO-1")
    assert found["SO-B/1"][:4] == (ON_ORDER, D2, D2, "PO-2")
    assert found["SO-0/1"][0] == NOT_ON_ORDER and found["SO-0/1"][4] == 1


def test_a_moved_po_date_moves_exactly_the_lines_it_covers(db: Database) -> None:
    make_shop(db)
    order(db, "ANN", ("WIDGET", 3), ref="SO-1", minute=0)
    order(db, "BOB", ("WIDGET", 3), ref="SO-2", minute=1)
    order(db, "CAT", ("WIDGET", 2), ("GADGET", 1), ref="SO-3", minute=2)
    po(db, "PO-1", D1, ("WIDGET", 3), ("GADGET", 1))
    po(db, "PO-2", D2, ("WIDGET", 5))
    before = etas(db)

    changes = redate(db, "PO-2", D3)

    after = etas(db)
    moved = {key for key in after if after[key][1] != before[key][1]}
    assert moved == {"SO-2/1", "SO-3/1"}  # PO-2 covers BOB and CAT's widgets, not ANN/gadget
    assert after["SO-2/1"] == (ON_ORDER, D3, D3, "PO-2", 0, True)
    assert after["SO-1/1"] == before["SO-1/1"] and after["SO-3/2"] == before["SO-3/2"]
    with db.read() as s:
        lines = {s.get_one(OrderLine, m.order_line_id).order.ref for m in changes.moved_later}
    assert lines == {"SO-2", "SO-3"}
    assert {(m.was, m.likely) for m in changes.moved_later} == {(D2, D3)}


def test_the_later_flag_keeps_the_first_promise_and_clears_when_the_date_comes_back(
    db: Database,
) -> None:
    make_shop(db)
    order(db, "ANN", ("WIDGET", 3), ref="SO-1")
    po(db, "PO-1", D1, ("WIDGET", 3))
    redate(db, "PO-1", D2)
    redate(db, "PO-1", D3)
    with db.read() as s:
        row = s.scalars(select(LineEta)).one()
        assert (row.likely, row.was_status, row.was) == (D3, ON_ORDER, D1)
    assert redate(db, "PO-1", D2).moved_later == ()  # earlier again: not "moved later"
    assert etas(db)["SO-1/1"][5] is True  # still later than first promised
    redate(db, "PO-1", D1)
    assert etas(db)["SO-1/1"][5] is False


def test_a_cancelled_po_leaves_its_lines_not_on_order_and_flagged(db: Database) -> None:
    make_shop(db)
    order(db, "ANN", ("WIDGET", 3), ref="SO-1")
    po(db, "PO-1", D1, ("WIDGET", 3))
    with db.write() as s:
        s.execute(
            update(PurchaseOrder)
            .where(PurchaseOrder.ref == "PO-1")
            .values(status=PurchaseOrderStatus.CANCELLED)
        )
        changes = recompute_etas(s)
    assert [(m.was, m.status) for m in changes.moved_later] == [(D1, NOT_ON_ORDER)]
    assert etas(db)["SO-1/1"] == (NOT_ON_ORDER, None, None, None, 3, True)


def test_a_line_nothing_covers_is_not_on_order_with_its_shortfall(db: Database) -> None:
    make_shop(db)
    order(db, "ANN", ("WIDGET", 4), ("GADGET", 2), ref="SO-1")
    po(db, "PO-1", D1, ("GADGET", 1))
    with db.write() as s:
        purchasing.create_purchase_order(  # a draft is not incoming: it covers nothing
            s, "SUP", [LineRequest("WIDGET", 9)], ref="PO-D", expected_date=D1, draft=True
        )
        recompute_etas(s)
    found = etas(db)
    assert found["SO-1/1"] == (NOT_ON_ORDER, None, None, None, 4, False)
    assert found["SO-1/2"] == (NOT_ON_ORDER, D1, D1, "PO-1", 1, False)


def test_units_freed_by_a_cancellation_put_the_next_line_in_stock_now(db: Database) -> None:
    make_shop(db)
    add_stock(db, "WIDGET", 5)
    order(db, "ANN", ("WIDGET", 5), ref="SO-1", minute=0)  # takes all 5
    order(db, "BOB", ("WIDGET", 3), ref="SO-2", minute=1)
    order(db, "CAT", ("WIDGET", 4), ref="SO-3", minute=2)
    po(db, "PO-1", D2, ("WIDGET", 10))
    assert etas(db)["SO-2/1"][:2] == (ON_ORDER, D2)
    with db.write() as s:
        cancel_order(s, "SO-1")  # 5 units free again; nobody given them yet
    found = etas(db)
    assert found["SO-2/1"][0] == IN_STOCK
    assert found["SO-3/1"][:2] == (ON_ORDER, D2)  # 2 free units are not enough for 4


def test_etas_of_lines_that_stop_waiting_are_removed(db: Database) -> None:
    make_shop(db)
    order(db, "ANN", ("WIDGET", 2), ref="SO-1")
    lines = po(db, "PO-1", D1, ("WIDGET", 2))
    assert set(etas(db)) == {"SO-1/1"}
    confirm(db, preview(db, ("WIDGET", 2), po_lines=lines, po_ref="PO-1"))
    assert etas(db) == {}


# --- confidence ------------------------------------------------------------------------------


def test_confidence_without_history_is_the_stated_date() -> None:
    conf = confidence_of([])
    assert (conf.samples, conf.likely_days, conf.late_days) == (0, 0, 0)
    assert "no history" in conf.reason


def test_confidence_of_a_late_supplier_is_the_median_and_90th_percentile() -> None:
    conf = confidence_of([10, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert (conf.samples, conf.likely_days, conf.late_days) == (10, 5, 9)
    assert conf.reason.startswith("from 10 past deliveries: usually 5 days late")


def test_an_always_early_supplier_never_moves_an_eta_before_its_stated_date() -> None:
    conf = confidence_of([-3, -2, -4])
    assert (conf.likely_days, conf.late_days, conf.raw_likely_days) == (0, 0, -3)
    assert "early" in conf.reason


def history(db: Database, supplier: str, delays: list[int]) -> None:
    """Past POs of a supplier, each received ``delay`` days after its expected date."""
    for number, delay in enumerate(delays):
        expected = TODAY - timedelta(days=60 - number)
        ref = f"H-{supplier}-{number}"
        lines = po(db, ref, expected, ("GADGET", 1), supplier=supplier)
        confirm(db, preview(db, ("GADGET", 1), po_lines=lines, po_ref=ref))
        with db.write() as s:
            po_id = s.scalar(select(PurchaseOrder.id).where(PurchaseOrder.ref == ref))
            arrived = datetime.combine(expected + timedelta(days=delay), time(11), UTC)
            s.execute(
                update(Receipt)
                .where(Receipt.purchase_order_id == po_id)
                .values(received_at=arrived)
            )


@pytest.mark.parametrize(
    ("delays", "likely", "late"),
    [
        ([], 0, 0),  # no history: the stated date
        ([-5, -2, -3, -1], 0, 0),  # always early: kept at the stated date
        ([1, 2, 2, 3, 4, 5, 6, 8, 9, 20], 4, 9),  # late: median (lower) 4, p90 9
    ],
)
def test_a_lines_likely_and_late_eta_come_from_its_suppliers_history(
    db: Database, delays: list[int], likely: int, late: int
) -> None:
    make_shop(db)
    with db.write() as s:
        catalog.create_supplier(s, "SLOW", "Slow Ltd")
    history(db, "SLOW", delays)
    order(db, "ANN", ("WIDGET", 2), ref="SO-1")
    po(db, "PO-1", D2, ("WIDGET", 2), supplier="SLOW")
    assert etas(db)["SO-1/1"][:3] == (
        ON_ORDER,
        D2 + timedelta(days=likely),
        D2 + timedelta(days=late),
    )
    with db.read() as s:
        samples = eta.supplier_delays(s).get(catalog.get_supplier(s, "SLOW").id, [])
    assert sorted(samples) == sorted(delays)


def test_a_po_covering_a_line_with_another_suppliers_later_delay_decides_its_eta(
    db: Database,
) -> None:
    make_shop(db)
    with db.write() as s:
        catalog.create_supplier(s, "SLOW", "Slow Ltd")
    history(db, "SLOW", [7, 7, 7])
    order(db, "ANN", ("WIDGET", 4), ref="SO-1")
    po(db, "PO-1", D1, ("WIDGET", 2), supplier="SLOW")  # expected first, but 7 days late
    po(db, "PO-2", D1 + timedelta(days=3), ("WIDGET", 2))  # no history: on its date
    status, likely, late, po_ref, *_ = etas(db)["SO-1/1"]
    assert (status, likely, late) == (ON_ORDER, D1 + timedelta(days=7), D1 + timedelta(days=7))
    assert po_ref == "PO-2"  # the covering PO expected last


def test_lines_without_an_eta_get_one_when_missing_ones_are_filled(db: Database) -> None:
    """After the upgrade that adds ETAs (or a bulk import), the window fills the gaps."""
    make_shop(db)
    order(db, "ANN", ("WIDGET", 2), ("GADGET", 1), ref="SO-1")
    po(db, "PO-1", D1, ("WIDGET", 2))
    before = etas(db)
    with db.write() as s:
        s.execute(delete(LineEta).where(LineEta.status == ON_ORDER))
        assert len(eta.products_missing_etas(s)) == 1
        assert eta.fill_missing_etas(s).updated == 1
        assert eta.fill_missing_etas(s).updated == 0
    assert etas(db) == before


# --- a supplier's history changes: every line waiting on its POs moves (issue 9) -------------


def etas_are_current(db: Database) -> bool:
    """Whether a full recompute would change no stored ETA (nothing is written)."""
    with db.read() as s:
        changes = recompute_etas(s)
    return changes.updated == changes.removed == 0


def test_a_receipt_moves_the_etas_of_everything_else_on_order_from_its_supplier(
    db: Database,
) -> None:
    """ANN waits for a widget on SLOW's PO-W. SLOW delivers gadgets 5 days late: from now
    on SLOW is "usually 5 days late", and ANN's widget ETA (not received, not even on the
    PO received) says so at once, flagged as moved later."""
    make_shop(db)
    with db.write() as s:
        catalog.create_supplier(s, "SLOW", "Slow Ltd")
    order(db, "ANN", ("WIDGET", 2), ref="SO-1")
    po(db, "PO-W", D2, ("WIDGET", 2), supplier="SLOW")
    gadgets = po(db, "PO-G", TODAY - timedelta(days=5), ("GADGET", 1), supplier="SLOW")
    assert etas(db)["SO-1/1"] == (ON_ORDER, D2, D2, "PO-W", 0, False)
    confirm(db, preview(db, ("GADGET", 1), po_lines=gadgets, po_ref="PO-G"))
    late = D2 + timedelta(days=5)
    assert etas(db)["SO-1/1"] == (ON_ORDER, late, late, "PO-W", 0, True)
    assert etas_are_current(db)


def test_re_dating_a_po_that_has_had_receipts_moves_its_suppliers_other_etas(
    db: Database,
) -> None:
    """A part-received PO's expected date is its delivery's yardstick: re-dating it
    rewrites SLOW's history, and the ETA of every line waiting on SLOW's POs with it."""
    make_shop(db)
    with db.write() as s:
        catalog.create_supplier(s, "SLOW", "Slow Ltd")
        purchasing.create_purchase_order(
            s,
            "SLOW",
            [LineRequest("GADGET", 2)],
            ref="PO-G",
            ordered_at=datetime.combine(TODAY - timedelta(days=30), time(9), UTC),
            expected_date=TODAY - timedelta(days=20),
        )
    order(db, "ANN", ("WIDGET", 2), ref="SO-1")
    po(db, "PO-W", D2, ("WIDGET", 2), supplier="SLOW")
    with db.read() as s:
        (gadget_line,) = purchasing.receivable_purchase_order(s, "PO-G").lines
    confirm(db, preview(db, ("GADGET", 1), po_lines={"GADGET": gadget_line.po_line_id}))
    with db.write() as s:
        recompute_etas(s)  # SLOW: 20 days late (a receipt's own recompute, see above)
    assert etas(db)["SO-1/1"][:3] == (ON_ORDER, D2 + timedelta(days=20), D2 + timedelta(days=20))
    with db.write() as s:
        purchasing.set_expected_date(s, "PO-G", TODAY)  # it was due today after all
    assert etas(db)["SO-1/1"] == (ON_ORDER, D2, D2, "PO-W", 0, False)
    assert etas_are_current(db)


@pytest.mark.parametrize(
    ("second_delay", "likely", "late"),
    [
        (5, 5, 5),  # as late as usual: nothing moves, nothing else is recomputed
        (9, 5, 9),  # later than usual: the late case moves
        (1, 1, 5),  # earlier than usual: the likely date comes forward (median of 1 and 5)
    ],
)
def test_each_delivery_keeps_the_etas_waiting_on_its_supplier_current(
    db: Database, second_delay: int, likely: int, late: int
) -> None:
    make_shop(db)
    with db.write() as s:
        catalog.create_supplier(s, "SLOW", "Slow Ltd")
    order(db, "ANN", ("WIDGET", 2), ref="SO-1")
    po(db, "PO-W", D2, ("WIDGET", 2), supplier="SLOW")
    for ref, delay in (("PO-G1", 5), ("PO-G2", second_delay)):
        gadgets = po(db, ref, TODAY - timedelta(days=delay), ("GADGET", 1), supplier="SLOW")
        confirm(db, preview(db, ("GADGET", 1), po_lines=gadgets, po_ref=ref))
    assert etas(db)["SO-1/1"][1:3] == (D2 + timedelta(days=likely), D2 + timedelta(days=late))
    assert etas_are_current(db)
