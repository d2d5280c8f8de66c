"""A document's own number and date.

Number: "№ X" on the title line ("СЧЕТ-ФАКТУРА № 096603 от …", "№ 2369 ТӨЛЕМ ТАПСЫРМАСЫ",
"SERVICE AGREEMENT No. KZ-2024-015"), else a labelled number ("Номер документа" over its value,
"发票号："), never a number inside a contract reference or a legal act ("приказ № 562").

Date: a labelled date ("Дата:", "Күні:", "Дата составления", "Date", "Datum", "日期") that is not
a value date, birth date or turnover date; else the date on the title line; else the first date in
the header lines that is not part of a contract reference, a legal act or a period.
"""

from __future__ import annotations

import datetime as dt
import re

from extractors.dates import find_dates
from extractors.found import FALLBACK_FACTOR, Found
from extractors.references import ContractRef, in_spans
from extractors.regions import ParsedValue, Parser, labelled
from extractors.values import NUMBER_SIGN, NUMBER_TOKEN, clean_number
from extractors.view import DocView, VLine
from models.domain import DocType

HEADER_LINES = 10
# Types whose number the corpus records (consents, payroll sheets and strategies have none).
NUMBERED_TYPES = {
    DocType.CONTRACT,
    DocType.PAYMENT_ORDER,
    DocType.ACT_OF_WORK,
    DocType.INVOICE,
    DocType.APPLICATION_FORM,
    DocType.WORK_REPORT,
}
_NUM_RE = re.compile(rf"(?<![\w]){NUMBER_SIGN}\s*[:：]?\s*({NUMBER_TOKEN})", re.UNICODE)


def _masked(refs: list[ContractRef], extra: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(r.start, r.end) for r in refs] + extra


def _number_parser() -> Parser:
    def parse(text: str) -> list[ParsedValue]:
        out: list[ParsedValue] = []
        for m in re.finditer(rf"(?:{NUMBER_SIGN}\s*[:：]?\s*)?({NUMBER_TOKEN})", text):
            token = clean_number(m.group(1))
            if not re.search(r"\d", token) or find_dates(token):
                continue
            out.append((m.start(1), m.start(1) + len(token), token, 1.0))
        return out

    return parse


def extract_number(
    view: DocView,
    doc_type: DocType,
    title_line: int | None,
    refs: list[ContractRef],
    masks: list[tuple[int, int]],
) -> Found | None:
    if doc_type not in NUMBERED_TYPES:
        return None
    spans = _masked(refs, masks)
    # 1. "№ X" on the title line, or on the line just before/after it (the title may wrap).
    lines = _title_neighbourhood(view, title_line)
    for line in lines:
        found = _sign_number_on_line(view, line, spans)
        if found is not None:
            return found
    # 2. A labelled number ("Номер документа", "Invoice No.", "发票号").
    found = labelled(view, "number", _number_parser(), lines=view.header_lines(HEADER_LINES * 2))
    if found is not None and not _inside(found, spans):
        return found
    # 3. The first "№ X" in the header lines outside references.
    for line in view.header_lines(HEADER_LINES):
        found = _sign_number_on_line(view, line, spans)
        if found is not None:
            found.factor *= FALLBACK_FACTOR
            return found
    # 4. A header row holding just "<number> <date>" (a number/date table whose labels OCR lost).
    for line in view.header_lines(HEADER_LINES * 2):
        m = _NUMBER_DATE_ROW.fullmatch(line.text.strip(" |"))
        if m is None or not re.search(r"\d", m.group(1)) or find_dates(m.group(1)):
            continue
        s = line.start + line.text.find(m.group(1))
        e = s + len(m.group(1))
        if in_spans(s, e, spans):
            continue
        return Found(value=m.group(1), raw=m.group(1), words=view.words_in(s, e), factor=0.6)
    return None


_NUMBER_DATE_ROW = re.compile(rf"({NUMBER_TOKEN})\s+(\d{{1,2}}[./]\d{{1,2}}[./]\d{{4}})")


def _inside(found: Found, spans: list[tuple[int, int]]) -> bool:
    if not found.words:
        return False
    return in_spans(found.words[0].start, found.words[-1].end, spans)


def _title_neighbourhood(view: DocView, title_line: int | None) -> list[VLine]:
    if title_line is None:
        return []
    idx = [title_line, title_line + 1, title_line - 1]
    return [view.lines[i] for i in idx if 0 <= i < len(view.lines) and view.lines[i].page == view.lines[title_line].page]


def _sign_number_on_line(view: DocView, line: VLine, spans: list[tuple[int, int]]) -> Found | None:
    for m in _NUM_RE.finditer(line.text):
        token = clean_number(m.group(1))
        if not re.search(r"\d", token):
            continue
        s = line.start + m.start(1)
        e = s + len(token)
        if in_spans(s, e, spans):
            continue
        return Found(value=token, raw=view.text[s:e], words=view.words_in(s, e))
    return None


def _date_parser() -> Parser:
    def parse(text: str) -> list[ParsedValue]:
        return [(d.start, d.end, d.value, 1.0) for d in find_dates(text)]

    return parse


def extract_date(
    view: DocView,
    doc_type: DocType,
    title_line: int | None,
    refs: list[ContractRef],
    masks: list[tuple[int, int]],
) -> Found | None:
    spans = _masked(refs, masks)
    # 1. A labelled date that is not excluded (value date, turnover date, birth date...).
    labelled_date = labelled(view, "date", _date_parser(), exclude="date_excluded", max_gap_chars=25)
    if labelled_date is not None and _inside(labelled_date, spans):
        labelled_date = None
    # 2. The date on the title line (or right under it). A labelled date on a later page than the title (a
    #    "Date" column of an annex's schedule) is another date; on the title's page the label wins.
    title_date = next(
        (f for line in _title_neighbourhood(view, title_line) if (f := _first_free_date(view, [line], spans))), None
    )
    if labelled_date is not None and not (title_date is not None and _page_of(title_date) < _page_of(labelled_date)):
        return labelled_date
    if title_date is not None:
        return title_date
    # 3. The first free date in the header.
    found = _first_free_date(view, view.header_lines(HEADER_LINES), spans)
    if found is not None:
        found.factor *= 0.9
        return found
    # 4. Anywhere.
    found = _first_free_date(view, view.lines, spans)
    if found is not None:
        found.factor *= FALLBACK_FACTOR
    return found


def _page_of(found: Found) -> int:
    return found.words[0].page if found.words else 0


def _first_free_date(view: DocView, lines: list[VLine], spans: list[tuple[int, int]]) -> Found | None:
    for line in lines:
        for d in find_dates(line.text):
            s, e = line.start + d.start, line.start + d.end
            if in_spans(s, e, spans):
                continue
            return Found(value=d.value, raw=view.text[s:e], words=view.words_in(s, e))
    return None


def iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
