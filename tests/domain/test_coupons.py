"""The coupon rules that need no database: codes, the wait that earns one, the discount."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.domain.coupons import (
    CODE_ALPHABET,
    CODE_LENGTH,
    discount_for,
    new_code,
    normalise_code,
    order_wait,
    shown_code,
    waited_long,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_codes_are_short_random_and_use_no_character_that_reads_as_another() -> None:
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(len(code) == CODE_LENGTH for code in codes)
    used = set("".join(codes))
    assert used <= set(CODE_ALPHABET)
    assert not used & set("0O1I")


def test_a_code_typed_with_spaces_dashes_or_small_letters_is_the_same_code() -> None:
    assert normalise_code(" abcd-efgh ") == "ABCDEFGH"
    assert normalise_code("ABCD EFGH") == "ABCDEFGH"
    assert shown_code("ABCDEFGH") == "ABCD-EFGH"


def test_an_order_waits_until_its_last_units_were_allocated() -> None:
    allocations = [T0 + timedelta(days=3), T0 + timedelta(days=16, hours=2)]
    assert order_wait(T0, allocations) == timedelta(days=16, hours=2)
    assert order_wait(T0, []) == timedelta(0)


def test_a_coupon_needs_strictly_more_than_the_days_of_the_rule() -> None:
    assert not waited_long(timedelta(days=14), 14)
    assert waited_long(timedelta(days=14, seconds=1), 14)
    assert not waited_long(timedelta(days=13, hours=23), 14)


@pytest.mark.parametrize(
    ("total", "percent", "amount", "digits", "off"),
    [
        (Decimal("80.00"), Decimal(10), None, 2, Decimal("8.00")),
        (Decimal("19.99"), Decimal("12.5"), None, 2, Decimal("2.50")),  # 2.49875 half up
        (Decimal("999"), Decimal(15), None, 0, Decimal("150")),  # yen: whole units
        (Decimal("80.00"), None, Decimal("5.00"), 2, Decimal("5.00")),
        (Decimal("3.20"), None, Decimal("5.00"), 2, Decimal("3.20")),  # never below zero
        (Decimal("40.00"), Decimal(100), None, 2, Decimal("40.00")),
        (Decimal("0.00"), None, Decimal("5.00"), 2, Decimal("0.00")),
    ],
)
def test_the_discount_is_a_share_of_the_line_total_or_an_amount_never_more_than_it(
    total: Decimal, percent: Decimal | None, amount: Decimal | None, digits: int, off: Decimal
) -> None:
    assert discount_for(total, percent=percent, amount=amount, digits=digits) == off
