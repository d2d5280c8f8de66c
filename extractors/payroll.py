"""Payroll sheets: month, employee rows and the printed totals row.

Columns are found by their header words ("Начислено", "Удержано", "К выдаче" and Kazakh/English
synonyms); each amount of a row goes to the header whose horizontal extent is closest, so the order
and number of columns do not matter. When headers cannot be placed (a garbled scan), the totals row
is read by arithmetic: accrued − withheld = net.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.found import FALLBACK_FACTOR, Found
from extractors.money import MONEY
from extractors.regions import find_hits
from extractors.values import find_period
from extractors.view import DocView, VLine
from extractors.vocabulary import vocabulary
from models.domain import PayrollRow, PayrollTotals, Provenance

COLUMNS = ("accrued", "withheld", "net")


@dataclass
class _Header:
    name: str
    x0: float
    x1: float
    line: int

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2


def extract_period(view: DocView) -> Found | None:
    for line in view.lines[:15]:
        hit = find_period(line.text)
        if hit is not None:
            s, e, value = hit
            gs, ge = line.start + s, line.start + e
            return Found(value=value, raw=view.text[gs:ge], words=view.words_in(gs, ge))
    hit = find_period(view.text)
    if hit is not None:
        s, e, value = hit
        return Found(value=value, raw=view.text[s:e], words=view.words_in(s, e), factor=FALLBACK_FACTOR)
    return None


def _headers(view: DocView) -> dict[str, _Header]:
    """Column headers: per column, the mention nearest above the first row of amounts (the header row
    sits right over the table; the same word in the title, "Ведомость начисления и удержания …",
    is not a column). Without a row of amounts, the topmost mention."""
    out: dict[str, _Header] = {}
    hits = {col: find_hits(view, f"payroll_{col}", only_label_like=False) for col in COLUMNS}
    first_hit = min((h.line.index for col_hits in hits.values() for h in col_hits), default=None)
    if first_hit is None:
        return out
    first_row = next(
        (ln.index for ln in view.lines[first_hit + 1 :] if len(_amounts_on(view, ln)) >= MIN_ROW_AMOUNTS), None
    )
    for col, col_hits in hits.items():
        above = [h for h in col_hits if first_row is None or h.line.index < first_row]
        if not above:
            continue
        hit = above[0] if first_row is None else max(above, key=lambda h: h.line.index)
        out[col] = _Header(col, hit.x0, hit.x1, hit.line.index)
    if first_row is not None:
        _to_group_totals(view, out, first_row)
    return out


# A group header's sub-header row lies at most this many lines under it.
SUBHEADER_MAX_LINES = 3


def _to_group_totals(view: DocView, headers: dict[str, _Header], first_row: int) -> None:
    """A merged two-row header ("Начислено" over "оклад | премия | итого", "Удержано" over "ИПН | ОПВ | … | итого"):
    the group's figure is its own total sub-column, not the sub-column under the group word's centre. The group word
    is centred over its sub-columns and the total closes them: it stands right of the group word's centre and left
    of the next column header's."""
    ordered = sorted(headers.values(), key=lambda h: h.xc)
    for k, header in enumerate(ordered):
        right = ordered[k + 1].xc if k + 1 < len(ordered) else float("inf")
        sub_lines = view.lines[header.line + 1 : min(first_row, header.line + 1 + SUBHEADER_MAX_LINES)]
        totals = [
            h
            for h in find_hits(view, "payroll_total_row", sub_lines, only_label_like=False)
            if header.xc < (h.x0 + h.x1) / 2 < right
        ]
        if len(totals) == 1:
            t = totals[0]
            headers[header.name] = _Header(header.name, t.x0, t.x1, t.line.index)


# A table row of a payroll sheet carries at least this many sums (accrued, withholdings, net).
MIN_ROW_AMOUNTS = 3


def _amounts_on(view: DocView, line: VLine, after: int = 0) -> list[tuple[float, float, Found]]:
    """(x-centre, value, found) of money amounts on a line."""
    out = []
    for s, e, v, _ in MONEY(line.text):
        if s < after:
            continue
        gs, ge = line.start + s, line.start + e
        words = view.words_in(gs, ge)
        if not words:
            continue
        xc = (words[0].bbox.x0 + words[-1].bbox.x1) / 2
        out.append((xc, float(v), Found(value=float(v), raw=view.text[gs:ge], words=words)))
    return out


def _assign(amounts: list[tuple[float, float, Found]], headers: dict[str, _Header], tolerance: float) -> dict[str, Found]:
    out: dict[str, Found] = {}
    for col, h in headers.items():
        best = None
        for xc, _, f in amounts:
            d = abs(xc - h.xc)
            if d <= tolerance + (h.x1 - h.x0) / 2 and (best is None or d < best[0]):
                best = (d, f)
        if best is not None:
            out[col] = best[1]
    return out


def _by_arithmetic(amounts: list[tuple[float, float, Found]]) -> dict[str, Found]:
    vals = [v for _, v, _ in amounts]
    n = len(vals)
    for k in range(n - 1, 1, -1):
        for j in range(k - 1, 0, -1):
            for i in range(j - 1, -1, -1):
                if abs(vals[i] - vals[j] - vals[k]) <= 0.011 and vals[j] > 0:
                    found = {"accrued": amounts[i][2], "withheld": amounts[j][2], "net": amounts[k][2]}
                    for f in found.values():
                        f.factor *= FALLBACK_FACTOR
                    return found
    return {}


def _total_lines(view: DocView) -> list[VLine]:
    hits = find_hits(view, "payroll_total_row", only_label_like=False)
    return [h.line for h in hits if h.first <= 2 and _amounts_on(view, h.line)]


def extract_payroll(view: DocView) -> tuple[list[PayrollRow], PayrollTotals | None]:
    headers = _headers(view)
    tolerance = 2.0 * view.median_height
    totals_lines = _total_lines(view)
    totals: dict[str, Found] = {}
    if totals_lines:
        line = totals_lines[-1]
        amounts = _amounts_on(view, line)
        if headers:
            totals = _assign(amounts, headers, tolerance)
        if len(totals) < 3:
            arith = _by_arithmetic(amounts)
            for col in COLUMNS:
                if col not in totals and col in arith:
                    totals[col] = arith[col]
    rows = _employee_rows(view, headers, tolerance, totals_lines[-1].index if totals_lines else None)
    payroll_totals = None
    if totals:
        payroll_totals = PayrollTotals(
            accrued=totals["accrued"].to_value() if "accrued" in totals else None,
            withheld=totals["withheld"].to_value() if "withheld" in totals else None,
            net=totals["net"].to_value() if "net" in totals else None,
        )
    return rows, payroll_totals


_NAME_IN_ROW = re.compile(
    r"^[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][a-zа-яёәғқңөұүһі'-]+(?: [A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][a-zа-яёәғқңөұүһі'-]+){1,2}$"
)


def _row_name(text: str) -> str:
    """The employee's name: the first cell of the row that reads as a two- or three-word name."""
    for cell in re.split(r"\s{2,}", text):
        if _NAME_IN_ROW.match(cell.strip()):
            return cell.strip()
    return ""


def _employee_rows(view: DocView, headers: dict[str, _Header], tolerance: float, totals_line: int | None) -> list[PayrollRow]:
    if not headers or totals_line is None:
        return []
    header_line = max(h.line for h in headers.values())
    rows: list[PayrollRow] = []
    for line in view.lines[header_line + 1 : totals_line]:
        amounts = _amounts_on(view, line)
        if len(amounts) < 2:
            continue
        values = _assign(amounts, headers, tolerance)
        if not values:
            continue
        row = PayrollRow(
            name=_row_name(line.text),
            accrued=values["accrued"].value if "accrued" in values else None,
            withheld=values["withheld"].value if "withheld" in values else None,
            net=values["net"].value if "net" in values else None,
            provenance=Provenance(page=line.page, bbox=None),
        )
        row.confidence = row_confidence(row, [f for f in values.values()])
        rows.append(row)
    return rows


ROW_TOLERANCE = 1.00  # accrued − withheld may differ from net by rounding only
UNTRUSTED_ROW = 0.3
TRUSTED_ROW = 0.8
PRINTED_INCONSISTENT_ROW = 0.7


def row_confidence(row: PayrollRow, found: list[Found]) -> float:
    """How far a payroll row can be trusted: a row whose accrued − withheld does not give its net
    (within ``ROW_TOLERANCE``), or with a column missing, is most likely misread (OCR merged cells or
    dropped digits) and gets a confidence below 0.5; a consistent row keeps its words' confidence."""
    words_conf = min((f.confidence for f in found), default=1.0)
    consistent = (
        row.accrued is not None
        and row.withheld is not None
        and row.net is not None
        and abs(float(row.accrued) - float(row.withheld) - float(row.net)) <= ROW_TOLERANCE
    )
    if consistent:
        return max(words_conf, TRUSTED_ROW)
    # A text layer does not misread digits: an inconsistent row there is as printed (a real error
    # in the sheet), so it stays usable; on an OCR page it is most likely a misread.
    return PRINTED_INCONSISTENT_ROW if words_conf >= 1.0 else UNTRUSTED_ROW


__all__ = ["extract_payroll", "extract_period", "vocabulary"]
