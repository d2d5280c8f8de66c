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
