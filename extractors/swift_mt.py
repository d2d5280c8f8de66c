"""A SWIFT customer transfer (MT103) as a bank prints its copy: the message's own tagged fields.

The fields are fixed by the SWIFT standard, not by a bank's layout: ``:20:`` the sender's reference, ``:32A:`` value
date (YYMMDD), currency and settled amount, ``:33B:`` the instructed currency and amount, ``:50A/F/K:`` the ordering
customer, ``:59/59A/59F:`` the beneficiary customer, ``:70:`` the remittance information. Every print-out of an
MT103 — a confirmation of execution, a bank statement's attachment, a scan of either — carries them in this form,
whatever the page around it looks like; where a page prints the same facts under labels too, the label readers read
those and the message fills only what they leave empty.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from extractors.found import CORRECTED_FACTOR, Found
from extractors.id_values import parse_bins, parse_ibans
from extractors.party_candidates import W_LABEL, Candidate
from extractors.view import DocView
from extractors.vocabulary import vocabulary

# ":32A:", also as OCR prints it on a scan (";32A:", ":32A;", a speck before it).
_TAG = re.compile(r"^[ \t\"'`.,‚]*[:;](\d{2}[A-Z]?)[:;][ \t]*", re.MULTILINE)
# The SWIFT character set is Latin: a Cyrillic letter in a message is OCR's look-alike of a Latin one
# (":32А:250627СМҮ485800,00" read with the Russian model). One character for one, so spans stay aligned.
_LATIN = str.maketrans("АВСЕНКМОРТХУҮІЅаеорсухі", "ABCEHKMOPTXYYISaeopcyxi")
# The block's end ("-}") and the header blocks ("{1:F01…}{2:I103…}") are not part of a field's value.
_BLOCK_END = re.compile(r"^\s*-?\}|\{\d:")
# The tags of an MT103 this reader knows; a page with fewer than this many of them is not a message copy
# (a stray "20:" at a line start is not a SWIFT field).
_KNOWN_TAGS = {"20", "23B", "32A", "33B", "50A", "50F", "50K", "52A", "52D", "53A", "56A", "57A", "57D", "59", "59A",
               "59F", "70", "71A", "71F", "72"}
MIN_TAGS = 3
# :32A:250120INR1672000,00 — YYMMDD, ISO 4217 code, amount with a decimal comma.
_VALUE_DATE_AMOUNT = re.compile(r"(\d{6})\s?([A-Z]{3})\s?(\d[\d.]*(?:,\d{0,2})?)")
_CURRENCY_AMOUNT = re.compile(r"([A-Z]{3})\s?(\d[\d.]*(?:,\d{0,2})?)")
# An option F party line ("1/NAME", "2/ADDRESS", "3/KZ/ASTANA"): the number says what the line holds.
_NUMBERED_LINE = re.compile(r"^([1-8])/(.*)$")
_NAME_LINE = "1"
# The line a party field opens with: its account ("/KZ90…", "/13532051448135") — never the name.
_ACCOUNT_LINE = re.compile(r"^/\S+$")
# A line that only carries an identifier ("BIN 160640089400", "IIN …") is not the name either.
_ID_LINE = re.compile(r"^(?:BIN|IIN|БИН|ИИН|TAX\s*ID|INN|VAT)\b", re.IGNORECASE)
PARTY_FIELDS = {"payer": ("50K", "50F", "50A"), "beneficiary": ("59", "59F", "59A")}


@dataclass
class MtField:
    tag: str
    start: int  # value's span in the view's text
    end: int

    def lines(self, view: DocView) -> list[tuple[int, int]]:
        """The value's lines as spans of the view's text (empty lines left out)."""
        out = []
        pos = self.start
        for part in view.text[self.start : self.end].split("\n"):
            s, e = pos, pos + len(part)
            pos = e + 1
            stripped = part.strip()
            if stripped:
                lead = len(part) - len(part.lstrip())
                out.append((s + lead, s + lead + len(stripped)))
        return out


@dataclass
class MtMessage:
    text: str  # the view's text read as Latin (same offsets)
    fields: dict[str, MtField] = field(default_factory=dict)

    def get(self, *tags: str) -> MtField | None:
        return next((self.fields[t] for t in tags if t in self.fields), None)


def read_message(view: DocView) -> MtMessage | None:
    """The tagged fields of an MT103 printed on the page, or None when there is none."""
    text = view.text.translate(_LATIN)
    tags = [m for m in _TAG.finditer(text) if m.group(1) in _KNOWN_TAGS]
    if len({m.group(1) for m in tags}) < MIN_TAGS:
        return None
    message = MtMessage(text)
    for i, m in enumerate(tags):
        end = tags[i + 1].start() if i + 1 < len(tags) else len(text)
        stop = _BLOCK_END.search(text, m.end(), end)
        if stop is not None:
            end = stop.start()
        # A field's value runs over at most the lines the standard allows (4 × 35 for a party, 4 for :70:).
        lines_end = m.end()
        for _ in range(5):
            nl = text.find("\n", lines_end, end)
            if nl < 0:
                lines_end = end
                break
            lines_end = nl + 1
        message.fields.setdefault(m.group(1), MtField(m.group(1), m.end(), min(end, lines_end)))
    return message


def _found(view: DocView, start: int, end: int, value: object, factor: float = 1.0) -> Found:
    return Found(value=value, raw=view.text[start:end], words=view.words_in(start, end), factor=factor)


def _currency(view: DocView, message: MtMessage, start: int, end: int) -> Found | None:
    """An ISO code of the vocabulary's currencies; one letter off a single known code is that code, as repaired."""
    code = message.text[start:end]
    known = {c for c, _ in vocabulary().currencies}
    if code in known:
        return _found(view, start, end, code)
    near = [c for c in known if sum(a != b for a, b in zip(c, code)) == 1]
    return _found(view, start, end, near[0], CORRECTED_FACTOR) if len(near) == 1 else None


def settled_amount(view: DocView, message: MtMessage) -> tuple[Found, Found | None] | None:
    """(amount, currency) of :32A: (the settled amount), else of :33B: (the instructed one)."""
    text = message.text
    f = message.get("32A")
    if f is not None:
        m = _VALUE_DATE_AMOUNT.match(text, f.start, f.end)
        if m is not None and (amount := _mt_amount(m.group(3))) is not None:
            return _found(view, m.start(3), m.end(3), amount), _currency(view, message, m.start(2), m.end(2))
    f = message.get("33B")
    if f is not None:
        m = _CURRENCY_AMOUNT.match(text, f.start, f.end)
        if m is not None and (amount := _mt_amount(m.group(2))) is not None:
            return _found(view, m.start(2), m.end(2), amount), _currency(view, message, m.start(1), m.end(1))
    return None


def value_date(view: DocView, message: MtMessage) -> Found | None:
    f = message.get("32A")
    m = _VALUE_DATE_AMOUNT.match(message.text, f.start, f.end) if f is not None else None
    if m is None:
        return None
    try:
        day = dt.datetime.strptime(m.group(1), "%y%m%d").date()
    except ValueError:
        return None
    return _found(view, m.start(1), m.end(1), day.isoformat())


def reference(view: DocView, message: MtMessage) -> Found | None:
    f = message.get("20")
    if f is None:
        return None
    lines = f.lines(view)
    if not lines:
        return None
    s, e = lines[0]
    return _found(view, s, e, message.text[s:e])


def _mt_amount(raw: str) -> float | None:
    # SWIFT writes amounts with a decimal comma and no thousands separators; a dot is OCR's misreading of it.
    digits = raw.replace(".", ",")
    if digits.count(",") > 1:
        return None
    try:
        value = float(digits.replace(",", "."))
    except ValueError:
        return None
    return value if value > 0 else None


def party_candidates(view: DocView, message: MtMessage, roles: tuple[str, ...]) -> list[Candidate]:
    """The ordering customer (payer) and the beneficiary customer of the message, with the account and BIN their
    fields print."""
    out: list[Candidate] = []
    for role, tags in PARTY_FIELDS.items():
        f = message.get(*tags)
        if role not in roles or f is None:
            continue
        lines = f.lines(view)
        name_span = _name_line(message, lines, option_f=f.tag.endswith("F"))
        if name_span is None:
            continue  # option A names the bank's BIC only: no name to read
        s, e = name_span
        name_text = " ".join(message.text[s:e].split())
        if f.tag.endswith("F"):
            name_text = name_text[2:].strip()
        cand = Candidate(role, _found(view, s, e, name_text), W_LABEL, s)
        value = message.text[f.start : f.end]
        bins = parse_bins(value)
        if bins:
            bs, be, bin_value, factor = bins[0]
            cand.bin = Found(bin_value, value[bs:be], view.words_in(f.start + bs, f.start + be), factor)
        ibans = parse_ibans(value)
        if ibans:
            is_, ie, iban, factor = ibans[0]
            cand.iban = Found(iban, value[is_:ie], view.words_in(f.start + is_, f.start + ie), factor)
        out.append(cand)
    return out


def _name_line(message: MtMessage, lines: list[tuple[int, int]], option_f: bool) -> tuple[int, int] | None:
    for s, e in lines:
        line = message.text[s:e].strip()
        if option_f:
            m = _NUMBERED_LINE.match(line)
            if m is not None and m.group(1) == _NAME_LINE and m.group(2).strip():
                return s, e
            continue
        if _ACCOUNT_LINE.match(line) or _ID_LINE.match(line) or not re.search(r"[^\W\d_]{2}", line):
            continue
        return s, e
    return None
