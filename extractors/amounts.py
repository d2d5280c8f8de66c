"""Money: total, VAT, amount without VAT, currency, VAT rate (the amount written in words: ``extractors.spelt_amounts``).

Read by meaning per document type:

* payment order: the amount next to "Сумма"/"Сомасы"/"Amount"; VAT from "в т.ч. НДС 12% – X" /
  "оның ішінде ҚҚС" in the purpose, 0 for "без НДС"/"ҚҚС-сыз" or when none is stated;
* contract: the price in "Общая стоимость … составляет X (words)", "total price … is USD X",
  "Gesamtvergütung beträgt EUR X", "总金额为CNY X"; VAT from "в том числе НДС";
* act / invoice: the totals row ("Итого", "Всего", "Барлығы", "Жиыны", "TOTAL", "GESAMTBETRAG",
  "合计"; ``extractors.totals_rows``): with three sums it is (without VAT, VAT, total), told apart by
  arithmetic (a + b = c), not by column position; with one sum the VAT comes from its own line;
* application form: the claimed costs (total = amount without VAT, VAT not applicable).

Values are as printed (a miscalculated VAT is recorded, not fixed); a missing member of the
(total, VAT, without VAT) triple is derived from the other two with a lower confidence.
"""

from __future__ import annotations

import re

from extractors.found import DERIVED_FACTOR, FALLBACK_FACTOR, Found
from extractors.money import (
    KZ_VAT_RATES,
    MONEY,
    PERCENT,
    VAT_RATES,
    VAT_SHARE_TOLERANCE,
    MoneyFound,
    vat_linked,
)
from extractors.purpose import purpose_cell
from extractors.regions import labelled
from extractors.spelt_amounts import spelt_value
from extractors.swift_mt import MtMessage, settled_amount
from extractors.totals_rows import from_totals_row
from extractors.values import currency_near, find_currencies, looks_like_money
from extractors.view import DocView, Snippet, iter_bounded
from extractors.vocabulary import vocabulary
from models.domain import Amounts, DocType

TRIPLE_TOLERANCE = 0.01
INCONSISTENT_FACTOR = 0.5
UNSTATED_VAT_FACTOR = 0.45


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


def _vat_stated(
    view: DocView | Snippet, after_label: str = "vat", window: int = 40, total: float | None = None
) -> Found | None:
    """'в т.ч. НДС 12% – 302 400,00', 'Сумма НДС 703 560', 'оның ішінде ҚҚС 12% – 115 200,00',
    'ҚҚС 12% қоса алғанда 1 238 640,00'. A VAT word inside a total's label ("Всего с НДС") is skipped,
    and so is a sum that cannot be a VAT of ``total`` (as large as the total itself). Read in the document's text
    or in one cell of it (a payment's purpose put together)."""
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
        pm = PERCENT.search(text[m.end() : m.end() + 15])
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
_WORDY = r"[A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]"


# ---------------------------------------------------------------------- entry point


def extract_amounts(
    view: DocView, doc_type: DocType, words: Found | None = None, message: MtMessage | None = None
) -> Amounts | None:
    """Money fields of a document; ``words`` (the amount spelt out, if read) can stand in for a
    total that OCR lost or garbled in figures; ``message`` (a SWIFT copy's fields) for a payment's unlabelled one."""
    from extractors.found import ev

    money = _read_money(view, doc_type, message)
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


def _read_money(view: DocView, doc_type: DocType, message: MtMessage | None) -> MoneyFound | None:
    if doc_type == DocType.APPLICATION_FORM:
        claimed = labelled(view, "claimed_costs", MONEY, max_gap_chars=80) or _after_phrase(view, "claimed_costs")
        if claimed is None:
            return None
        return MoneyFound(
            total=claimed,
            without_vat=Found(claimed.value, claimed.raw, claimed.words, claimed.factor),
            currency=_currency(view, claimed),
        )
    message_currency: Found | None = None
    if doc_type == DocType.PAYMENT_ORDER:
        money = MoneyFound(total=labelled(view, "payment_amount", MONEY, exclude="amount_words", max_gap_chars=40))
        if money.total is None and message is not None:
            settled = settled_amount(view, message)
            if settled is not None:
                money.total, message_currency = settled
    elif doc_type == DocType.CONTRACT:
        money = MoneyFound(total=_contract_price(view))
    elif doc_type in (DocType.ACT_OF_WORK, DocType.INVOICE):
        money = from_totals_row(view) or MoneyFound()
    else:
        return None
    if money.total is None and money.without_vat is None:
        return None
    if doc_type in (DocType.CONTRACT, DocType.ACT_OF_WORK, DocType.INVOICE):
        _prefer_consistent_triple(view, money)
    _complete_vat(view, money)
    printed = [f for f in (money.total, money.without_vat) if f is not None and f.words]
    money.currency = message_currency or _currency(view, printed[0] if printed else money.total or money.without_vat)
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
    spelt = spelt_value(words)
    if spelt is None or spelt <= 0:
        return money
    if money is not None and money.total is not None and abs(float(money.total.value) - spelt) <= 0.011:
        return money
    if money is not None and not _weak_figure(money.total):
        return money  # figures read cleanly are authoritative, even when the words disagree
    if money is not None and money.total is not None and not view.doc.needed_ocr and money.total.raw \
            and looks_like_money(money.total.raw):
        # A text layer prints its figures exactly: found by a weaker strategy or not, they stand against the words
        # (a contract whose words spell another sum is the applicant's AMOUNT_WORDS_MISMATCH, not a misreading).
        return money
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
    base_v = float(money.without_vat.value) if money.without_vat is not None else None

    def fits(vat: Found) -> bool:
        # Without a total, the VAT is judged against the amount without VAT: a "VAT" as large as the base is the base
        # read again from the next cell ("Всего с НДС | 65 100,00" under "без НДС"), and a total derived from it
        # would double.
        value = float(vat.value)
        if not plausible_vat(value, total_v):
            return False
        return total_v is not None or base_v is None or base_v <= 0 or value <= base_v * max(VAT_RATES) + 1.0

    if money.vat is not None and not fits(money.vat):
        money.vat = None
    if money.vat is None:
        for read in (
            lambda: _vat_stated(view, total=total_v),
            lambda: _vat_in_purpose(view, total_v),
            lambda: _vat_free(view),
            lambda: _vat_share_printed(view, total_v),
        ):
            found = read()
            if found is not None and fits(found):
                money.vat = found
                break
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


def _vat_in_purpose(view: DocView, total: float | None) -> Found | None:
    """The VAT a payment's purpose states, read in the purpose put together: its label may stand between the
    purpose's lines ("… в т.ч. НДС" / "Назначение платежа" / "12% 594 480,00")."""
    cell = purpose_cell(view)
    return _vat_stated(cell, total=total) if cell is not None else None


def _vat_share_printed(view: DocView, total: float | None) -> Found | None:
    """A sum printed anywhere in the document that is exactly the VAT share of the total at a known
    rate. Its label may be lost (OCR tore "в т.ч. НДС 12% –" off its line or garbled it); a chance
    match to the tiyn is implausible, but it is arithmetic, not a reading, so it counts a bit less.
    A sum in tenge is a share at Kazakhstan's rates only: at any rate of the world a figure that happens to be a
    share of the total is too likely (a monthly salary is one sixth of six months' pay: the "VAT" at 20 %)."""
    if total is None or total <= 0:
        return None
    currency = _currency(view, None)
    rates = KZ_VAT_RATES if currency is not None and currency.value == "KZT" else VAT_RATES
    shares = [total * rate / (1 + rate) for rate in rates]
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
    if vat_linked(float(w.value), float(t.value)):
        # Total = without VAT × (1 + rate): those two agree, the printed VAT is the odd one out.
        # That is what the document says (a miscalculated VAT for the validators), not a misreading.
        return
    for f in (t, v, w):
        f.factor = min(f.factor * INCONSISTENT_FACTOR, 0.49)


