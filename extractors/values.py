"""Typed values in running text: amounts, document numbers, currencies, periods (dates: ``extractors.dates``).

Every ``find_*`` returns matches as ``(start, end, value)`` over the given string so that the caller
can map the span back to word boxes (provenance). Parsers never raise: unreadable input gives None.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from extractors.dates import MONTH_WORD, find_dates, month_number
from extractors.vocabulary import vocabulary

# --------------------------------------------------------------------------- amounts

# Thousands separated by (narrow, thin) spaces, commas or apostrophes (Swiss "1'234'567.89", also with a
# typographic apostrophe); decimals by comma, dot or dash ("12345678-90", a Kazakh bank form habit).
# Lookarounds keep us out of dates, IBANs and percentages.
_SEP = r"[ \u00a0\u202f\u2009'’]"
_AMOUNT_BODIES = [
    # an amount wrapped at the end of a line: "НДС 12% – 6\n625 200.00"
    rf"\d{{1,3}}(?:{_SEP}\d{{3}})*\n\d{{3}}(?:{_SEP}\d{{3}})*[.,]\d{{2}}",
    rf"\d{{1,3}}(?:{_SEP}\d{{3}})+(?:[.,]\d{{1,2}})?",  # 12 345 678,90
    rf"\d{{4}}(?:{_SEP}\d{{3}})+[.,]\d{{2}}",  # OCR lost a space: "2537 000,00"
    # justified text stretches the spaces inside a number too ("36  970  000,00"); only with kopecks,
    # so that integers in neighbouring table columns are not glued together. OCR spaces a number's groups
    # unevenly as well ("4  134 240.00" on a scanned payroll sheet), so the gaps need not be even: a cell's
    # "3" before "136 150 000,00" on a text layer is glued by this too (measured: making gaps even cost three
    # scanned payroll and application totals on dev, dev-b and builder for one act on a forms family).
    rf"\d{{1,3}}(?:{_SEP}{{1,3}}\d{{3}})+[.,]\d{{2}}",
    r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?",  # 1,234,567.89
    r"\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d{1,2})?",  # 16,72,000.00 (Indian lakh grouping)
    r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?",  # 1.234.567,89 (German)
    r"\d+-\d{2}(?!\d)",  # 53650-00
    r"\d+(?:[.,]\d{1,2})?",  # 2841440.00 / 12
]
_AMOUNT_BODY = "|".join(_AMOUNT_BODIES)
# Not followed by a letter, a percent sign (also after a space: "12 %"), a slash or more decimals.
_AMOUNT_END = r"(?![\w%/]|[.,]\d|\s?%)"
AMOUNT_RE = re.compile(rf"(?<![\w.,/-])(?:{_AMOUNT_BODY}){_AMOUNT_END}", re.UNICODE)
# The same numbers where only a digit may not stand right before: "Rs.1,939.00", "USD1 000"; the caller
# then asks for a currency sign in front (see find_money).
_AMOUNT_AFTER_ANYTHING_RE = re.compile(rf"(?<!\d)(?:{_AMOUNT_BODY}){_AMOUNT_END}", re.UNICODE)

# Numbers that are not amounts. A phone number: "+7 (727) 123-45-67", "8 701 234 56 78", "тел. 2-58-96".
_PHONE_RES = [
    re.compile(r"\+\d{1,3}[\s.-]?\(?\d{2,5}\)?[\s.-]?\d{1,4}(?:[\s.-]?\d{2,4}){1,3}(?!\d)(?![.,]\d)"),
    re.compile(r"(?<![\d,.])8[\s-]?\(?\d{3}\)?[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}(?![\d,.])"),
    re.compile(r"\(\d{3,5}\)\s?\d{1,3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)"),
    re.compile(
        r"(?i:\b(?:тел|телефон|моб|факс|tel|phone|fax|mobile|telefon|téléphone)\b\.?\s*[:.]?\s*)"
        r"(\+?[\d()][\d\s()-]{4,18}\d)"
    ),
]
# A phone number without a label has at least this many digits (a Kazakh mobile has eleven).
PHONE_MIN_DIGITS = 9
# An IBAN, also printed in groups of four: "KZ68 5511 8830 6064 8324", "DE89 3704 0044 0532 0130 00".
_IBAN_RE = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?(?![A-Za-z0-9])")
# A run of this many digits without any separator is an identifier (BIN/IIN, account, phone), not money.
IDENTIFIER_MIN_DIGITS = 11


def parse_amount(text: str | None) -> float | None:
    """'12 345 678,90' / '1,234,567.89' / '12345678-90' / '1.234,50' / "1'234.50" -> float; None when
    not an amount."""
    if text is None:
        return None
    s = re.sub(r"[\s\u00a0\u202f\u2009'’]", "", str(text))  # also joins an amount wrapped over two lines
    s = s.strip(".,;:")
    if not s or not re.fullmatch(r"[\d.,-]+", s) or not re.search(r"\d", s):
        return None
    m = re.fullmatch(r"(\d+)-(\d{2})", s)
    if m:
        return float(f"{m.group(1)}.{m.group(2)}")
    if "-" in s:
        return None
    if "," in s and "." in s:
        if s.rfind(".") > s.rfind(","):
            s = s.replace(",", "")
        else:
            s = s.replace(".", "").replace(",", ".")
    elif "," in s:
        head, _, tail = s.rpartition(",")
        s = f"{head.replace(',', '')}.{tail}" if len(tail) in (1, 2) or head == "0" else s.replace(",", "")
    elif s.count(".") > 1 or (
        s.count(".") == 1 and len(s.rpartition(".")[2]) == 3 and len(s) > 4 and not s.startswith("0.")
    ):
        s = s.replace(".", "")
    try:
        return float(s)
    except ValueError:
        return None


def _not_amount_spans(text: str) -> list[tuple[int, int]]:
    """Spans of phone numbers, IBANs and dates: numbers inside them are not amounts."""
    spans: list[tuple[int, int]] = []
    for pattern in _PHONE_RES:
        for m in pattern.finditer(text):
            g = 1 if pattern.groups else 0
            if pattern.groups or sum(ch.isdigit() for ch in m.group(0)) >= PHONE_MIN_DIGITS:
                spans.append((m.start(g), m.end(g)))
    spans.extend((m.start(), m.end()) for m in _IBAN_RE.finditer(text))
    spans.extend((d.start, d.end) for d in find_dates(text))
    return spans


def _inside(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(a < e and s < b for a, b in spans)


def _is_identifier(raw: str) -> bool:
    return raw.isdigit() and len(raw) >= IDENTIFIER_MIN_DIGITS


def find_amounts(text: str, min_value: float = 0.0) -> list[tuple[int, int, float]]:
    """Every number that may be an amount, as (start, end, value). Not: parts of a date, a phone number or
    an IBAN, a percentage ("12 %"), a run of eleven or more bare digits (a BIN, an account)."""
    out = []
    excluded: list[tuple[int, int]] | None = None
    for m in AMOUNT_RE.finditer(text):
        raw = m.group(0)
        if _is_identifier(raw):
            continue
        value = parse_amount(raw)
        if value is None or value < min_value:
            continue
        if excluded is None:
            excluded = _not_amount_spans(text)
        if _inside(excluded, m.start(), m.end()):
            continue
        out.append((m.start(), m.end(), value))
    return out


def looks_like_money(raw: str) -> bool:
    """An amount printed with kopecks/tiyn or thousands groups, as opposed to a bare count like '5'."""
    return bool(re.search(r"[.,-]\d{2}$", raw.strip())) or bool(re.search(rf"\d{_SEP}\d{{3}}", raw))


# --------------------------------------------------------------------------- money (amount + currency)


class Money(NamedTuple):
    """An amount with the currency printed right next to it ("56,02 €", "EUR 4.904,94"), or None."""

    start: int
    end: int
    value: float
    currency: str | None
    raw: str  # the amount as printed, without the currency


@dataclass(frozen=True)
class DocumentCurrency:
    """The currency codes and signs a document prints, with their counts."""

    codes: Counter[str]  # ISO codes and currency words, by the code they name ("тенге" counts as KZT)
    signs: Counter[str]  # signs several currencies print: "$", "¥", "Rs", "kr"

    def resolve(self, sign: str) -> str | None:
        """The code a shared sign stands for on this document: the most printed of its codes, else the
        sign's default, else None."""
        spec = vocabulary().currency_signs.get(_sign_key(sign))
        if spec is None:
            return None
        printed = [(self.codes[c], c) for c in spec.codes if self.codes[c]]
        if printed:
            return max(printed)[1]
        return spec.default


_GLUED_BEFORE = re.compile(r"[\w.,/-]")


def _sign_key(token: str) -> str:
    return token.strip().rstrip(".")


@lru_cache(maxsize=256)
def _code_of_token(token: str) -> str | None:
    """The ISO code a currency token names on its own ("тенге" → KZT, "€" → EUR); None for a shared sign."""
    if _sign_key(token) in vocabulary().currency_signs:
        return None
    for code, pattern in vocabulary().currencies:
        if pattern.fullmatch(token):
            return code
    return None


class _CurrencyToken(NamedTuple):
    start: int
    end: int
    text: str
    code: str | None  # None for a shared sign ("$", "¥", "Rs", "kr")


def _currency_tokens(text: str) -> list[_CurrencyToken]:
    """Every currency code, word and sign in ``text``, in order (one pass of one regex)."""
    return [
        _CurrencyToken(m.start(), m.end(), m.group(0), _code_of_token(m.group(0)))
        for m in vocabulary().currency_token.finditer(text)
    ]


def _counted(tokens: list[_CurrencyToken]) -> DocumentCurrency:
    codes: Counter[str] = Counter(t.code for t in tokens if t.code is not None)
    signs: Counter[str] = Counter(_sign_key(t.text) for t in tokens if t.code is None)
    return DocumentCurrency(codes, signs)


def document_currency(text: str) -> DocumentCurrency:
    """Count the currency codes, words and shared signs printed in ``text`` (a whole document)."""
    return _counted(_currency_tokens(text))


# Between an amount and its currency: at most this many spaces ("EUR 4.904,94", "12 500  тенге").
_CURRENCY_GAP_CHARS = " \u00a0\u202f\u2009"
_CURRENCY_GAP_MAX = 2


def _token_ending_at(ends: dict[int, _CurrencyToken], text: str, pos: int) -> _CurrencyToken | None:
    for _ in range(_CURRENCY_GAP_MAX + 1):
        if pos in ends:
            return ends[pos]
        if pos == 0 or text[pos - 1] not in _CURRENCY_GAP_CHARS:
            return None
        pos -= 1
    return None


def _token_starting_at(starts: dict[int, _CurrencyToken], text: str, pos: int) -> _CurrencyToken | None:
    for _ in range(_CURRENCY_GAP_MAX + 1):
        if pos in starts:
            return starts[pos]
        if pos >= len(text) or text[pos] not in _CURRENCY_GAP_CHARS:
            return None
        pos += 1
    return None


def find_money(text: str, document: str | None = None) -> list[Money]:
    """Every amount in ``text`` with the currency printed next to it: "56,02 €", "€ 1.234,56",
    "EUR 4.904,94", "₹ 1,939.00", "$1,939.00", "Rs.1,939.00", "¥ 88 000", "₺ 12.345,67", "12 500 тенге".

    The currency is read from a sign or code right after (preferred) or right before the amount, never
    guessed. A sign several currencies share ($, ¥, Rs, kr) is resolved by the codes printed elsewhere
    on ``document`` (default: ``text``), see :class:`DocumentCurrency`. Amounts without a currency next
    to them come with currency None. Not amounts: dates, phone numbers, IBANs, percentages, identifiers.
    """
    tokens = _currency_tokens(text)
    ends = {t.end: t for t in tokens}
    starts = {t.start: t for t in tokens}
    doc_currency: DocumentCurrency | None = None
    excluded: list[tuple[int, int]] | None = None
    out: list[Money] = []
    consumed: _CurrencyToken | None = None  # a currency taken as the previous amount's suffix
    for m in _AMOUNT_AFTER_ANYTHING_RE.finditer(text):
        s, e = m.start(), m.end()
        raw = m.group(0)
        before = _token_ending_at(ends, text, s)
        if s > 0 and _GLUED_BEFORE.match(text, s - 1) and before is None:
            continue  # glued to a word or a number that is not a currency
        if _is_identifier(raw):
            continue
        if excluded is None:
            excluded = _not_amount_spans(text)
        if _inside(excluded, s, e):
            continue
        value = parse_amount(raw)
        if value is None:
            continue
        token = _token_starting_at(starts, text, e)
        if token is not None:
            consumed = token
        elif before is not None and before is not consumed:
            token = before
        currency: str | None = None
        if token is not None:
            currency = token.code
            if currency is None:
                if doc_currency is None:
                    doc_currency = _counted(tokens) if document is None else document_currency(document)
                currency = doc_currency.resolve(token.text)
        out.append(Money(s, e, value, currency, raw))
    return out


# --------------------------------------------------------------------------- periods

_PERIOD_PATTERNS = [
    # за ноябрь 2023 г. / for April 2024 / 2024 ж. шілде айына
    re.compile(rf"(?:за|for|für|period|период\w*|кезең\w*)\s*:?\s*({MONTH_WORD})\s+(\d{{4}})", re.IGNORECASE),
    re.compile(rf"(\d{{4}})\s*(?:ж\.|жылғы|жыл)?\s*({MONTH_WORD})\s*(?:айы|айына|айындағы|ай)", re.IGNORECASE),
    re.compile(rf"^\s*({MONTH_WORD})\s+(\d{{4}})\s*(?:г\.|года|год)?\s*$", re.IGNORECASE),
    re.compile(r"(?:за|for|period|период\w*)\s*:?\s*(\d{1,2})[./](\d{4})(?!\d)", re.IGNORECASE),
]


def find_period(text: str) -> tuple[int, int, str] | None:
    """A payroll month as 'YYYY-MM' with its span, from 'за ноябрь 2023', '2024 ж. шілде айына', 'за 11.2023'."""
    for pattern in _PERIOD_PATTERNS:
        for m in pattern.finditer(text):
            a, b = m.group(1), m.group(2)
            if a.isdigit() and b.isdigit():
                month, year = int(a), int(b)
            elif a.isdigit():
                year, month = int(a), month_number(b) or 0
            else:
                month, year = month_number(a) or 0, int(b)
            if 1 <= month <= 12 and 1990 <= year <= 2100:
                return m.start(), m.end(), f"{year:04d}-{month:02d}"
    return None


# --------------------------------------------------------------------------- document numbers

# "№ 4-02/22", "No. KZ-2024-015", "Nr. EXP-2461", "N 15", OCR "Ме"/"М" for "№".
# OCR reads "№" as "Ме", "Мо", "Хо" or "N".
NUMBER_SIGN = r"(?:№|N[ºo°]\.?|No\.?|Nr\.?|Nº|#|(?<![\w])(?:Ме|Мо|Хо)(?=\s*[\w])|N(?=\s*\d))"
NUMBER_TOKEN = r"[A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүІі0-9][A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүІі0-9/\-_.]*[A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүІі0-9]|[0-9]"
NUMBER_AFTER_SIGN_RE = re.compile(rf"{NUMBER_SIGN}\s*[:：]?\s*({NUMBER_TOKEN})", re.UNICODE)


def clean_number(raw: str) -> str:
    """A document number as printed, without the sign and trailing punctuation."""
    s = re.sub(rf"^\s*{NUMBER_SIGN}\s*", "", raw.strip())
    return s.strip(" .,;:()«»\"")


# --------------------------------------------------------------------------- currencies


def find_currencies(text: str) -> list[tuple[int, int, str]]:
    """Every currency code, word or sign in ``text`` as (start, end, ISO code), in order. A shared sign
    ($, ¥, Rs) counts as the code printed in the same text, else as its default; "kr" alone as nothing."""
    tokens = _currency_tokens(text)
    counts: DocumentCurrency | None = None
    out = []
    for t in tokens:
        code = t.code
        if code is None:
            counts = counts or _counted(tokens)
            code = counts.resolve(t.text)
        if code is not None:
            out.append((t.start, t.end, code))
    return out


def currency_near(text: str, start: int, end: int, window: int = 25) -> str | None:
    """The currency written right after (preferred) or before an amount span."""
    after = text[end : end + window]
    before = text[max(0, start - window) : start]
    best: tuple[int, str] | None = None
    for s, _, code in find_currencies(after):
        if best is None or s < best[0]:
            best = (s, code)
    if best is not None and best[0] <= window:
        return best[1]
    cands = find_currencies(before)
    return cands[-1][2] if cands else None


# --------------------------------------------------------------------------- comparing numbers

# OCR mixes look-alike Latin and Cyrillic letters and confuses letters with digits ("ЕХР-2461" for
# "EXP-2461", "897-2023/3В" for "897-2023/ЗВ"). Two numbers that map to the same key are the same
# number as far as a cross-document check is concerned.
_NUMBER_KEY = str.maketrans(
    {
        "А": "A", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "0", "O": "0", "Р": "P", "С": "C",
        "Т": "T", "У": "Y", "Х": "X", "З": "3", "І": "1", "I": "1", "L": "1", "Z": "2", "S": "5", "Ё": "E",
        # letters OCR takes for digits (and back): B/8 (also Cyrillic В), | for 1
        "B": "8", "В": "8", "|": "1",
    }
)


def number_key(number: str) -> str:
    """A comparison key for document numbers that ignores case, spaces, "№" and OCR look-alikes
    (Cyrillic/Latin twins, O/0, З/3, I/l/1, Z/2, S/5, B/8). For comparing only, never for display:
    "К2-2023-052" and "KZ-2023-052" get the same key."""
    s = re.sub(rf"^\s*{NUMBER_SIGN}\s*", "", number.strip())
    s = re.sub(r"\s+", "", s).upper()
    return s.translate(_NUMBER_KEY)
