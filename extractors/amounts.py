"""Money: total, VAT, amount without VAT, currency, VAT rate, and the amount written in words.

Read by meaning per document type:

* payment order: the amount next to "Сумма"/"Сомасы"/"Amount"; VAT from "в т.ч. НДС 12% – X" /
  "оның ішінде ҚҚС" in the purpose, 0 for "без НДС"/"ҚҚС-сыз" or when none is stated;
* contract: the price in "Общая стоимость … составляет X (words)", "total price … is USD X",
  "Gesamtvergütung beträgt EUR X", "总金额为CNY X"; VAT from "в том числе НДС";
* act / invoice: the totals row ("Итого", "Всего", "Барлығы", "Жиыны", "TOTAL", "GESAMTBETRAG",
  "合计"): with three sums it is (without VAT, VAT, total), told apart by arithmetic (a + b = c), not by
  column position; with one sum the VAT comes from its own line;
* application form: the claimed costs (total = amount without VAT, VAT not applicable).

Values are as printed (a miscalculated VAT is recorded, not fixed); a missing member of the
(total, VAT, without VAT) triple is derived from the other two with a lower confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.amount_words import words_lost_leading_part, words_to_number
from extractors.found import DERIVED_FACTOR, FALLBACK_FACTOR, Found
from extractors.regions import ParsedValue, Parser, find_hits, labelled
from extractors.values import currency_near, find_amounts, find_currencies, find_dates, looks_like_money
from extractors.view import DocView, VLine, VWord, iter_bounded
from extractors.vocabulary import vocabulary
from models.domain import Amounts, DocType, ExtractedValue

TRIPLE_TOLERANCE = 0.01
INCONSISTENT_FACTOR = 0.5
UNSTATED_VAT_FACTOR = 0.45
VAT_RATES = (0.12, 0.16, 0.05, 0.10, 0.19, 0.20, 0.13, 0.18)
_PERCENT = re.compile(r"(\d{1,2}(?:[.,]\d{1,2})?)\s*%")


@dataclass
class MoneyFound:
    total: Found | None = None
    vat: Found | None = None
    without_vat: Found | None = None
    currency: Found | None = None
    vat_rate: Found | None = None


# A bare four-digit number in this range next to a year marker, or with nothing marking it as money,
# is a year ("2025 года", "2025 ж.", "в 2025"), never a price.
_YEAR_RANGE = (1900, 2100)
_YEAR_AFTER = re.compile(r"\s*(?:г\.|гг?\b|год\w*|ж\.|жыл\w*|year|jahr|年)", re.IGNORECASE)


def _is_year(text: str, s: int, e: int, value: float) -> bool:
    raw = text[s:e]
    if not re.fullmatch(r"\d{4}", raw) or not _YEAR_RANGE[0] <= value <= _YEAR_RANGE[1]:
        return False
    if _YEAR_AFTER.match(text[e : e + 8]):
        return True
    return currency_near(text, s, e, window=6) is None


def _in_date(dates: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(ds < e and s < de for ds, de in dates)


def _money_parser(min_value: float = 1.0) -> Parser:
    def parse(text: str) -> list[ParsedValue]:
        out: list[ParsedValue] = []
        dates: list[tuple[int, int]] | None = None
        for s, e, v in find_amounts(text, min_value):
            raw = text[s:e]
            if not looks_like_money(raw) and v < 1000:
                continue
            if _PERCENT.match(text[s:]) or re.match(r"\s*%", text[e:]):
                continue
            if _is_year(text, s, e, v):
                continue
            if not looks_like_money(raw):
                # a date fragment ("от 01.03.2025", "2025 жылғы 5 наурыз") is not an amount
                if dates is None:
                    dates = [(d.start, d.end) for d in find_dates(text)]
                if _in_date(dates, s, e):
                    continue
            out.append((s, e, v, 1.0))
        return out

    return parse


MONEY = _money_parser()


def _found_amount(view: DocView, line: VLine, s: int, e: int, value: float) -> Found:
    gs, ge = line.start + s, line.start + e
    return Found(value=value, raw=view.text[gs:ge], words=view.words_in(gs, ge))


# ---------------------------------------------------------------------- VAT phrases


def _vat_free(view: DocView) -> Found | None:
    """A statement that no VAT is charged ("Без НДС", "ҚҚС-сыз", "НДС не облагается"), not a column
    header or a total qualified by it ("Стоимость без НДС", "Итого без НДС")."""
    qualified = vocabulary().label("amount_qualified_by_vat")
    for m in iter_bounded(vocabulary().label("vat_free"), view.text):
        line_start = view.text.rfind("\n", 0, m.start()) + 1
        if qualified.search(view.text[line_start : m.start()]):
            continue
        return Found(value=0.0, raw=m.group(0), words=view.words_in(m.start(), m.end()), factor=0.95)
    return None


def _vat_stated(view: DocView, after_label: str = "vat", window: int = 40, total: float | None = None) -> Found | None:
    """'в т.ч. НДС 12% – 302 400,00', 'Сумма НДС 703 560', 'оның ішінде ҚҚС 12% – 115 200,00',
    'ҚҚС 12% қоса алғанда 1 238 640,00'. A VAT word inside a total's label ("Всего с НДС") is skipped,
    and so is a sum that cannot be a VAT of ``total`` (as large as the total itself)."""
    voc = vocabulary()
    pattern = voc.label(after_label)
    free = voc.label("vat_free")
    inclusive = [(m.start(), m.end()) for m in iter_bounded(voc.label("vat_inclusive"), view.text)]
    text = view.text
    for m in iter_bounded(pattern, text):
        if any(s < m.end() and m.start() < e for s, e in inclusive):
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        if free.search(text[line_start : line_end if line_end >= 0 else len(text)]):
            continue
        # Parse past the window so that a number cut at its edge is not misread; keep starts inside it.
        tail = text[m.end() : m.end() + window + 30]
        for s, e, v, _ in MONEY(tail):
            # The sum follows its label directly: only a rate and a dash may stand between them
            # (possibly over a line break); a column header followed by table rows is not a VAT line.
            if s >= window or not _only_rate_between(tail[:s]):
                break
            if not plausible_vat(v, total):
                break
            gs, ge = m.end() + s, m.end() + e
            return Found(value=v, raw=text[gs:ge], words=view.words_in(gs, ge))
    return None


# VAT is a fraction of the total: the highest rate in VAT_RATES over (1 + rate) of the gross.
_MAX_VAT_SHARE = max(VAT_RATES) / (1 + max(VAT_RATES))


def plausible_vat(vat: float, total: float | None) -> bool:
    """A VAT that can belong to ``total``: positive and at most the share the highest rate gives."""
    if total is None or total <= 0:
        return True
    return 0 <= vat <= total * _MAX_VAT_SHARE + 1.0


def _only_rate_between(between: str) -> bool:
    """Between a VAT label and its sum: a rate and a dash, plus at most a fragment of a wrapped label
    ("платежа:"), an "including" word ("қоса алғанда") or one short OCR-garbage token on the same line."""
    rest = vocabulary().label("vat_filler").sub(" ", between)
    rest = re.sub(r"[\s\d%.,=–—|()（）-]+", " ", rest)
    rest = re.sub(r"(?:^|\s)[^\W\d]{2,20}:", " ", rest, count=1)  # "Назначение / платежа:" interleaved
    words = rest.split()
    if not words:
        return True
    return len(words) == 1 and len(words[0]) <= 6 and "\n" not in between.split(words[0])[0]


def _vat_rate(view: DocView, total: float | None, vat: float | None) -> Found | None:
    text = view.text
    for m in iter_bounded(vocabulary().label("vat"), text):
        pm = _PERCENT.search(text[m.end() : m.end() + 15])
        if pm:
            rate = float(pm.group(1).replace(",", ".")) / 100
            gs = m.end() + pm.start()
            return Found(value=rate, raw=pm.group(0), words=view.words_in(gs, gs + len(pm.group(0))))
    if total and vat:
        base = total - vat
        for rate in VAT_RATES:
            if base > 0 and abs(base * rate - vat) <= 1.0:
                return Found(value=rate, raw=None, factor=DERIVED_FACTOR)
    return None


# ---------------------------------------------------------------------- currency


def _currency(view: DocView, total: Found | None) -> Found | None:
    text = view.text
    if total is not None and total.words:
        s, e = total.words[0].start, total.words[-1].end
        code = currency_near(text, s, e)
        if code:
            return Found(value=code, raw=code, words=total.words, factor=1.0)
    counts: dict[str, int] = {}
    for _, _, code in find_currencies(text):
        counts[code] = counts.get(code, 0) + 1
    if counts:
        code = max(counts, key=lambda c: counts[c])
        return Found(value=code, raw=code, factor=FALLBACK_FACTOR)
    # Nothing printed: a Kazakh document's amounts are in tenge. A currency is never guessed from a country (a
    # Chinese supplier may invoice in dollars): a foreign document that prints no currency gets none.
    return Found(value="KZT", raw=None, factor=0.5)


# ---------------------------------------------------------------------- totals rows


def _total_rows(view: DocView) -> list[tuple[VLine, list[Found]]]:
    """Lines starting with a total label, with the money amounts on them (wrapped cells joined)."""
    out = []
    for hit in find_hits(view, "total", only_label_like=False):
        line = hit.line
        if hit.first > 2:
            continue
        if vocabulary().label("vat").search(line.text[: hit.start]):
            continue
        amounts = [_found_amount(view, line, s, e, float(v)) for s, e, v, _ in MONEY(line.text) if s >= hit.end]
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
        _found_amount(view, line, s, e, float(v))
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


def _from_totals_row(view: DocView) -> MoneyFound | None:
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
            if _vat_linked(float(without.value), float(total.value)):
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


# ---------------------------------------------------------------------- contract price


def _contract_price(view: DocView) -> Found | None:
    text = view.text
    best: Found | None = None
    for m in iter_bounded(vocabulary().label("contract_price"), text):
        window = text[m.end() : m.end() + 190]
        for s, e, v, _ in MONEY(window):
            if s >= 160:
                break
            gs, ge = m.end() + s, m.end() + e
            has_words = bool(re.match(r"\s*(?:[A-Z]{3})?\s*[(（]", text[ge : ge + 8]))
            f = Found(value=v, raw=text[gs:ge], words=view.words_in(gs, ge), factor=1.0 if has_words else 0.85)
            if best is None or f.factor > best.factor:
                best = f
            break
        if best is not None and best.factor >= 1.0:
            return best
    if best is not None:
        return best
    # An amount followed by its spelling in parentheses is a price, wherever it is.
    for s, e, v, _ in MONEY(text):
        if re.match(r"\s*(?:[A-Z]{3}|тенге|теңге)?\s*[(（]\s*[A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүІі]", text[e : e + 20]):
            return Found(value=v, raw=text[s:e], words=view.words_in(s, e), factor=FALLBACK_FACTOR)
    return None


def _after_phrase(view: DocView, label: str, window: int = 90) -> Found | None:
    """The first sum following a phrase in running text, in reading order ("Сумма фактически понесенных
    затрат, заявленных к возмещению, составляет 50 366 170.72 тенге"; a label cell wrapped over
    several lines with the sum in the next cell). A weaker reading than a label with its value."""
    text = view.text
    for m in iter_bounded(vocabulary().label(label), text):
        tail = text[m.end() : m.end() + window + 30]
        for s, e, v, _ in MONEY(tail):
            # A few words may link the phrase to its sum ("…, составляет"); more is another field.
            if s >= window or len(re.findall(rf"{_WORDY}{{2,}}", tail[:s])) > _MAX_LINK_WORDS:
                break
            gs, ge = m.end() + s, m.end() + e
            return Found(value=v, raw=text[gs:ge], words=view.words_in(gs, ge), factor=0.85)
    return None


_MAX_LINK_WORDS = 3


# ---------------------------------------------------------------------- entry point


def extract_amounts(view: DocView, doc_type: DocType, words: Found | None = None) -> Amounts | None:
    """Money fields of a document; ``words`` (the amount spelt out, if read) can stand in for a
    total that OCR lost or garbled in figures."""
    from extractors.found import ev

    money = _read_money(view, doc_type)
    if words is not None and doc_type != DocType.APPLICATION_FORM:
        money = _total_from_words(view, money, words)
    if money is None or money.total is None and money.without_vat is None:
        return None
    return Amounts(
        total=ev(money.total),
        vat=ev(money.vat),
        amount_without_vat=ev(money.without_vat),
        currency=ev(money.currency),
        vat_rate=ev(money.vat_rate),
    )


def _read_money(view: DocView, doc_type: DocType) -> MoneyFound | None:
    if doc_type == DocType.APPLICATION_FORM:
        claimed = labelled(view, "claimed_costs", MONEY, max_gap_chars=80) or _after_phrase(view, "claimed_costs")
        if claimed is None:
            return None
        return MoneyFound(
            total=claimed,
            without_vat=Found(claimed.value, claimed.raw, claimed.words, claimed.factor),
            currency=_currency(view, claimed),
        )
    if doc_type == DocType.PAYMENT_ORDER:
        money = MoneyFound(total=labelled(view, "payment_amount", MONEY, exclude="amount_words", max_gap_chars=40))
    elif doc_type == DocType.CONTRACT:
        money = MoneyFound(total=_contract_price(view))
    elif doc_type in (DocType.ACT_OF_WORK, DocType.INVOICE):
        money = _from_totals_row(view) or MoneyFound()
    else:
        return None
    if money.total is None and money.without_vat is None:
        return None
    if doc_type in (DocType.CONTRACT, DocType.ACT_OF_WORK, DocType.INVOICE):
        _prefer_consistent_triple(view, money)
    _complete_vat(view, money)
    printed = [f for f in (money.total, money.without_vat) if f is not None and f.words]
    money.currency = _currency(view, printed[0] if printed else money.total or money.without_vat)
    total_v = money.total.value if money.total else None
    vat_v = money.vat.value if money.vat else None
    money.vat_rate = _vat_rate(view, total_v, vat_v) if vat_v else None
    return money


def _prefer_consistent_triple(view: DocView, money: MoneyFound) -> None:
    """Use the numbers' consistency to tell the members of the (without VAT, VAT, total) triple apart:
    when the document prints three sums with without + VAT = total and VAT = rate × without, and the
    sum already read is one of them, that triple wins over positional guesses ("Стоимость без учета
    НДС составляет X, НДС 12% — Y, всего с НДС Z" read X as the total)."""
    if money.vat is not None and money.without_vat is not None and money.total is not None:
        return
    anchor = money.total or money.without_vat
    if anchor is None:
        return
    values = sorted({round(v, 2) for _, _, v, _ in MONEY(view.text) if v > 0})
    if len(values) > 400:
        return  # a long table: too many candidates for the arithmetic to mean anything
    pool = set(values)
    a0 = round(float(anchor.value), 2)
    best: tuple[float, float, float] | None = None
    for without in values:
        for rate in VAT_RATES:
            vat = round(without * rate, 2)
            vat_hit = next((v for v in (vat, round(vat + 0.01, 2), round(vat - 0.01, 2)) if v in pool), None)
            if vat_hit is None:
                continue
            total = round(without + vat_hit, 2)
            if total in pool and a0 in (without, total):
                best = (without, vat_hit, total)
                break
        if best:
            break
    if best is None:
        if money.total is not None and money.without_vat is None and _marked_without_vat(view, money.total):
            money.without_vat, money.total = money.total, None
        return
    money.without_vat, money.vat, money.total = (_found_value(view, v) for v in best)


def _found_value(view: DocView, value: float) -> Found:
    for s, e, v, _ in MONEY(view.text):
        if abs(v - value) <= 0.011:
            return Found(value=v, raw=view.text[s:e], words=view.words_in(s, e))
    return Found(value=value, raw=None, factor=DERIVED_FACTOR)


def _marked_without_vat(view: DocView, found: Found) -> bool:
    """A sum introduced as the one before VAT ("Стоимость без учета НДС составляет X")."""
    if not found.words:
        return False
    start = found.words[0].start
    before = view.text[max(0, start - 45) : start].rsplit("\n", 1)[-1]  # the same line only
    return bool(vocabulary().label("without_vat_marker").search(before))


def _weak_figure(found: Found | None) -> bool:
    """A total read by a fallback, or printed without kopecks/thousand groups (OCR lost them)."""
    if found is None:
        return True
    return found.factor < 0.9 or (found.raw is not None and not looks_like_money(found.raw))


def _total_from_words(view: DocView, money: MoneyFound | None, words: Found) -> MoneyFound | None:
    spelt = _spelt_value(words)
    if spelt is None or spelt <= 0:
        return money
    if money is not None and money.total is not None and abs(float(money.total.value) - spelt) <= 0.011:
        return money
    if money is not None and not _weak_figure(money.total):
        return money  # figures read cleanly are authoritative, even when the words disagree
    total = Found(value=spelt, raw=words.raw, words=words.words, factor=0.55)
    if money is None:
        money = MoneyFound()
    money.total = total
    money.without_vat = None
    if money.vat is not None and money.vat.raw is None:
        money.vat = None  # a VAT derived from the rejected row is no longer meaningful
    _complete_vat(view, money)
    if money.currency is None:
        money.currency = _currency(view, total)
    return money


def _complete_vat(view: DocView, money: MoneyFound) -> None:
    total_v = float(money.total.value) if money.total is not None else None
    if money.vat is not None and not plausible_vat(float(money.vat.value), total_v):
        money.vat = None
    if money.vat is None:
        money.vat = _vat_stated(view, total=total_v) or _vat_free(view) or _vat_share_printed(view, total_v)
    if money.vat is None:
        # Nothing said about VAT: the corpus reads that as none charged, but it is an assumption,
        # not a reading, so it stays below the confidence of anything printed.
        money.vat = Found(value=0.0, raw=None, factor=UNSTATED_VAT_FACTOR)
    t, v, w = money.total, money.vat, money.without_vat
    if t is not None and w is None:
        money.without_vat = Found(value=round(float(t.value) - float(v.value), 2), raw=None, words=[], factor=DERIVED_FACTOR)
    elif t is None and w is not None:
        money.total = Found(value=round(float(w.value) + float(v.value), 2), raw=None, words=[], factor=DERIVED_FACTOR)
    _distrust_inconsistent(money)


# A printed sum is the VAT share of the total when it equals total × rate / (1 + rate) to within this
# (the VAT is rounded to the tiyn, and the total may have been rounded the other way).
VAT_SHARE_TOLERANCE = 0.011


def _vat_linked(without_vat: float, with_vat: float) -> bool:
    """``with_vat`` = ``without_vat`` × (1 + a VAT rate), VAT rounded to the tiyn."""
    return any(abs(without_vat * (1 + rate) - with_vat) <= VAT_SHARE_TOLERANCE for rate in VAT_RATES)


def _vat_share_printed(view: DocView, total: float | None) -> Found | None:
    """A sum printed anywhere in the document that is exactly the VAT share of the total at a known
    rate. Its label may be lost (OCR tore "в т.ч. НДС 12% –" off its line or garbled it); a chance
    match to the tiyn is implausible, but it is arithmetic, not a reading, so it counts a bit less."""
    if total is None or total <= 0:
        return None
    shares = [total * rate / (1 + rate) for rate in VAT_RATES]
    for s, e, v, _ in MONEY(view.text):
        if any(abs(v - share) <= VAT_SHARE_TOLERANCE for share in shares):
            return Found(value=v, raw=view.text[s:e], words=view.words_in(s, e), factor=DERIVED_FACTOR)
    return None


def _distrust_inconsistent(money: MoneyFound) -> None:
    """total ≠ without VAT + VAT: at least one member is misread; none of them is to be trusted
    (a derived or fallback member drops below 0.5, the others are halved) — unless total and
    without VAT agree at a VAT rate, which leaves the printed VAT as the one in error."""
    t, v, w = money.total, money.vat, money.without_vat
    if t is None or v is None or w is None:
        return
    if abs(float(w.value) + float(v.value) - float(t.value)) <= TRIPLE_TOLERANCE:
        return
    if _vat_linked(float(w.value), float(t.value)):
        # Total = without VAT × (1 + rate): those two agree, the printed VAT is the odd one out.
        # That is what the document says (a miscalculated VAT for the validators), not a misreading.
        return
    for f in (t, v, w):
        f.factor = min(f.factor * INCONSISTENT_FACTOR, 0.49)


# ---------------------------------------------------------------------- amount in words

_WORDY = r"[A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]"


@lru_cache(maxsize=1)
def _number_words() -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    raw = vocabulary().raw["number_words"]
    exact: set[str] = set()
    stems: list[str] = []
    for lang, words in raw.items():
        if lang == "connectors":
            continue
        for w in words:
            if len(w) >= 4:
                stems.append(w)
            else:
                exact.add(w)
    return frozenset(exact), tuple(stems), frozenset(raw["connectors"])


def _is_number_word(token: str) -> bool:
    exact, stems, _ = _number_words()
    parts = [p for p in re.split(r"[-‐]", token.lower()) if p]
    return bool(parts) and all(p in exact or any(p.startswith(s) for s in stems) for p in parts)


def _is_run_word(token: str) -> bool:
    """A word that may stand inside a spelt amount: numerals, currency names, "and", kopeck digits."""
    _, _, connectors = _number_words()
    t = token.strip(",.;:()«»").lower()
    if not t:
        return True
    if _is_number_word(t) or t in connectors or re.fullmatch(r"\d{1,2}", t):
        return True
    if re.fullmatch(vocabulary().minor_units, t, re.IGNORECASE):
        return True
    return any(p.fullmatch(t) for _, p in vocabulary().currencies)


def _is_label_word(token: str) -> bool:
    """A word of the "Сумма прописью" label that a two-column form prints between the lines of the
    spelt amount ("… триста семьдесят / Сумма прописью / один тенге 91 тиын")."""
    t = token.strip(",.;:()（）«»[]|").lower()
    if not t:
        return False
    voc = vocabulary()
    return any(p.fullmatch(t) for p in (voc.label("amount_words"), voc.label("payment_amount")))


@dataclass
class SpeltRun:
    start: int
    # spans inside the run that are not part of the amount (label words and OCR noise next to them)
    skipped: list[tuple[int, int]]


def _spelt_run(text: str, end: int) -> SpeltRun | None:
    """The spelt amount that ends at ``end`` (just after "00 тиын"), walking back word by word."""
    lo = max(0, end - 400)  # a spelt amount is a few lines at most
    tokens = [(m.start() + lo, m.group(0)) for m in re.finditer(r"[^\s(（]+", text[lo:end])]
    start = None
    unknown: list[tuple[int, int]] = []
    skipped: list[tuple[int, int]] = []
    numerals = 0
    for tok_start, word in reversed(tokens):
        span = (tok_start, tok_start + len(word))
        if _is_label_word(word):
            skipped.append(span)
            continue
        if _is_run_word(word):
            if _is_number_word(word.strip(",.;:()«»")):
                numerals += 1
                start = tok_start
                skipped.extend(u for u in unknown if _next_to(u, skipped, text))
                unknown = []
            continue
        unknown.append(span)
        if len(unknown) > 1:  # one OCR-damaged word inside the phrase is tolerated, two end it
            break
    if start is None or numerals == 0:
        return None
    return SpeltRun(start=start, skipped=[sp for sp in skipped if sp[0] >= start])


def _next_to(span: tuple[int, int], others: list[tuple[int, int]], text: str) -> bool:
    """A noise token touching a label word ("Guana прописью"): part of the garbled label."""
    return any(text[min(span[1], o[1]) : max(span[0], o[0])].strip() == "" for o in others)


def extract_amount_words(view: DocView) -> Found | None:
    """The amount written in words, as printed: after "Сумма прописью:"-like labels, or in parentheses,
    or wherever a run of numerals ends in "NN тиын / cents / fen"."""
    text = view.text
    minor = vocabulary().minor_units
    end_re = re.compile(rf"(?:\d{{1,2}}\s*)?(?:{minor})(?!\w)", re.IGNORECASE)
    for m in end_re.finditer(text):
        run = _spelt_run(text, m.end())
        if run is None or run.start >= m.start():
            continue
        return _words_found(view, run.start, m.end(), run.skipped)
    return None


def _words_found(view: DocView, s: int, e: int, skipped: list[tuple[int, int]] | None = None) -> Found:
    raw = view.text[s:e]
    kept = raw
    for a, b in sorted(skipped or [], reverse=True):
        kept = kept[: a - s] + " " + kept[b - s :]
    if skipped:
        kept = re.sub(r"(?<!\S)[()（）\[\]|:]+(?!\S)", " ", kept)  # brackets left from the label
    value = re.sub(r"\s+", " ", kept).strip(" :;,")
    factor = 0.9 if skipped else 1.0  # put together around an interleaved label
    return Found(value=value, raw=raw, words=view.words_in(s, e), factor=factor)


# ---------------------------------------------------------------------- figures vs words on OCR pages

UNSURE = 0.45  # below the validators' trust threshold: they report "could not verify", not a mismatch


def reconcile_words(view: DocView, amounts: Amounts | None, words: ExtractedValue | None, from_ocr: bool) -> None:
    """On an OCR page, figures and words that disagree are not trusted blindly: the reading that the
    other numbers of the document support (the same sum printed elsewhere, VAT arithmetic) wins, and
    what stays ambiguous gets a confidence below 0.5. On a text layer the figures are authoritative
    and a disagreement is a real defect, so nothing is changed there."""
    if not from_ocr or amounts is None or amounts.total is None or words is None:
        return
    spelt = _spelt_value(words)
    total = float(amounts.total.value)
    if spelt is None or abs(spelt - total) <= 0.011:
        return
    vat = float(amounts.vat.value) if amounts.vat is not None and amounts.vat.raw else None
    figures_ok = _supported(view, total, vat, exclude=amounts.total.raw)
    words_ok = _supported(view, spelt, vat, exclude=None)
    if (figures_ok and not words_ok) or words_lost_leading_part(total, spelt):
        words.confidence = min(words.confidence, UNSURE)
    elif words_ok and not figures_ok:
        amounts.total.confidence = min(amounts.total.confidence, UNSURE)
    else:
        words.confidence = min(words.confidence, UNSURE)
        amounts.total.confidence = min(amounts.total.confidence, UNSURE)


def _spelt_value(words: Found | ExtractedValue) -> float | None:
    """The amount the words spell (``extractors.amount_words``), or None when they spell none for sure."""
    parsed = words_to_number(str(words.value))
    return None if parsed is None else float(parsed)


def _supported(view: DocView, value: float, vat: float | None, exclude: str | None) -> bool:
    """Whether the document's other numbers back ``value`` as its total: a stated VAT that is a
    known rate of it, or the same sum printed a second time."""
    if vat:
        base = value - vat
        if base > 0 and any(abs(base * r - vat) <= 1.0 for r in VAT_RATES):
            return True
    seen = [v for _, _, v, _ in MONEY(view.text) if abs(v - value) <= 0.011]
    return len(seen) >= (2 if exclude is not None else 1)
