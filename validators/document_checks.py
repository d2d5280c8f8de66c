"""Checks that need one document only: readability, identifiers, VAT, amount in words, payroll totals."""

from __future__ import annotations

from decimal import Decimal

from extractors.amount_words import words_lost_leading_part, words_to_number
from extractors.identifiers import is_valid_bin
from models.domain import DocType, DocumentExtraction, Evidence, Finding, PayrollRow
from models.program_rules import Rules, RuleSet
from validators.consequences import consequence
from validators.consistency import vat_doubt
from validators.context import CheckContext, doc_date, resolve_rules
from validators.findings import catalogue, count_words, fmt_date, fmt_money, fmt_pct, make_finding
from validators.party_checks import expected_party_bin
from validators.values import KZT, as_decimal, evidence, money, norm_bin, norm_currency, raw

VAT_DOC_TYPES = (DocType.CONTRACT, DocType.ACT_OF_WORK, DocType.INVOICE)


def check_document(doc: DocumentExtraction, rules: RuleSet | Rules | None = None) -> list[Finding]:
    """All single-document findings for ``doc`` (tolerant of missing values: never a false error)."""
    ctx = CheckContext(resolve_rules(rules, doc_date(doc)))
    run_document_checks(ctx, doc)
    return ctx.findings


def run_document_checks(ctx: CheckContext, doc: DocumentExtraction) -> None:
    if doc.unreadable_reason:
        ctx.add(make_finding("UNREADABLE_DOCUMENT", file=doc.file, reason=doc.unreadable_reason))
        return
    if doc.doc_type == DocType.UNKNOWN:
        ctx.add(make_finding("UNKNOWN_DOCUMENT_TYPE", file=doc.file))
    if doc.doc_type == DocType.TRANSLATION:
        return  # a translation repeats its original; the original is checked
    check_bins(ctx, doc)
    if doc.doc_type in VAT_DOC_TYPES:
        check_vat(ctx, doc)
    check_amount_words(ctx, doc)
    if doc.doc_type == DocType.PAYROLL:
        check_payroll_totals(ctx, doc)


def check_bins(ctx: CheckContext, doc: DocumentExtraction) -> None:
    """INVALID_BIN once per document, listing every party whose BIN/IIN fails the check digit."""
    invalid = []
    for party in doc.parties:
        value = norm_bin(raw(party.bin))
        if value is None:
            continue
        if not (value.isdigit() and len(value) == 12):
            ctx.unverified(
                doc, f"parties.{party.role}.bin", "БИН/ИИН", "номер прочитан не полностью", party.bin
            )
            continue
        if is_valid_bin(value):
            continue
        if not ctx.ok(party.bin):
            ctx.unverified(
                doc, f"parties.{party.role}.bin", "БИН/ИИН", ctx.low_confidence_reason(party.bin), party.bin
            )
            continue
        known = ctx.bin_misread_by_ocr(doc, value)
        if known is not None:
            reason = (
                f"на скане номер прочитан как {value}, а в других документах досье напечатан {known} — "
                "вероятно, ошибка распознавания (цифры сдвинуты)"
            )
            ctx.unverified(doc, f"parties.{party.role}.bin", "БИН/ИИН", reason, party.bin)
            continue
        if ctx.ocr_read(doc) and party.bin is not None and party.bin.confidence < ctx.rules.checks.ocr_identifier_min_confidence:
            # One digit misread by OCR fails the check digit exactly as a mistyped BIN does; only a confident
            # reading can tell the applicant's typo from ours.
            reason = (
                f"на скане номер {value} прочитан неуверенно ({party.bin.confidence:.2f}), а контрольный разряд "
                "не сходится — вероятно, цифра распознана неверно"
            )
            ctx.unverified(doc, f"parties.{party.role}.bin", "БИН/ИИН", reason, party.bin)
            continue
        invalid.append((party, value))
    if invalid:
        party, value = invalid[0]
        expected_text, consequence_text, extra = "", "Реквизит нужно исправить.", []
        if ctx.view is not None:
            # In a dossier: the number the contract (or the application) gives this party, and what
            # the finding does to the payment.
            expected, reference = expected_party_bin(ctx.view, doc, party.role)
            if expected is not None:
                expected_text = f"; в {reference} — {expected}"
                extra = [Evidence(field="expected_bin", value=expected, note=reference)]
            consequence_text = consequence(ctx.view, doc, "INVALID_BIN")
        ctx.add(
            make_finding(
                "INVALID_BIN",
                file=doc.file,
                evidence=[evidence(doc, f"parties.{p.role}.bin", p.bin) for p, _ in invalid] + extra,
                role_label=catalogue().role_label(party.role),
                bin=", ".join(v for _, v in invalid),
                expected=expected_text,
                consequence=consequence_text,
            )
        )


def vat_figures(doc: DocumentExtraction) -> tuple[Decimal | None, Decimal | None]:
    """(printed VAT, amount without VAT) of a document, deriving the base from the total if needed."""
    a = doc.amounts
    if a is None:
        return None, None
    vat = as_decimal(raw(a.vat))
    base = as_decimal(raw(a.amount_without_vat))
    total = as_decimal(raw(a.total))
    if base is None and total is not None and vat is not None:
        base = total - vat
    return vat, base


def check_vat(ctx: CheckContext, doc: DocumentExtraction) -> None:
    a = doc.amounts
    if a is None:
        return
    vat, base = vat_figures(doc)
    if vat is None or vat == 0:
        return  # "без НДС", a foreign supplier, or not read: nothing to recompute
    if base is None:
        ctx.unverified(
            doc, "amounts.amount_without_vat", "НДС", "не прочитана сумма без НДС", a.amount_without_vat
        )
        return
    used = [a.vat, a.amount_without_vat if a.amount_without_vat is not None else a.total]
    if not all(ctx.ok(ev) for ev in used):
        weak = next(ev for ev in used if not ctx.ok(ev))
        ctx.unverified(doc, "amounts.vat", "НДС", ctx.low_confidence_reason(weak), a.vat)
        return
    currency = norm_currency(raw(a.currency))
    if currency not in (None, KZT):
        # A foreign supplier's invoice in its own currency charges its own country's VAT, if any:
        # Kazakhstan's rates do not apply to it, so there is nothing to recompute.
        return
    checks = ctx.rules.checks
    doubt = vat_doubt(ctx, doc)
    if doubt is not None:
        ctx.unverified(doc, "amounts.vat", "НДС", doubt, a.vat)
        return
    tolerance = checks.vat_tolerance
    day = doc_date(doc) if ctx.ok(doc.date) else None
    if day is not None:
        rate = ctx.rules.vat_rate_on(day)
        candidates = [rate] if rate is not None else sorted(ctx.rules.all_vat_rates())
    else:
        candidates = sorted(ctx.rules.all_vat_rates())  # date unknown: only a VAT no rate explains is wrong
    if any(abs(vat - money(base * r)) <= tolerance for r in candidates):
        return
    rate = candidates[0] if len(candidates) == 1 else min(candidates, key=lambda r: abs(vat - base * r))
    expected = money(base * rate)
    # On a scan the base may itself be derived from a misread VAT (total − VAT), so the VAT that
    # the printed total implies is an equally good reference for an OCR slip.
    total = as_decimal(raw(a.total))
    references = [expected] + ([money(total * rate / (1 + rate))] if total is not None else [])
    if any(ctx.explained_by_ocr(doc, vat, ref) for ref in references):
        ctx.unverified(doc, "amounts.vat", "НДС", ctx.OCR_DIGIT_REASON, a.vat)
        return
    ctx.add(
        make_finding(
            "VAT_MISCALCULATED",
            file=doc.file,
            evidence=[
                evidence(doc, "amounts.vat", a.vat),
                evidence(doc, "amounts.amount_without_vat", a.amount_without_vat or a.total),
                evidence(doc, "date", doc.date, note=f"ставка НДС {fmt_pct(rate)} %"),
            ],
            vat=fmt_money(vat, currency),
            rate_pct=fmt_pct(rate),
            base=fmt_money(base, currency),
            expected=fmt_money(expected, currency),
            date=fmt_date(day) if day else "не прочитана",
            diff=fmt_money(abs(vat - expected), currency),
        )
    )


def check_amount_words(ctx: CheckContext, doc: DocumentExtraction) -> None:
    words_ev = doc.amount_words
    words = raw(words_ev)
    if not words or doc.amounts is None:
        return
    total = as_decimal(raw(doc.amounts.total))
    if total is None:
        return
    spelled = words_to_number(str(words))
    if spelled is None:
        ctx.unverified(
            doc,
            "amount_words",
            "сумму прописью",
            "не удалось уверенно разобрать текст суммы прописью",
            words_ev,
        )
        return
    tolerance = ctx.rules.checks.amount_tolerance
    # Figures are authoritative; words may legitimately spell the amount without VAT.
    figures = [total] + [x for x in (as_decimal(raw(doc.amounts.amount_without_vat)),) if x is not None]
    if any(abs(spelled - f) <= tolerance for f in figures):
        return
    if not (ctx.ok(words_ev) and ctx.ok(doc.amounts.total)):
        ctx.unverified(doc, "amount_words", "сумму прописью", ctx.low_confidence_reason(words_ev), words_ev)
        return
    if ctx.explained_by_ocr(doc, total, spelled):
        ctx.unverified(doc, "amount_words", "сумму прописью", ctx.OCR_DIGIT_REASON, words_ev)
        return
    if str(words).strip()[:1].islower() and words_lost_leading_part(float(total), float(spelled)):
        # The words begin mid-phrase (lower case) and spell the figure's tail ("семь тенге 42 тиын" for
        # 75 941 447,42): the phrase's first line was not read (a wrapped cell). A phrase that starts as a phrase
        # ("Четыре миллиона …" for 104 208 000 on a text layer) is the document's own word and is compared.
        ctx.unverified(
            doc,
            "amount_words",
            "сумму прописью",
            f"прочитано только окончание суммы прописью («{words}»), оно совпадает с окончанием суммы цифрами",
            words_ev,
        )
        return
    currency = norm_currency(raw(doc.amounts.currency))
    ctx.add(
        make_finding(
            "AMOUNT_WORDS_MISMATCH",
            file=doc.file,
            evidence=[
                evidence(doc, "amount_words", words_ev, note=f"прописью: {spelled}"),
                evidence(doc, "amounts.total", doc.amounts.total),
            ],
            words=str(words),
            words_value=fmt_money(spelled, currency),
            figure=fmt_money(total, currency),
        )
    )


_PAYROLL_COLUMNS = {"accrued": "начислено", "withheld": "удержано", "net": "к выплате"}


def check_payroll_totals(ctx: CheckContext, doc: DocumentExtraction) -> None:
    totals = doc.payroll_totals
    if totals is None:
        return
    if doc.payroll_rows:
        _check_rows_against_totals(ctx, doc)
    else:
        _check_totals_row_consistency(ctx, doc)


def _check_rows_against_totals(ctx: CheckContext, doc: DocumentExtraction) -> None:
    totals = doc.payroll_totals
    assert totals is not None
    tolerance = ctx.rules.checks.amount_tolerance
    differences = []
    ev_list = []
    for column, label in _PAYROLL_COLUMNS.items():
        total_ev = getattr(totals, column)
        printed = as_decimal(raw(total_ev))
        cells = [getattr(row, column) for row in doc.payroll_rows]
        if printed is None or any(c is None for c in cells):
            continue  # a column not fully read is not compared
        summed = sum((Decimal(str(c)) for c in cells), Decimal(0))
        if abs(summed - printed) <= tolerance:
            continue
        weak_rows = [r for r in doc.payroll_rows if r.confidence < ctx.min_confidence]
        # A row whose own figures do not add up (accrued − withheld ≠ net) was misread — a neighbouring
        # column's digits glued to a cell ("19 745 000" for "745 000" after a days column): its sum accuses nobody.
        broken_rows = [r for r in doc.payroll_rows if not _row_adds_up(r, tolerance)]
        if weak_rows or broken_rows or ctx.explained_by_ocr(doc, printed, summed):
            reason = (
                f"строки ведомости прочитаны неуверенно ({len(weak_rows)} из {len(doc.payroll_rows)})"
                if weak_rows
                else f"в {len(broken_rows)} из {_rows_of(len(doc.payroll_rows))} ведомости начислено − удержано "
                "≠ к выплате: строки прочитаны с ошибкой"
                if broken_rows
                else ctx.OCR_DIGIT_REASON
            )
            ctx.unverified(doc, f"payroll_totals.{column}", "итог ведомости", reason, total_ev)
            continue
        if not ctx.ok(total_ev):
            ctx.unverified(
                doc,
                f"payroll_totals.{column}",
                "итог ведомости",
                ctx.low_confidence_reason(total_ev),
                total_ev,
            )
            continue
        differences.append(f"{label}: итог {fmt_money(printed)}, сумма строк {fmt_money(summed)}")
        ev_list.append(
            evidence(doc, f"payroll_totals.{column}", total_ev, note=f"сумма {_rows_of(len(cells))}: {summed}")
        )
    if differences:
        ctx.add(
            make_finding(
                "PAYROLL_TOTALS_MISMATCH", file=doc.file, evidence=ev_list, details="; ".join(differences)
            )
        )


def _rows_of(count: int) -> str:
    """«из 21 строки», «сумма 5 строк»: the genitive after «из» and «сумма»."""
    return count_words(count, "строки", "строк", "строк")


def _row_adds_up(row: PayrollRow, tolerance: Decimal) -> bool:
    """accrued − withheld = net, when the row has all three figures (a row missing one cannot be judged)."""
    if row.accrued is None or row.withheld is None or row.net is None:
        return True
    accrued, withheld, net = (Decimal(str(v)) for v in (row.accrued, row.withheld, row.net))
    return abs(accrued - withheld - net) <= tolerance


def _check_totals_row_consistency(ctx: CheckContext, doc: DocumentExtraction) -> None:
    # Without the employee rows the scored check cannot be made; the totals row's own arithmetic
    # (accrued - withheld = net) is still worth a reviewer's look.
    totals = doc.payroll_totals
    assert totals is not None
    accrued, withheld, net = (as_decimal(raw(getattr(totals, c))) for c in _PAYROLL_COLUMNS)
    if accrued is None or withheld is None or net is None:
        return
    if not all(ctx.ok(getattr(totals, c)) for c in _PAYROLL_COLUMNS):
        return
    expected = accrued - withheld
    if abs(expected - net) <= ctx.rules.checks.amount_tolerance:
        return
    ctx.add(
        make_finding(
            "PAYROLL_TOTALS_INCONSISTENT",
            file=doc.file,
            evidence=[evidence(doc, f"payroll_totals.{c}", getattr(totals, c)) for c in _PAYROLL_COLUMNS],
            accrued=fmt_money(accrued),
            withheld=fmt_money(withheld),
            expected_net=fmt_money(expected),
            net=fmt_money(net),
        )
    )
