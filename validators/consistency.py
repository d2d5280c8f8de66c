"""Whether a document's figures agree with the document itself, before they may accuse the applicant.

A finding accuses an applicant; a misread figure (OCR merging two cells, a stray number taken for the VAT, a sum
wrapped across two lines of a narrow cell) must not. So an amount may carry an error or a warning only when its own
document backs it:

* nothing on the document contradicts it — when the document prints all three of (without VAT, VAT, total), they add
  up; and
* on a scan or a photo, it is read in figures and no second reading contradicts it: the amount in words spells the
  same figure (or its tail, where OCR lost the first word), the triple adds up, or — where the document prints
  nothing to compare with — OCR read it confidently and it is printed as money.

Otherwise the check reports UNVERIFIED_FIELD («требует проверки») with the readings it has, never the applicant's
error. A figure the reader did not see at all (derived from the others, or taken from the words because the figures
were unreadable) confirms nothing by itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from extractors.amount_words import words_lost_leading_part, words_to_number
from extractors.values import looks_like_money
from models.domain import DocumentExtraction, ExtractedValue
from validators.context import CheckContext
from validators.findings import fmt_money, fmt_pct
from validators.values import as_decimal, raw

_LETTER = re.compile(r"[^\W\d_]")
# A value without raw text at full confidence was stated by a person (a correction), not derived by the reader.
STATED_CONFIDENCE = 1.0


def printed_in_figures(ev: ExtractedValue | None) -> bool:
    """The value stands on the page in figures: read with its raw text of digits (not words), or stated by a
    person (a reviewer's correction: no raw text, full confidence). A value the reader computed from others has no
    raw text and a lower confidence."""
    if ev is None or ev.value is None:
        return False
    if not ev.raw:
        return ev.confidence >= STATED_CONFIDENCE
    return bool(re.search(r"\d", ev.raw)) and not _LETTER.search(ev.raw)


@dataclass(frozen=True)
class Triple:
    total: Decimal | None
    vat: Decimal | None
    without_vat: Decimal | None
    printed: tuple[bool, bool, bool]  # (total, VAT, without VAT) read from figures

    @property
    def all_printed(self) -> bool:
        return all(self.printed) and None not in (self.total, self.vat, self.without_vat)

    def adds_up(self, tolerance: Decimal) -> bool:
        assert self.total is not None and self.vat is not None and self.without_vat is not None
        return abs(self.without_vat + self.vat - self.total) <= tolerance


def triple(doc: DocumentExtraction) -> Triple:
    a = doc.amounts
    if a is None:
        return Triple(None, None, None, (False, False, False))
    return Triple(
        as_decimal(raw(a.total)),
        as_decimal(raw(a.vat)),
        as_decimal(raw(a.amount_without_vat)),
        (printed_in_figures(a.total), printed_in_figures(a.vat), printed_in_figures(a.amount_without_vat)),
    )


def words_value(doc: DocumentExtraction) -> Decimal | None:
    words = raw(doc.amount_words)
    if not words:
        return None
    spelt = words_to_number(str(words))
    return None if spelt is None else Decimal(str(spelt))


def total_doubt(ctx: CheckContext, doc: DocumentExtraction) -> str | None:
    """Why the document's total cannot carry an accusation (Russian, for the reviewer), or None when it can."""
    a = doc.amounts
    t = triple(doc)
    tolerance = ctx.rules.checks.amount_tolerance
    currency = raw(a.currency) if a is not None else None
    if t.total is None:
        return "итоговая сумма не прочитана"
    if t.all_printed and not t.adds_up(tolerance):
        return (
            f"прочитанные суммы не сходятся между собой: без НДС {fmt_money(t.without_vat, currency)} + "
            f"НДС {fmt_money(t.vat, currency)} ≠ итог {fmt_money(t.total, currency)}"
        )
    if not ctx.ocr_read(doc):
        return _text_layer_total_doubt(a.total if a is not None else None)
    spelt = words_value(doc)
    figures = t.printed[0]
    readings = [f"цифрами {fmt_money(t.total, currency)}" if figures else "цифрами не прочитана"]
    if spelt is not None:
        readings.append(f"прописью {fmt_money(spelt, currency)}")
    if not figures:
        return "на скане итог не прочитан цифрами (" + ", ".join(readings) + ")"
    if spelt is not None:
        if abs(spelt - t.total) <= tolerance or words_lost_leading_part(float(t.total), float(spelt)):
            return None  # the words confirm the figures (or their tail, where OCR lost the first word)
        return "на скане итог цифрами и прописью расходится (" + ", ".join(readings) + ")"
    if t.all_printed:
        return None  # the triple adds up (checked above)
    ev = a.total if a is not None else None
    solo_min = ctx.rules.checks.ocr_unconfirmed_total_min_confidence
    # Alone, a figure says what it is only with its VAT line read (a sum, or "без НДС"): where OCR lost the VAT line,
    # the one figure read may be the amount without VAT as well as the total.
    vat_read = a is not None and a.vat is not None and bool(a.vat.raw)
    if ev is not None and looks_like_money(str(ev.raw)) and ev.confidence >= solo_min and vat_read:
        return None
    return "на скане итог не подтвержден вторым прочтением (" + ", ".join(readings) + ")"


_GAP_BETWEEN_DIGITS = re.compile(r"\d([ \u00a0\u202f\u2009]+)(?=\d)")


def ragged_digit_groups(printed: str) -> bool:
    """The digit groups of a figure stand at unequal distances ("4  117 200,00"): a text layer spaces one number's
    groups evenly (justified text stretches them all alike), so a wider first gap is a neighbouring cell's figure
    (a row number, a quantity) glued to the sum."""
    gaps = {len(m.group(1)) for m in _GAP_BETWEEN_DIGITS.finditer(printed)}
    return len(gaps) > 1


def _text_layer_total_doubt(total: ExtractedValue | None) -> str | None:
    """A text layer prints its figures exactly; its total is still not the document's own word when the reader took
    it from the amount in words (the figures were not found) or glued it from two cells."""
    if total is None or not total.raw:
        return None
    if _LETTER.search(total.raw):
        return f"итог цифрами не найден, взят из суммы прописью «{total.raw}»"
    if ragged_digit_groups(total.raw):
        return (
            f"в итоге «{total.raw}» группы цифр разделены неравными пробелами — вероятно, к сумме приклеено число "
            "из соседней ячейки"
        )
    return None


def vat_doubt(ctx: CheckContext, doc: DocumentExtraction) -> str | None:
    """Why the document's VAT cannot be judged wrong, or None when the VAT line can be checked.

    A miscalculated VAT is a document whose three figures are all printed and add up, while the VAT is not the
    rate's share of the amount without VAT. With the amount without VAT derived (total − VAT) the check would only
    recompute the reader's own subtraction; it is made only when the VAT is a plausible share of it.
    """
    t = triple(doc)
    checks = ctx.rules.checks
    if t.vat is None or t.total is None and t.without_vat is None:
        return "НДС или сумма без НДС не прочитаны"
    if t.all_printed and not t.adds_up(checks.amount_tolerance):
        return total_doubt(ctx, doc)
    base = t.without_vat if t.without_vat is not None else (t.total - t.vat if t.total is not None else None)
    if base is None or base <= 0:
        return "сумма без НДС не прочитана"
    if not t.printed[2] and not ctx.ocr_read(doc):
        # The base is the reader's subtraction from a total: that total must be one printed figure.
        glued = _text_layer_total_doubt(doc.amounts.total if doc.amounts is not None else None)
        if glued is not None:
            return glued
    share = t.vat / base
    # A VAT far outside any rate's share is a stray figure taken for it, on a scan, or wherever the base is only
    # the reader's subtraction; a VAT error an applicant makes (a wrong rate, VAT on the gross) stays inside.
    if (ctx.ocr_read(doc) or not t.all_printed) and not checks.ocr_vat_share_min <= share <= checks.ocr_vat_share_max:
        pct = fmt_pct(share.quantize(Decimal("0.0001")))
        return f"НДС {fmt_money(t.vat)} составляет {pct} % суммы без НДС — вероятно, прочитан неверно"
    if t.all_printed:
        return None
    if not (t.printed[0] or t.printed[2]) or not t.printed[1]:
        return "НДС или сумма, от которой он считается, не прочитаны цифрами"
    if ctx.ocr_read(doc):
        return "на скане сумма без НДС не напечатана отдельно: НДС нечем перепроверить"
    return None
