"""Kazakh identifiers: BIN/IIN check digit, IBAN (ИИК) mod-97, bank code → BIC.

Facts and sources: ``../shared/reference/kz_facts.md`` §1–2 (weights from the
kaz-person-id and python-stdnum implementations; BIC list from the NBRK table).
"""

from __future__ import annotations

import re

_BIN_WEIGHTS_1 = tuple(range(1, 12))
_BIN_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)

# Bank code (IBAN positions 5–7) → BIC. kz_facts.md §2.
BANK_CODE_TO_BIC: dict[str, str] = {
    "601": "HSBKKZKX",
    "722": "CASPKZKA",
    "856": "KCJBKZKX",
    "965": "IRTYKZKA",
    "998": "TSESKZKA",
    "914": "BRKEKZKA",
    "551": "KSNVKZKA",
    "948": "EURIKZKA",
    "886": "INLMKZKA",
    "821": "KINCKZKA",
    "949": "ATYNKZKA",
    "849": "NURSKZKX",
    "972": "HCSKKZKA",
    "432": "VTBAKZKZ",
    "832": "CITIKZKA",
    "435": "SHBKKZKA",
    "913": "BKCHKZKA",
    "930": "ICBKKZKX",
    "896": "ZAJSKZ22",
    "719": "KMFBKZKK",
    "563": "KPSTKZKA",
    "125": "NBRKKZKX",
    "070": "KKMFKZ2A",
    "009": "GCVPKZ2A",
}
KNOWN_BICS = frozenset(BANK_CODE_TO_BIC.values())


def bin_check_digit(first11: str) -> int | None:
    """The 12th digit for 11 given digits, or None when no valid check digit exists."""
    digits = [int(c) for c in first11]
    s = sum(d * w for d, w in zip(digits, _BIN_WEIGHTS_1)) % 11
    if s == 10:
        s = sum(d * w for d, w in zip(digits, _BIN_WEIGHTS_2)) % 11
        if s == 10:
            return None
    return s


def is_valid_bin(value: str | None) -> bool:
    """True for a 12-digit BIN/IIN whose check digit is right."""
    if value is None or not re.fullmatch(r"\d{12}", value):
        return False
    check = bin_check_digit(value[:11])
    return check is not None and check == int(value[11])


def normalize_iban(value: str) -> str:
    return re.sub(r"[\s-]", "", value).upper()


def is_valid_iban(value: str | None) -> bool:
    """ISO 13616 mod-97 check; Kazakh IBANs are 20 characters starting with KZ."""
    if not value:
        return False
    iban = normalize_iban(value)
    if not re.fullmatch(r"[A-Z]{2}\d{2}[0-9A-Z]{10,30}", iban):
        return False
    if iban.startswith("KZ") and len(iban) != 20:
        return False
    rearranged = iban[4:] + iban[:4]
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    return int(numeric) % 97 == 1


def bic_for_iban(iban: str) -> str | None:
    iban = normalize_iban(iban)
    if not iban.startswith("KZ") or len(iban) < 7:
        return None
    return BANK_CODE_TO_BIC.get(iban[4:7])


# --------------------------------------------------------------------------- OCR post-correction

# Characters tesseract confuses with digits (Latin and Cyrillic look-alikes). A corrected value is
# accepted only when it then passes the check digit / mod-97, and it is reported as corrected so the
# caller can lower its confidence.
OCR_DIGIT_CONFUSIONS: dict[str, str] = {
    "O": "0", "o": "0", "О": "0", "о": "0", "D": "0", "Q": "0", "U": "0",
    "I": "1", "l": "1", "|": "1", "i": "1", "!": "1", "L": "1", "]": "1", "[": "1",
    "Z": "2", "z": "2",
    "З": "3", "з": "3",
    "A": "4", "Ч": "4", "ч": "4",
    "S": "5", "s": "5", "$": "5",
    "Б": "6", "б": "6", "G": "6",
    "T": "7", "Т": "7",
    "B": "8", "В": "8", "&": "8",
    "g": "9", "q": "9",
}
# In the letter part of an IBAN / BIC the confusion goes the other way as well.
OCR_LETTER_CONFUSIONS: dict[str, str] = {
    "0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G",
    "К": "K", "Z": "Z", "А": "A", "В": "B", "Е": "E", "Н": "H", "М": "M", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "І": "I",
}


def _to_digits(raw: str) -> str:
    return "".join(OCR_DIGIT_CONFUSIONS.get(c, c) for c in raw)


def correct_bin(raw: str) -> tuple[str, bool] | None:
    """A 12-digit BIN/IIN from a possibly OCR-damaged token.

    Returns (value, corrected). A token that is already 12 digits is returned as printed even when
    its check digit fails (the corpus reports invalid BINs as printed). A damaged token is repaired
    only when the repaired value passes the check digit.
    """
    token = re.sub(r"[\s\u00a0]", "", raw)
    if re.fullmatch(r"\d{12}", token):
        return token, False
    if len(token) != 12:
        return None
    fixed = _to_digits(token)
    if re.fullmatch(r"\d{12}", fixed) and is_valid_bin(fixed):
        return fixed, True
    return None


def correct_iban(raw: str) -> tuple[str, bool] | None:
    """A Kazakh IBAN from a possibly OCR-damaged token (KZ + 18), repaired only when mod-97 then passes."""
    token = normalize_iban(raw)
    if len(token) != 20:
        return None
    if is_valid_iban(token):
        return token, False
    head = "KZ"
    check = _to_digits(token[2:4])
    bank = _to_digits(token[4:7])
    rest = token[7:]
    candidates = [head + check + bank + rest]
    # The account part may hold letters; try reading ambiguous characters as digits.
    candidates.append(head + check + bank + _to_digits(rest))
    for cand in candidates:
        cand = "".join(OCR_LETTER_CONFUSIONS.get(c, c) if not c.isdigit() else c for c in cand)
        if is_valid_iban(cand):
            return cand, True
    return None


def correct_bic(raw: str) -> tuple[str, bool] | None:
    """An 8- or 11-character BIC; Cyrillic look-alikes and digit/letter confusions in the first 6 are fixed."""
    token = re.sub(r"[\s|]", "", raw).upper()
    fixed = "".join(OCR_LETTER_CONFUSIONS.get(c, c) for c in token[:6]) + "".join(
        OCR_LETTER_CONFUSIONS.get(c, c) if not c.isdigit() else c for c in token[6:]
    )
    if not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?", fixed):
        return None
    return fixed, fixed != token
