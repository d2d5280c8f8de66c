"""References a document makes to other papers: the contract it belongs to, legal acts, periods.

``find_contract_refs`` reads "по договору № 15/22 от 01.03.2022", "Договор (контракт) № 482/2023 от
14.10.2023", Kazakh "27.07.2023 № ДУ-2023/105 шарт бойынша" / "Шарт (келісімшарт): 14.03.2024 № 179-ТО",
"Contract No. KZ-2024-015 / 25.04.2024", "Vertrag Nr. EXP-2461 / 19.11.2024", "合同 No. 482/2023 /
2023年10月14日". Legal-act and period spans are found so that their numbers and dates are not taken
for the document's own.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from extractors.dates import DateMatch, find_dates
from extractors.values import NUMBER_SIGN, NUMBER_TOKEN
from extractors.vocabulary import vocabulary

# A wrapped label cell ("Назначение / платежа:") can land between "№" and the number in reading order.
_NUMBER_TOKEN_RE = re.compile(NUMBER_TOKEN, re.UNICODE)
_NUM = re.compile(rf"(?<![\w]){NUMBER_SIGN}\s*[:：]?\s*(?:[^\s\d№]{{2,20}}:\s+)?({NUMBER_TOKEN})", re.UNICODE)
_LEGAL_ACT = re.compile(
    r"приказ\w*|постановлени\w*|бұйры\w*|правил\w*|қағида\w*|закон\w*|заң\w*|кодекс\w*|решени\w*|"
    r"\border\s+(?:no|of)\b|\blaw\b|gesetz\w*",
    re.IGNORECASE,
)
_DATE_RANGE_WORDS = re.compile(
    r"(?:\bс|\bот|from|vom|between|c)\s*$|^\s*(?:по|до|to|till|until|bis|[-–—])\s|^\s*(?:бастап|дейін|дейінгі)",
    re.IGNORECASE,
)


# What may stand between a contract number and its date: "от", "/", "dated", or a date label on the
# next line of a form ("27.3. № ДУ-2022/177" / "27.4. Дата 27.06.2022").
_DATE_LINK = re.compile(
    r"[\s,]*(?:от|от\s+«|/|dated|of|dd\.?|vom|d\.|ж\.?|жылғы|\n[ \t]*(?:\d{1,2}(?:\.\d{1,2})*\.[ \t]+)?"
    r"(?:дата|күні|date|datum)[ \t]*[:：]?)?[\s«]*",
    re.IGNORECASE,
)
# A form's label cell wrapped onto its own line between the number and its date in reading order, the link word
# before or after it ("… по договору № ТД-21/46" / "Назначение" / "от 25.06.2021"; "… договор № ТД-171 от" /
# "Назначение платежа  18.12.2022"): one short line without digits.
_WRAPPED_LABEL_LINK = re.compile(
    r"[ \t]*\n[ \t]*[^\W\d][^\n\d]{1,24}\n[ \t]*от[\s«]*"
    r"|[ \t]*от[ \t]*\n[ \t]*[^\W\d][^\n\d]{1,24}?(?:[ \t]{2,}|[ \t]*\n[ \t]*)[«]?",
    re.IGNORECASE,
)
_DATE_LINK_MAX_GAP = 16
_WRAPPED_LABEL_MAX_GAP = 45


def _linked_date(text: str, after: int, dates: list[DateMatch]) -> DateMatch | None:
    """The date that follows a contract number ``after`` through a link ("от", "/", "dated", a label)."""
    for d in dates:
        if d.start < after:
            continue
        gap = text[after : d.start]
        if d.start - after <= _DATE_LINK_MAX_GAP and _DATE_LINK.fullmatch(gap):
            return d
        if d.start - after <= _WRAPPED_LABEL_MAX_GAP and _WRAPPED_LABEL_LINK.fullmatch(gap):
            return d
    return None


# A numbered form field holding the number ("27.3. № ДУ-2022/177" under "Договор (контракт)"): the
# field's number at the start of the line is not a sentence end.
_FIELD_NUMBER = re.compile(rf"\n[ \t]*\d{{1,2}}(?:\.\d{{1,2}})*\.[ \t]+(?={NUMBER_SIGN})")


# A number right after the keyword without a sign ("CONTRACT KZ-2024-106 DATED 27.02.2024", a SWIFT remittance line's
# habit): a token with a digit and a "/" or "-" in it, and only when a date follows through a link — a bare word after
# "договор" is usually not a number at all. SWIFT text writes the sign in capitals ("CONTRACT NO KZ-2024-027 OF …").
_BARE_NUMBER = re.compile(rf"[ \t]{{1,2}}(?:NO\.?[ \t]+)?({NUMBER_TOKEN})")


def _bare_number(text: str, keyword_end: int, dates: list[DateMatch]) -> re.Match[str] | None:
    m = _BARE_NUMBER.match(text, keyword_end)
    if m is None or not re.search(r"\d", m.group(1)) or not re.search(r"[/-]", m.group(1)):
        return None
    if any(d.start <= m.start(1) < d.end for d in dates) or _linked_date(text, m.end(1), dates) is None:
        return None
    # re-matched on the forward window so that the caller's offsets (relative to the keyword's end) hold
    return _BARE_NUMBER.match(text[keyword_end : keyword_end + 70])


@dataclass(frozen=True)
class ContractRef:
    start: int
    end: int
    number: str | None
    number_span: tuple[int, int] | None
    date: dt.date | None
    date_span: tuple[int, int] | None


def _clean_token(token: str) -> str:
    return token.strip(' .,;:()«»"')


def find_contract_refs(text: str) -> list[ContractRef]:
    """Contract references in reading order; each has a number and/or a date."""
    refs: list[ContractRef] = []
    kw = vocabulary().label("contract")
    all_dates = find_dates(text)
    starts = [d.start for d in all_dates]
    registrations = [(r.start(), r.end()) for r in vocabulary().label("contract_registration").finditer(text)]
    for m in kw.finditer(text):
        if m.start() > 0 and text[m.start() - 1].isalnum():
            continue
        if any(s <= m.start() < e for s, e in registrations):
            continue  # a bank's registration number of the contract is not the contract's number
        # Only the dates near this keyword matter.
        dates = all_dates[bisect_left(starts, m.start() - 80) : bisect_left(starts, m.end() + 120)]
        # Forward: keyword … № NUM … (от|/|dated|vom)? DATE
        fwd = text[m.end() : m.end() + 70]
        nm = _NUM.search(fwd)
        number = number_span = None
        date = date_span = None
        if nm is None:
            nm = _bare_number(text, m.end(), dates)
        if nm and not re.search(r"[.;]\s|\n\s*\n", _FIELD_NUMBER.sub("\n", fwd[: nm.start() + 1])[:-1]):
            # The window bounds where the number may start, not where it ends: a number standing at the
            # window's edge is read whole from the text ("Контракт" over a wide header row, "No. 100/2023-EXP"
            # on the next line was cut to "100/2023-EX").
            whole = _NUMBER_TOKEN_RE.match(text, m.end() + nm.start(1))
            number = _clean_token(whole.group(0) if whole else nm.group(1))
            number_span = (m.end() + nm.start(1), m.end() + nm.start(1) + len(number))
            linked = _linked_date(text, number_span[1], dates)
            if linked is not None:
                date, date_span = linked.value, (linked.start, linked.end)
            # Kazakh order inside the forward window: "Шарт (келісімшарт): 14.03.2024 № 179-ТО"
            if date is None:
                for d in dates:
                    if m.end() <= d.start and d.end <= number_span[0] and number_span[0] - d.end <= 6:
                        date, date_span = d.value, (d.start, d.end)
                        break
        # Backward (Kazakh): DATE № NUM шарт
        if number is None:
            back = text[max(0, m.start() - 45) : m.start()]
            # "27.02.2024 № ТД-1 еңбек шарты": one qualifying word may stand between number and keyword.
            bm = re.search(rf"{NUMBER_SIGN}\s*({NUMBER_TOKEN})\s*(?:ж\.)?\s*(?:[^\W\d]{{3,12}}\s+)?$", back)
            if bm:
                base = m.start() - len(back)
                number = _clean_token(bm.group(1))
                number_span = (base + bm.start(1), base + bm.start(1) + len(number))
                for d in dates:
                    if d.end <= number_span[0] and number_span[0] - d.end <= 8:
                        date, date_span = d.value, (d.start, d.end)
        if number is None and date is None:
            continue
        if number is not None and not re.search(r"\d", number):
            continue
        spans = [s for s in (number_span, date_span) if s]
        start = min([m.start()] + [s[0] for s in spans])
        end = max([m.end()] + [s[1] for s in spans])
        refs.append(ContractRef(start, end, number, number_span, date, date_span))
    return _dedupe(refs) or _basis_refs(text, all_dates)


@lru_cache(maxsize=1)
def _basis_field() -> re.Pattern[str]:
    """A basis label at the start of a line (after an optional field number), up to what follows it."""
    label = vocabulary().label("contract_basis")
    return re.compile(
        rf"^[ \t]*(?:\d{{1,2}}(?:\.\d{{1,2}})*\.?[ \t]+)?(?:{label.pattern})[ \t]*[:：]?[ \t]*",
        label.flags | re.MULTILINE,
    )


def _basis_refs(text: str, all_dates: list[DateMatch]) -> list[ContractRef]:
    """References given as a basis field: "Основание № 178-У/2023 от 06.07.2023" on a line of its own."""
    refs: list[ContractRef] = []
    for head in _basis_field().finditer(text):
        start, line_start = head.end(), head.start()
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        # Kazakh order: the date first ("Негіздеме 2022 жылғы 4 ақпан № 172/22").
        leading = next((d for d in all_dates if d.start == start), None)
        after_date = leading.end if leading is not None else start
        nm = re.match(rf"(?:\s*ж\.?)?[ \t]*{NUMBER_SIGN}\s*({NUMBER_TOKEN})", text[after_date:line_end])
        if nm is None or not re.search(r"\d", nm.group(1)):
            continue
        number = _clean_token(nm.group(1))
        s = after_date + nm.start(1)
        number_span = (s, s + len(number))
        date = date_span = None
        linked = leading or _linked_date(text, number_span[1], all_dates)
        if linked is not None:
            date, date_span = linked.value, (linked.start, linked.end)
        end = date_span[1] if date_span else number_span[1]
        refs.append(ContractRef(line_start, end, number, number_span, date, date_span))
    return refs


def _dedupe(refs: list[ContractRef]) -> list[ContractRef]:
    out: list[ContractRef] = []
    for r in sorted(refs, key=lambda r: (r.start, -(r.end - r.start))):
        if out and r.start < out[-1].end:
            prev = out[-1]
            if (prev.number is None or prev.date is None) and r.number and r.date:
                out[-1] = r
            continue
        out.append(r)
    return out


def legal_act_spans(text: str) -> list[tuple[int, int]]:
    """Spans around mentions of laws/orders/rules ("приказ № 308 от 1 июня 2022 года").

    The span runs from a little before the keyword on its line (Kazakh puts the date and number
    first: "2022 жылғы 1 маусымдағы № 308 бұйрығымен") to the last number or date that follows it
    closely, never into a line that starts with a capitalised title word ("ЗАЯВКА № …").
    """
    spans = []
    for m in _LEGAL_ACT.finditer(text):
        if m.start() > 0 and text[m.start() - 1].isalnum():
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        start = max(line_start, m.start() - 60)
        tail = text[m.end() : m.end() + 90]
        title = re.search(r"\n\s*[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ]{4,}", tail)
        if title:
            tail = tail[: title.start()]
        end = m.end()
        for t in re.finditer(
            rf"{NUMBER_SIGN}\s*{NUMBER_TOKEN}|\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}}|\d{{4}}\s*(?:года|г\.|жыл\w*)",
            tail,
        ):
            end = m.end() + t.end()
        spans.append((start, end))
    return spans


def period_spans(text: str) -> list[tuple[int, int]]:
    """Dates that open or close a period ("с 21.10.2023 по 03.01.2024", "17.05.2023 бастап … дейін")."""
    spans = []
    for d in find_dates(text):
        before = text[max(0, d.start - 12) : d.start]
        after = text[d.end : d.end + 12]
        if re.search(r"(?:\bс|\bпо|from|to|vom|bis|until|период\w*)\s*$", before, re.IGNORECASE) or re.match(
            r"\s*(?:по\b|to\b|bis\b|[-–—]\s*\d|бастап|дейін)", after, re.IGNORECASE
        ):
            spans.append((d.start, d.end))
    return spans


def in_spans(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans) or any(s < end and start < e for s, e in spans)
