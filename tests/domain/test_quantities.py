"""Quantities typed or imported by people: whole units between 1 (or 0) and 999,999."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import InvalidQuantity, ShopError
from app.domain.quantities import MAX_QUANTITY, check_quantity, parse_quantity


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7", 7), (" 7 ", 7), ("\t12\n", 12), ("1", 1), ("999999", 999_999), (5, 5), ("+3", 3)],
)
def test_whole_numbers_are_accepted_with_surrounding_spaces(text: str | int, expected: int) -> None:
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("abc", "whole number"),
        ("1.5", "whole number"),
        ("1,5", "whole number"),
        ("1e9", "whole number"),
        ("-3", "negative"),
        ("0", "at least 1"),
        ("1000000", "too large"),
        ("1_000", "whole number"),
        ("\u0663", "whole number"),  # an Arabic-Indic three: int() takes it, a till should not
        ("9" * 40, "too large"),
        (-1, "negative"),
        (0, "at least 1"),
        (10**12, "too large"),
    ],
)
def test_bad_quantities_are_refused_with_a_plain_reason(text: str | int, words: str) -> None:
    with pytest.raises(InvalidQuantity) as raised:
        parse_quantity(text)
    assert words in str(raised.value)
    assert isinstance(raised.value, ShopError)


def test_zero_is_accepted_only_where_allowed() -> None:
    assert parse_quantity("0", allow_zero=True) == 0
    assert check_quantity(0, allow_zero=True) == 0
    with pytest.raises(InvalidQuantity):
        check_quantity(0)


def test_the_message_names_what_was_wrong() -> None:
    with pytest.raises(InvalidQuantity, match="Quantity of WIDGET"):
        parse_quantity("x", what="Quantity of WIDGET")


def test_a_very_long_input_is_shortened_in_the_message() -> None:
    with pytest.raises(InvalidQuantity) as raised:
        parse_quantity("9" * 5 + "x" * 500)
    assert len(str(raised.value)) < 100


@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_quantities(value: bool) -> None:
    with pytest.raises(InvalidQuantity):
        parse_quantity(value)
    with pytest.raises(InvalidQuantity):
        check_quantity(value)


@pytest.mark.parametrize("value", [1.0, 2.5, "3", None])
def test_check_quantity_refuses_anything_but_an_int(value: object) -> None:
    with pytest.raises(InvalidQuantity):
        check_quantity(value)  # type: ignore[arg-type]


def test_the_largest_quantity_is_999_999() -> None:
    assert MAX_QUANTITY == 999_999
    assert check_quantity(999_999) == 999_999
    with pytest.raises(InvalidQuantity):
        check_quantity(1_000_000)


@given(st.integers(min_value=1, max_value=MAX_QUANTITY), st.text(" \t", max_size=3))
def test_every_quantity_in_range_round_trips_through_text(value: int, pad: str) -> None:
    assert parse_quantity(f"{pad}{value}{pad}") == value


@given(st.integers().filter(lambda v: v < 1 or v > MAX_QUANTITY))
def test_every_integer_out_of_range_is_refused(value: int) -> None:
    with pytest.raises(InvalidQuantity):
        parse_quantity(str(value))
