"""Barcode validation: GTIN-8/12/13/14 check digits (python-stdnum), lengths, digits only."""

from __future__ import annotations

import pytest

from app.domain.barcodes import InvalidBarcode, is_valid_gtin, looks_like_barcode, validate_gtin


@pytest.mark.parametrize(
    "code",
    ["96385074", "036000291452", "4006381333931", "5012345678900", "10012345678902"],
)
def test_gtins_of_every_length_with_a_right_check_digit_are_valid(code: str) -> None:
    assert validate_gtin(f" {code} ") == code
    assert is_valid_gtin(code)


@pytest.mark.parametrize("code", ["96385075", "036000291453", "4006381333932", "10012345678903"])
def test_a_wrong_check_digit_is_reported_as_a_misread(code: str) -> None:
    with pytest.raises(InvalidBarcode, match="wrong check digit"):
        validate_gtin(code)
    assert not is_valid_gtin(code)


@pytest.mark.parametrize("code", ["1234567", "123456789", "12345678901", "123456789012345"])
def test_a_wrong_length_says_how_many_digits_a_barcode_has(code: str) -> None:
    with pytest.raises(
        InvalidBarcode, match=f"it has {len(code)} digits, a GTIN has 8, 12, 13 or 14"
    ):
        validate_gtin(code)


@pytest.mark.parametrize("code", ["400638133393X", "ABCDEFGH", "4006381 33393a"])
def test_non_digits_are_not_a_barcode(code: str) -> None:
    with pytest.raises(InvalidBarcode, match="a GTIN has only digits"):
        validate_gtin(code)


def test_only_all_digit_codes_are_treated_as_barcodes() -> None:
    assert looks_like_barcode("4006381333932")
    assert looks_like_barcode("123")
    assert not looks_like_barcode("MUG-1")
    assert not looks_like_barcode("١٢٣٤٥٦٧٨")  # Arabic-Indic digits are not a scan
    assert not looks_like_barcode("")
