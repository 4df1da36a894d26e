"""The backorder queue's serving order: pins, then (loyalty) tier, then queue time, nudge, order
ref and line number; and the nudges a manager's move gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.enums import CustomerTier, QueuePolicy
from app.domain.queue import QueuedLine, nudges_for_move, ordinal

T = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
FIFO, LOYALTY = QueuePolicy.FIFO, QueuePolicy.LOYALTY


def line(
    ref: str,
    *,
    minutes: int = 0,
    tier: str = "standard",
    pinned: bool = False,
    nudge: int = 0,
    line_no: int = 1,
    id: int = 0,
) -> QueuedLine:
    return QueuedLine(
        id or hash((ref, line_no)) % 10_000,
        pinned,
        CustomerTier(tier),
        T + timedelta(minutes=minutes),
        nudge,
        ref,
        line_no,
    )


def served(policy: QueuePolicy, *lines: QueuedLine) -> list[str]:
    return [f"{q.order_ref}/{q.line_no}" for q in sorted(lines, key=lambda q: q.key(policy))]


def test_earlier_queued_lines_are_served_first() -> None:
    assert served(FIFO, line("SO-1", minutes=1), line("SO-9"))[0] == "SO-9/1"


def test_ties_on_time_are_broken_by_nudge_then_order_ref_then_line_number() -> None:
    lines = (line("SO-2"), line("SO-1", line_no=2), line("SO-1"), line("SO-3", nudge=-1))
    assert served(FIFO, *lines) == ["SO-3/1", "SO-1/1", "SO-1/2", "SO-2/1"]


def test_loyalty_serves_gold_customers_first_and_fifo_within_a_tier() -> None:
    lines = (
        line("SO-1", minutes=0),
        line("SO-2", minutes=1, tier="gold"),
        line("SO-3", minutes=2),
        line("SO-4", minutes=3, tier="gold"),
    )
    assert served(LOYALTY, *lines) == ["SO-2/1", "SO-4/1", "SO-1/1", "SO-3/1"]
    assert served(FIFO, *lines) == ["SO-1/1", "SO-2/1", "SO-3/1", "SO-4/1"]


def test_pinned_lines_come_first_in_pin_order_under_either_policy() -> None:
    lines = (
        line("SO-1", minutes=0, tier="gold"),
        line("SO-2", minutes=90, pinned=True),  # pinned second
        line("SO-3", minutes=60, pinned=True),  # pinned first
    )
    for policy in (FIFO, LOYALTY):
        assert served(policy, *lines) == ["SO-3/1", "SO-2/1", "SO-1/1"]


def test_a_moves_class_is_pinned_or_tier_under_loyalty_and_pinned_only_under_fifo() -> None:
    gold, standard, pinned = line("G", tier="gold"), line("S"), line("P", pinned=True)
    assert gold.rank(FIFO) == standard.rank(FIFO) != pinned.rank(FIFO)
    assert gold.rank(LOYALTY) != standard.rank(LOYALTY)
    assert pinned.rank(LOYALTY) != gold.rank(LOYALTY)


def test_moving_up_slots_the_line_just_ahead_of_its_neighbour_renumbering_the_tie() -> None:
    a, b, c = line("SO-1", id=1), line("SO-2", id=2), line("SO-3", id=3)
    moved = line("SO-9", minutes=5, id=9)
    nudges = nudges_for_move(moved, c, [a, b, c], ahead=True)
    after = [
        q._replace(nudge=nudges.get(q.order_line_id, q.nudge), queued_at=T)
        for q in (a, b, c, moved)
    ]
    assert served(FIFO, *after) == ["SO-1/1", "SO-2/1", "SO-9/1", "SO-3/1"]
    assert 1 not in nudges  # SO-1 keeps its nudge 0: only changed nudges are written


def test_moving_down_slots_the_line_just_behind_its_neighbour() -> None:
    a, b = line("SO-1", id=1), line("SO-2", id=2)
    moved = line("SO-0", minutes=-5, id=9)
    nudges = nudges_for_move(moved, a, [a, b], ahead=False)
    after = [
        q._replace(nudge=nudges.get(q.order_line_id, q.nudge), queued_at=T) for q in (a, b, moved)
    ]
    assert served(FIFO, *after) == ["SO-1/1", "SO-0/1", "SO-2/1"]


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111, 1002)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th",
        "1,002nd",
    ]  # fmt: skip
