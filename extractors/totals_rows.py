"""The totals row of an act or an invoice: its sums told apart by arithmetic, not by column position.

"Итого", "Всего", "Барлығы", "TOTAL", "GESAMTBETRAG", "合计": with three sums the row is (without VAT,
VAT, total) where a + b = c; sums OCR split over two stacked cells are joined; without a labelled row,
the row of the largest sums with kopecks (a lower confidence), and when that row is unreadable, the item
rows summed. Part of ``extractors.amounts``.
"""

from __future__ import annotations

import re

from extractors.found import DERIVED_FACTOR, FALLBACK_FACTOR, Found
from extractors.money import MONEY, MoneyFound, found_amount, vat_linked
from extractors.regions import find_hits
from extractors.view import DocView, VLine, VWord
from extractors.vocabulary import vocabulary


def _total_rows(view: DocView) -> list[tuple[VLine, list[Found]]]:
    """Lines starting with a total label, with the money amounts on them (wrapped cells joined)."""
    out = []
    for hit in find_hits(view, "total", only_label_like=False):
        line = hit.line
        if hit.first > 2:
            continue
        if vocabulary().label("vat").search(line.text[: hit.start]):
            continue
        amounts = [found_amount(view, line, s, e, float(v)) for s, e, v, _ in MONEY(line.text) if s >= hit.end]
        amounts = _with_stacked_cells(view, line, amounts, after_x=hit.x1)
        if amounts:
            out.append((line, amounts))
    return out


# A number wrapped inside a narrow cell: its head ("5 824") on a line just above the row, its tail
# ("916.36") just below, both in the same column band and vertically close to the row's centre.
STACK_MAX_CENTRE_HEIGHTS = 1.3
_HEAD_FRAGMENT = re.compile(r"\d{1,3}(?:[\s\u00a0]\d{3})*")
_TAIL_FRAGMENT = re.compile(r"(?:\d{1,3}(?:[\s\u00a0]\d{3})*)?[.,]?\d{0,3}[.,]\d{2}|\d{3}")


def _with_stacked_cells(view: DocView, line: VLine, amounts: list[Found], after_x: float) -> list[Found]:
    """The row's amounts plus numbers whose cell wrapped onto lines above and below the row, in x order."""
    h = line.height
    centre = (line.top + line.bottom) / 2
    taken = [(f.words[0].bbox.x0, f.words[-1].bbox.x1) for f in amounts if f.words]

    def near(idx: int) -> VLine | None:
        if not 0 <= idx < len(view.lines):
            return None
        ln = view.lines[idx]
        mid = (ln.top + ln.bottom) / 2
        return ln if ln.page == line.page and abs(mid - centre) <= STACK_MAX_CENTRE_HEIGHTS * h else None

    above, below = near(line.index - 1), near(line.index + 1)
    if above is None or below is None:
        return amounts
    joined: list[Found] = []
    for head in _numeric_cells(above):
        x0, x1 = head[0].bbox.x0, head[-1].bbox.x1
        if x0 < after_x or any(a < x1 and x0 < b for a, b in taken):
            continue
        for tail in _numeric_cells(below):
            tx0, tx1 = tail[0].bbox.x0, tail[-1].bbox.x1
            if not (tx0 < x1 + h and x0 - h < tx1):
                continue
            head_text = " ".join(w.text for w in head)
            tail_text = " ".join(w.text for w in tail)
            if not _HEAD_FRAGMENT.fullmatch(head_text) or not _TAIL_FRAGMENT.fullmatch(tail_text):
                continue
            text = f"{head_text} {tail_text}"
            parsed = MONEY(text)
            if len(parsed) == 1 and parsed[0][0] == 0 and parsed[0][1] == len(text):
                joined.append(Found(value=float(parsed[0][2]), raw=text, words=head + tail))
            break
    if not joined:
        return amounts
    return sorted(amounts + joined, key=lambda f: f.words[0].bbox.x0 if f.words else 0.0)


def _numeric_cells(line: VLine) -> list[list[VWord]]:
    """The line's cells (word groups split at column gaps) made of digits only."""
    cells = []
    for start in line.segment_starts:
        first, last = line.segment_of(start)
        words = line.words[first:last]
        if words and all(re.fullmatch(r"[\d.,]+", w.text) for w in words):
            cells.append(words)
    return cells


def _split_triple(values: list[float]) -> tuple[int, int, int] | None:
    """Indexes (without_vat, vat, total) of three amounts where without + vat = total."""
    n = len(values)
    for k in range(n - 1, 1, -1):
        for j in range(k - 1, 0, -1):
            for i in range(j - 1, -1, -1):
                a, b, c = values[i], values[j], values[k]
                if abs(a + b - c) <= 0.011 and c > 0:
                    return (i, j, k) if a >= b else (j, i, k)
    return None


def _amounts_with_kopecks(view: DocView, line: VLine) -> list[Found]:
    """The sums on a line printed with kopecks (a table's money cells, not counts or codes)."""
    return [
        found_amount(view, line, s, e, float(v))
        for s, e, v, _ in MONEY(line.text)
        if re.search(r"[.,]\d{2}$", line.text[s:e])
    ]


def _largest_amount_row(view: DocView) -> list[tuple[VLine, list[Found]]]:
    """The line holding the largest sum printed with kopecks: a grand total whose label OCR lost."""
    best: tuple[float, VLine, list[Found]] | None = None
    for line in view.lines:
        amounts = _amounts_with_kopecks(view, line)
        if amounts:
            top = max(float(f.value) for f in amounts)
            if best is None or top > best[0]:
                best = (top, line, amounts)
    return [] if best is None else [(best[1], best[2])]


# The totals row found by its size alone, when OCR lost its label: how far to trust it.
UNLABELLED_TOTAL_FACTOR = 0.6


def from_totals_row(view: DocView) -> MoneyFound | None:
    rows = _total_rows(view)
    factor = 1.0
    if not rows:
        rows = _largest_amount_row(view)
        factor = UNLABELLED_TOTAL_FACTOR
    if not rows:
        return None
    # The grand total is the row with the largest sum (sub-totals and "в т.ч." lines are smaller).
    _, amounts = max(rows, key=lambda r: max(float(f.value) for f in r[1]))
    money = _row_money(amounts)
    if factor < 1.0:
        money = _item_rows_sum(view, money) or money
    for f in (money.total, money.vat, money.without_vat):
        if f is not None:
            f.factor *= factor
    return money


def _item_pair(view: DocView, line: VLine) -> tuple[Found, Found] | None:
    """(amount before VAT, amount with VAT) of an item row: two sums on the line that one VAT rate links."""
    amounts = [f for f in _amounts_with_kopecks(view, line) if float(f.value) > 0]
    for i, without in enumerate(amounts):
        for total in amounts[i + 1 :]:
            if vat_linked(float(without.value), float(total.value)):
                return without, total
    return None


def _item_rows_sum(view: DocView, largest: MoneyFound) -> MoneyFound | None:
    """The item rows' sum standing in for a totals row that OCR garbled beyond reading.

    Without a totals label the largest sum on the page is taken as the total; when that sum is itself
    one of several item rows (each with its amount before VAT and with VAT linked by a VAT rate), it is
    only the largest row, and the rows' sum is the document's total. It stays below the validators'
    trust threshold: a mismatch it causes (a row OCR lost) is reported as unverified, never as an error.
    """
    pairs = [pair for line in view.lines if (pair := _item_pair(view, line)) is not None]
    if len(pairs) < 2 or largest.total is None:
        return None
    if not any(abs(float(total.value) - float(largest.total.value)) <= 0.011 for _, total in pairs):
        return None
    gross = round(sum(float(total.value) for _, total in pairs), 2)
    top = max(float(total.value) for _, total in pairs)
    if abs(gross - 2 * top) <= 0.011 * len(pairs):
        return None  # the largest "row" is the sum of the others: the totals row itself, label lost
    net = round(sum(float(without.value) for without, _ in pairs), 2)
    evidence = [w for _, total in pairs for w in total.words]
    # A weak strategy (FALLBACK_FACTOR) on top of the unlabelled row's factor: below the validators'
    # trust threshold even when every word was read with full confidence.
    return MoneyFound(
        total=Found(value=gross, raw=None, words=evidence, factor=FALLBACK_FACTOR),
        without_vat=Found(value=net, raw=None, words=[w for p, _ in pairs for w in p.words], factor=FALLBACK_FACTOR),
        vat=Found(value=round(gross - net, 2), raw=None, words=[], factor=FALLBACK_FACTOR),
    )


def _row_money(amounts: list[Found]) -> MoneyFound:
    """Total / VAT / amount without VAT from the sums of one totals row (in reading order)."""
    values = [float(f.value) for f in amounts]

    def at(i: int) -> Found:
        f = amounts[i]
        return Found(value=f.value, raw=f.raw, words=list(f.words), factor=f.factor)

    money = MoneyFound()
    if len(values) >= 3:
        tri = _split_triple(values)
        consistent = tri is not None
        if tri is None:
            # As printed but inconsistent (e.g. a miscalculated VAT line): the usual column order.
            tri = (len(values) - 3, len(values) - 2, len(values) - 1)
        i, j, k = tri
        money.without_vat, money.vat, money.total = at(i), at(j), at(k)
        if not consistent:
            for f in (money.without_vat, money.vat, money.total):
                f.factor *= FALLBACK_FACTOR
    elif len(values) == 2:
        a, b = values
        if abs(a - b) <= 0.011:
            # "Итого 5 080 000,00 — 5 080 000,00": the VAT column between them is empty.
            money.without_vat, money.total = at(0), at(1)
            money.vat = Found(value=0.0, raw=None, words=[], factor=DERIVED_FACTOR)
        elif a < b:
            money.without_vat, money.total = at(0), at(1)
        else:
            money.total = at(0)
    else:
        money.total = at(0)
    return money
