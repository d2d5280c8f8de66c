"""Parsers for identifiers in text: BIN/IIN, IBAN (ИИК), BIC (БИК), with OCR post-correction."""

from __future__ import annotations

import re

from extractors.found import CORRECTED_FACTOR
from extractors.identifiers import KNOWN_BICS, correct_bic, correct_bin, correct_iban, is_valid_iban
from extractors.regions import ParsedValue

# 12 characters that are (mostly) digits: OCR may print O for 0, З for 3, l for 1...
_BIN_TOKEN = re.compile(r"(?<![\w/-])([0-9OoОоIlЗзБбSsB|]{12})(?![\w/-])")
_KZ_IBAN = re.compile(r"(?<![\w])([KК][ZzZ2З]\s?[0-9OОoо]{2}(?:\s?[0-9A-ZА-Я]){16})(?![\w])")
_ANY_IBAN = re.compile(r"(?<![\w])([A-Z]{2}\d{2}(?:\s?[A-Z0-9]){10,30})(?![\w])")
_ACCOUNT = re.compile(r"(?<![\w])(\d{10,20})(?![\w])")
_BIC = re.compile(r"(?<![\w])([A-ZА-Я0-9]{4}[A-ZА-Я0-9]{2}[A-ZА-Я0-9]{2}(?:[A-Z0-9]{3})?)(?![\w])")


def parse_bins(text: str) -> list[ParsedValue]:
    out: list[ParsedValue] = []
    for m in _BIN_TOKEN.finditer(text):
        token = m.group(1)
        if sum(c.isdigit() for c in token) < 9:
            continue
        fixed = correct_bin(token)
        if fixed is None:
            continue
        value, corrected = fixed
        out.append((m.start(1), m.end(1), value, CORRECTED_FACTOR if corrected else 1.0))
    return out


def parse_ibans(text: str) -> list[ParsedValue]:
    out: list[ParsedValue] = []
    taken: list[tuple[int, int]] = []
    for m in _KZ_IBAN.finditer(text):
        fixed = correct_iban(m.group(1))
        if fixed is not None:
            value, corrected = fixed
            out.append((m.start(1), m.end(1), value, CORRECTED_FACTOR if corrected else 1.0))
            taken.append((m.start(1), m.end(1)))
    for m in _ANY_IBAN.finditer(text):
        if any(s <= m.start(1) < e for s, e in taken):
            continue
        value = re.sub(r"\s", "", m.group(1))
        if is_valid_iban(value):
            out.append((m.start(1), m.end(1), value, 1.0))
    out.sort(key=lambda t: t[0])
    return out


def parse_accounts(text: str) -> list[ParsedValue]:
    """A foreign bank account number (no IBAN), e.g. a Chinese beneficiary's account."""
    return [(m.start(1), m.end(1), m.group(1), 0.9) for m in _ACCOUNT.finditer(text)]


def parse_bics(text: str) -> list[ParsedValue]:
    out: list[ParsedValue] = []
    for m in _BIC.finditer(text):
        fixed = correct_bic(m.group(1))
        if fixed is None:
            continue
        value, corrected = fixed
        if not value[:6].isalpha():
            continue
        out.append((m.start(1), m.end(1), value, (CORRECTED_FACTOR if corrected else 1.0)))
    return out


def parse_known_bics(text: str) -> list[ParsedValue]:
    """Without a label next to it, only a BIC we know is believable."""
    return [t for t in parse_bics(text) if t[2] in KNOWN_BICS]
