"""The backorder queue's serving order: first placed, then order ref, then line number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.queue import serving_key

T = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_earlier_placed_lines_are_served_first() -> None:
    rows = [(T + timedelta(seconds=1), "SO-1", 1), (T, "SO-9", 3)]
    assert sorted(rows, key=lambda r: serving_key(*r))[0] == (T, "SO-9", 3)


def test_ties_on_time_are_broken_by_order_ref_then_line_number() -> None:
    rows = [(T, "SO-000002", 1), (T, "SO-000001", 2), (T, "SO-000001", 1)]
    assert sorted(rows, key=lambda r: serving_key(*r)) == [
        (T, "SO-000001", 1),
        (T, "SO-000001", 2),
        (T, "SO-000002", 1),
    ]
