"""BIN/IIN and IBAN: check digits and OCR post-correction that only accepts values passing the check."""

from __future__ import annotations

from extractors.id_values import parse_bics, parse_bins, parse_ibans
from extractors.identifiers import correct_bic, correct_bin, correct_iban, is_valid_bin, is_valid_iban

VALID_BIN = "111040086517"
VALID_IBAN = "KZ685511883060648324"


def test_fixture_values_are_valid() -> None:
    assert is_valid_bin(VALID_BIN)
    assert is_valid_iban(VALID_IBAN)


def test_bin_as_printed_is_kept_even_when_invalid() -> None:
    invalid = VALID_BIN[:-1] + str((int(VALID_BIN[-1]) + 1) % 10)
    assert not is_valid_bin(invalid)
    assert correct_bin(invalid) == (invalid, False)


def test_bin_ocr_confusions_repaired_only_when_check_digit_passes() -> None:
    damaged = "11104OO865l7"  # O for 0, l for 1
    assert correct_bin(damaged) == (VALID_BIN, True)
    # A damaged token whose repair fails the check digit is not guessed.
    assert correct_bin("11104OO865l8") is None
    assert correct_bin("1110400865") is None


def test_iban_ocr_confusions() -> None:
    assert correct_iban("K2685511883060648324") == (VALID_IBAN, True)
    assert correct_iban("KZ68 5511 8830 6064 8324") == (VALID_IBAN, False)
    assert correct_iban("KZ685511883060648325") is None


def test_bic_cyrillic_lookalikes() -> None:
    assert correct_bic("Т5Е5К2КА") == ("TSESKZKA", True)
    assert correct_bic("HSBKKZKX") == ("HSBKKZKX", False)


def test_parsers_find_values_in_text() -> None:
    text = "ИИН/БИН 11104OO865l7 ИИК K2685511883060648324 БИК KSNVKZKA"
    bins = parse_bins(text)
    assert bins and bins[0][2] == VALID_BIN and bins[0][3] < 1.0
    ibans = parse_ibans(text)
    assert ibans and ibans[0][2] == VALID_IBAN
    assert any(b[2] == "KSNVKZKA" for b in parse_bics(text))


def test_words_are_not_bins() -> None:
    assert parse_bins("Бережливое производство 2023") == []
