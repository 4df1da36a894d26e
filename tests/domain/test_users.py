"""PINs: 4 to 8 digits, hashed with scrypt and a salt per user, the cost stored with the hash."""

from __future__ import annotations

import pytest

from app.domain.errors import InvalidInput
from app.domain.users import (
    PIN_COST,
    ScryptCost,
    check_name,
    check_pin,
    hash_pin,
    name_key,
    needs_rehash,
    pin_matches,
)


@pytest.mark.parametrize("pin", ["1234", "00000000", "987654"])
def test_a_pin_of_four_to_eight_digits_is_accepted(pin: str) -> None:
    assert check_pin(pin) == pin


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "12 34", "", "١٢٣٤", "-123"])
def test_any_other_pin_is_refused_in_plain_words(pin: str) -> None:
    with pytest.raises(InvalidInput, match=r"A PIN is 4 to 8 digits \(0-9\), nothing else\."):
        check_pin(pin)


def test_a_hash_checks_its_own_pin_and_no_other() -> None:
    stored = hash_pin("4321")
    assert pin_matches("4321", stored)
    assert not pin_matches("4322", stored)
    assert not pin_matches("", stored)
    assert not pin_matches("٤٣٢١", stored)


def test_two_users_with_one_pin_get_different_hashes() -> None:
    assert hash_pin("1111") != hash_pin("1111")


def test_the_cost_is_stored_with_the_hash_so_it_can_be_raised_later() -> None:
    cheap = ScryptCost(n=2**10, r=8, p=1)
    stored = hash_pin("2468", cost=cheap)
    assert stored.startswith("scrypt$n=1024,r=8,p=1$")
    assert pin_matches("2468", stored)  # checked with the cost it was made with
    assert needs_rehash(stored)
    assert not needs_rehash(hash_pin("2468", cost=PIN_COST))


def test_names_are_one_user_whatever_their_case_and_spacing() -> None:
    assert check_name("  Ann   Lee ") == "Ann Lee"
    assert name_key("ANN lee") == name_key(" ann  Lee") == "ann lee"
    with pytest.raises(InvalidInput, match="A user needs a name"):
        check_name("   ")
    with pytest.raises(InvalidInput, match="at most 40 characters"):
        check_name("x" * 41)
