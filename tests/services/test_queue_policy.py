"""Who is served first: the shop's queue policy, pins and moves, and the positions they give."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from app.db import Database
from app.domain import Customer, LineEta, OrderLine, Product, SalesOrder, StockBalance
from app.domain.enums import CustomerTier, QueuePolicy
from app.domain.errors import InvalidTransition
from app.domain.queue import serving_key, serving_order
from app.services import catalog, queue
from app.services.eta import recompute_etas, waiting_lines
from tests.services.shop import T0, line_id, make_po, make_shop, order

FIFO, LOYALTY = QueuePolicy.FIFO, QueuePolicy.LOYALTY


def shop_with_gold(db: Database) -> None:
    """ANN, BOB, CAT, DAN (standard) and GIL, GUS (gold); WIDGET's queue, 2 units each:
    SO-1 ANN, SO-2 GIL, SO-3 BOB, SO-4 GUS, SO-5 CAT, a minute apart."""
    make_shop(db)
    with db.write() as s:
        catalog.create_customer(s, "GIL", "Gil", tier=CustomerTier.GOLD)
        catalog.create_customer(s, "GUS", "Gus", tier=CustomerTier.GOLD)
    for minute, (ref, customer) in enumerate(
        [("SO-1", "ANN"), ("SO-2", "GIL"), ("SO-3", "BOB"), ("SO-4", "GUS"), ("SO-5", "CAT")]
    ):
        order(db, customer, ("WIDGET", 2), ref=ref, minute=minute)


def queue_of(db: Database, sku: str = "WIDGET") -> list[tuple[str, int, int]]:
    """(order ref, position, units ahead) of a product's waiting lines, by stored position."""
    with db.read() as s:
        rows = s.execute(
            select(SalesOrder.ref, LineEta.position, LineEta.units_ahead)
            .join(OrderLine, OrderLine.order_id == SalesOrder.id)
            .join(LineEta, LineEta.order_line_id == OrderLine.id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(Product.sku == sku)
            .order_by(LineEta.position)
        ).all()
    return [(ref, position, ahead) for ref, position, ahead in rows]


def refs(db: Database, sku: str = "WIDGET") -> list[str]:
    return [ref for ref, _, _ in queue_of(db, sku)]


def policy(db: Database, new: QueuePolicy) -> None:
    with db.write() as s:
        queue.set_queue_policy(s, new)


def pin(db: Database, ref: str) -> queue.QueuePlace:
    with db.write() as s:
        return queue.pin_line(s, line_id(db, ref))


def unpin(db: Database, ref: str) -> None:
    with db.write() as s:
        queue.unpin_line(s, line_id(db, ref))


def move(db: Database, ref: str, direction: queue.Direction) -> queue.QueuePlace:
    with db.write() as s:
        return queue.move_line(s, line_id(db, ref), direction)


def version(db: Database, sku: str = "WIDGET") -> int:
    with db.read() as s:
        found = s.scalar(
            select(StockBalance.version)
            .join(Product, Product.id == StockBalance.product_id)
            .where(Product.sku == sku)
        )
        assert found is not None
        return found


def test_the_policy_is_fifo_until_a_manager_chooses_and_then_it_persists(db: Database) -> None:
    make_shop(db)
    with db.read() as s:
        assert queue.get_queue_policy(s) is FIFO
    policy(db, LOYALTY)
    with db.read() as s:
        assert queue.get_queue_policy(s) is LOYALTY
    policy(db, FIFO)
    with db.read() as s:
        assert queue.get_queue_policy(s) is FIFO


def test_fifo_positions_and_units_ahead_follow_placement(db: Database) -> None:
    shop_with_gold(db)
    assert queue_of(db) == [
        ("SO-1", 1, 0),
        ("SO-2", 2, 2),
        ("SO-3", 3, 4),
        ("SO-4", 4, 6),
        ("SO-5", 5, 8),
    ]


def test_loyalty_serves_gold_first_fifo_within_a_tier_and_changes_the_etas(db: Database) -> None:
    shop_with_gold(db)
    make_po(db, ("WIDGET", 4), ref="PO-1")
    with db.write() as s:
        recompute_etas(s)
    before = version(db)
    policy(db, LOYALTY)
    assert refs(db) == ["SO-2", "SO-4", "SO-1", "SO-3", "SO-5"]
    assert queue_of(db)[2] == ("SO-1", 3, 4)
    assert version(db) > before  # a preview taken before is stale
    with db.read() as s:
        covered = s.scalars(
            select(SalesOrder.ref)
            .join(OrderLine, OrderLine.order_id == SalesOrder.id)
            .join(LineEta, LineEta.order_line_id == OrderLine.id)
            .where(LineEta.po_line_id.is_not(None), LineEta.shortfall == 0)
        ).all()
    assert sorted(covered) == ["SO-2", "SO-4"]  # PO-1's 4 units go to the gold customers


def test_a_customer_made_gold_moves_up_under_loyalty_and_open_previews_go_stale(
    db: Database,
) -> None:
    shop_with_gold(db)
    policy(db, LOYALTY)
    before = version(db)
    with db.write() as s:
        catalog.update_customer(s, "CAT", tier=CustomerTier.GOLD)
    assert refs(db) == ["SO-2", "SO-4", "SO-5", "SO-1", "SO-3"]
    assert version(db) > before


def test_a_tier_change_leaves_the_fifo_queue_and_its_previews_alone(db: Database) -> None:
    shop_with_gold(db)
    before = version(db)
    with db.write() as s:
        catalog.update_customer(s, "CAT", tier=CustomerTier.GOLD)
    assert refs(db) == ["SO-1", "SO-2", "SO-3", "SO-4", "SO-5"]
    assert version(db) == before


def test_ties_on_placement_time_are_served_by_order_ref(db: Database) -> None:
    make_shop(db)
    order(db, "DAN", ("WIDGET", 1), ref="SO-B", minute=0)
    order(db, "ANN", ("WIDGET", 1), ref="SO-A", minute=0)
    assert refs(db) == ["SO-A", "SO-B"]


def test_pinned_lines_go_first_in_pin_order_and_unpinning_restores_the_place(
    db: Database,
) -> None:
    shop_with_gold(db)
    before = version(db)
    place = pin(db, "SO-5")
    assert (place.position, place.units_ahead) == (1, 0)
    assert "1st" in place.text
    pin(db, "SO-3")
    assert refs(db) == ["SO-5", "SO-3", "SO-1", "SO-2", "SO-4"]
    assert version(db) > before
    policy(db, LOYALTY)  # pins stay ahead of the gold customers
    assert refs(db) == ["SO-5", "SO-3", "SO-2", "SO-4", "SO-1"]
    unpin(db, "SO-5")
    assert refs(db) == ["SO-3", "SO-2", "SO-4", "SO-1", "SO-5"]
    with pytest.raises(InvalidTransition, match="not pinned"):
        unpin(db, "SO-5")
    with pytest.raises(InvalidTransition, match="already pinned"):
        pin(db, "SO-3")


def test_moving_up_and_down_swaps_with_the_neighbour(db: Database) -> None:
    shop_with_gold(db)
    before = version(db)
    assert move(db, "SO-3", "up").position == 2
    assert refs(db) == ["SO-1", "SO-3", "SO-2", "SO-4", "SO-5"]
    assert version(db) > before
    move(db, "SO-3", "up")
    assert refs(db) == ["SO-3", "SO-1", "SO-2", "SO-4", "SO-5"]
    move(db, "SO-1", "down")
    move(db, "SO-1", "down")
    assert refs(db) == ["SO-3", "SO-2", "SO-4", "SO-1", "SO-5"]
    move(db, "SO-5", "up")  # into a run of lines sharing a queue time: exact place
    assert refs(db) == ["SO-3", "SO-2", "SO-4", "SO-5", "SO-1"]
    move(db, "SO-2", "down")
    assert refs(db) == ["SO-3", "SO-4", "SO-2", "SO-5", "SO-1"]


def test_a_move_past_either_end_of_the_queue_is_refused(db: Database) -> None:
    shop_with_gold(db)
    with pytest.raises(InvalidTransition, match="already first"):
        move(db, "SO-1", "up")
    with pytest.raises(InvalidTransition, match="already last"):
        move(db, "SO-5", "down")
    assert refs(db) == ["SO-1", "SO-2", "SO-3", "SO-4", "SO-5"]


def test_under_loyalty_a_move_across_tiers_is_refused_with_a_pin_suggested(db: Database) -> None:
    shop_with_gold(db)
    policy(db, LOYALTY)  # SO-2 GIL, SO-4 GUS, SO-1 ANN, SO-3 BOB, SO-5 CAT
    with pytest.raises(InvalidTransition, match="Pin it to the front instead"):
        move(db, "SO-1", "up")
    with pytest.raises(InvalidTransition, match="gold customer's line cannot move behind"):
        move(db, "SO-4", "down")
    move(db, "SO-4", "up")  # within the gold tier: fine
    move(db, "SO-5", "up")  # within the standard tier: fine
    assert refs(db) == ["SO-4", "SO-2", "SO-1", "SO-5", "SO-3"]


def test_moves_never_cross_the_pinned_lines(db: Database) -> None:
    shop_with_gold(db)
    pin(db, "SO-4")
    with pytest.raises(InvalidTransition, match="pinned"):
        move(db, "SO-1", "up")
    with pytest.raises(InvalidTransition, match="Unpin"):
        move(db, "SO-4", "down")


def test_moves_survive_a_policy_switch(db: Database) -> None:
    shop_with_gold(db)
    move(db, "SO-5", "up")  # CAT ahead of GUS under FIFO
    move(db, "SO-5", "up")  # and ahead of BOB
    assert refs(db) == ["SO-1", "SO-2", "SO-5", "SO-3", "SO-4"]
    policy(db, LOYALTY)  # gold first; CAT stays ahead of BOB among the standard customers
    assert refs(db) == ["SO-2", "SO-4", "SO-1", "SO-5", "SO-3"]
    policy(db, FIFO)
    assert refs(db) == ["SO-1", "SO-2", "SO-5", "SO-3", "SO-4"]


def test_a_line_that_no_longer_waits_cannot_be_reordered(db: Database) -> None:
    make_shop(db)
    with db.write() as s:
        catalog.create_product(s, "PLENTY", "Plenty", supplier_code="SUP")
    from tests.services.shop import add_stock

    add_stock(db, "PLENTY", 10)
    order(db, "ANN", ("PLENTY", 1), ref="SO-1")
    with pytest.raises(InvalidTransition, match="no longer waiting"):
        pin(db, "SO-1")


# --- the one ordering: SQL and memory agree -------------------------------------------------

_LINE = st.tuples(
    st.integers(0, 3),  # customer: 0-1 gold, 2-3 standard
    st.integers(0, 3),  # queued minute (few values: many ties)
    st.booleans(),  # pinned
    st.integers(-2, 2),  # nudge
    st.integers(0, 2),  # product
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(_LINE, min_size=1, max_size=14), loyalty=st.booleans())
def test_serving_order_in_sql_and_serving_key_in_memory_agree(
    db: Database, lines: list[tuple[int, int, bool, int, int]], loyalty: bool
) -> None:
    chosen = LOYALTY if loyalty else FIFO
    with db.read() as s:
        fresh = s.scalar(select(Customer.id).where(Customer.code == "G0")) is None
    if fresh:
        make_shop(db, customers=())
    with db.write() as s:
        if fresh:
            for n in range(4):
                tier = CustomerTier.GOLD if n < 2 else CustomerTier.STANDARD
                catalog.create_customer(s, f"G{n}" if n < 2 else f"S{n}", f"C{n}", tier=tier)
            for n in range(3):
                catalog.create_product(s, f"P{n}", f"P{n}", supplier_code="SUP")
        customers = list(s.scalars(select(Customer.id).order_by(Customer.id)))
        products = list(s.scalars(select(Product.id).where(Product.sku.like("P_"))))
        for n, (customer, minute, pinned, nudge, product) in enumerate(lines):
            placed = T0 + timedelta(minutes=minute)
            so = SalesOrder(ref=f"SO-{n % 5}{n:02d}", customer_id=customers[customer])
            so.placed_at = placed
            s.add(so)
            s.flush()
            s.add(
                OrderLine(
                    order_id=so.id,
                    line_no=1 + n % 2,
                    product_id=products[product],
                    qty_ordered=1,
                    qty_backordered=1,
                    queued_at=placed,
                    pinned=pinned,
                    queue_nudge=nudge,
                )
            )
    try:
        with db.read() as s:
            rows = s.execute(
                select(
                    OrderLine.id,
                    OrderLine.product_id,
                    OrderLine.pinned,
                    Customer.tier,
                    OrderLine.queued_at,
                    OrderLine.queue_nudge,
                    SalesOrder.ref,
                    OrderLine.line_no,
                )
                .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
                .join(Customer, Customer.id == SalesOrder.customer_id)
                .where(OrderLine.qty_backordered > 0)
                .order_by(OrderLine.product_id, *serving_order(chosen))
            ).all()
            in_memory = sorted(
                rows,
                key=lambda r: (
                    r[1],
                    serving_key(
                        chosen,
                        pinned=r[2],
                        tier=r[3],
                        queued_at=r[4],
                        nudge=r[5],
                        order_ref=r[6],
                        line_no=r[7],
                    ),
                ),
            )
            assert [r[0] for r in rows] == [r[0] for r in in_memory]
            # The ETA walk's own fast reading serves the same order.
            assert [w.order_line_id for w in waiting_lines(s, policy=chosen)] == [
                r[0] for r in rows
            ]
    finally:
        with db.write() as s:
            s.execute(delete(OrderLine))
            s.execute(delete(SalesOrder))
