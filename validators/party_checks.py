"""Identity: the parties of each document and the contract it refers to."""

from __future__ import annotations

from extractors.identifiers import is_valid_bin
from models.domain import DocType, DocumentExtraction, Evidence, Party
from validators.consequences import consequence
from validators.context import CheckContext
from validators.contracts import contract_date, contract_label, contract_number, ref_date, ref_number
from validators.dossier_view import DossierView
from validators.findings import catalogue, fmt_date, make_finding
from validators.values import (
    evidence,
    norm_bin,
    raw,
)

APPLICANT_ROLES = {"payer", "customer", "employer", "applicant"}
COUNTERPARTY_ROLES = {"beneficiary", "supplier", "employee"}
PARTY_CHECKED_TYPES = (DocType.PAYMENT_ORDER, DocType.ACT_OF_WORK, DocType.INVOICE, DocType.WORK_REPORT)
REFERENCE_CHECKED_TYPES = (DocType.PAYMENT_ORDER, DocType.ACT_OF_WORK, DocType.INVOICE)


def _valid(bin_value: str | None) -> bool:
    return bin_value is not None and is_valid_bin(bin_value)


def _applicant_bin(view: DossierView) -> tuple[str | None, str]:
    app_bin = norm_bin(view.application.applicant.bin)
    if _valid(app_bin):
        return app_bin, "заявке"
    main = view.contracts.main
    if main is not None:
        for p in main.parties:
            b = norm_bin(raw(p.bin))
            if p.role in APPLICANT_ROLES and _valid(b):
                return b, f"договоре {contract_label(main)}"
    return None, ""


def _counterparty_bin(contract: DocumentExtraction | None) -> str | None:
    found = _counterparty_party(contract)
    return norm_bin(raw(found.bin)) if found is not None else None


def _counterparty_party(contract: DocumentExtraction | None) -> Party | None:
    if contract is None:
        return None
    for p in contract.parties:
        if p.role in COUNTERPARTY_ROLES and _valid(norm_bin(raw(p.bin))):
            return p
    return None


def _scanned_reference_doubtful(ctx: CheckContext, view: DossierView, contract: DocumentExtraction, shown: str) -> bool:
    """The contract's BIN is the doubtful side of a mismatch when the contract is a scan and its BIN is read unsurely,
    or when other documents of the dossier print the document's BIN for the other side of the contract too (a text
    layer or a second scan agreeing with each other against one OCR reading)."""
    if not ctx.ocr_read(contract):
        return False
    party = _counterparty_party(contract)
    if party is None or not ctx.ok(party.bin):
        return True
    agreeing = {
        d.file
        for d in view.distinct
        if d is not contract
        and any(p.role in COUNTERPARTY_ROLES and norm_bin(raw(p.bin)) == shown for p in d.parties)
    }
    return len(agreeing) >= ctx.rules.checks.scan_reference_outvoted_by


def expected_party_bin(view: DossierView, doc: DocumentExtraction, role: str) -> tuple[str | None, str]:
    """The valid BIN/IIN the party ``role`` of ``doc`` should have, and where it comes from (Russian)."""
    if role in APPLICANT_ROLES:
        return _applicant_bin(view)
    if role in COUNTERPARTY_ROLES:
        contract = view.contracts.for_document(doc) or view.contracts.main
        found = _counterparty_bin(contract)
        if found is not None and contract is not None:
            return found, f"договоре {contract_label(contract)}"
    return None, ""


def check_parties(ctx: CheckContext, view: DossierView) -> None:
    applicant_bin, applicant_source = _applicant_bin(view)
    for doc in view.distinct:
        if doc.doc_type not in PARTY_CHECKED_TYPES:
            continue
        if doc.doc_type == DocType.PAYMENT_ORDER and view.is_budget_payment(doc):
            continue
        bins = [(p, norm_bin(raw(p.bin))) for p in doc.parties]
        if any(b is not None and b.isdigit() and len(b) == 12 and not is_valid_bin(b) for _, b in bins):
            continue  # reported as INVALID_BIN, not as a party mismatch
        contract = view.contracts.for_document(doc)
        counter_bin = _counterparty_bin(contract)
        expected_by_side = {"applicant": applicant_bin, "counterparty": counter_bin}
        shown = {b for _, b in bins if _valid(b)}
        references = {b for b in expected_by_side.values() if b}
        if shown and shown == references:
            continue  # same two parties, roles merely swapped by the reader
        if shown and shown <= references and ctx.ocr_read(doc):
            # On a scan or photo, a BIN of the other side of the same contract under this role is a
            # label the OCR lost or misplaced, not a third party.
            ctx.unverified(doc, "parties", "стороны документа", ctx.OCR_ROLE_REASON)
            continue
        for party, b in bins:
            if b is None or not _valid(b):
                continue
            side = (
                "applicant"
                if party.role in APPLICANT_ROLES
                else "counterparty"
                if party.role in COUNTERPARTY_ROLES
                else None
            )
            expected = expected_by_side.get(side or "")
            if side is None or expected is None or b == expected:
                continue
            if not ctx.ok(party.bin):
                ctx.unverified(
                    doc,
                    f"parties.{party.role}.bin",
                    "сторону документа",
                    ctx.low_confidence_reason(party.bin),
                    party.bin,
                )
                continue
            if side == "counterparty" and contract is not None and _scanned_reference_doubtful(ctx, view, contract, b):
                ctx.unverified(
                    doc,
                    f"parties.{party.role}.bin",
                    "сторону документа",
                    f"в документе БИН/ИИН {b}, в скане договора {contract_label(contract)} прочитано {expected}; "
                    f"другие документы досье подтверждают {b} — вероятна ошибка распознавания договора",
                    party.bin,
                )
                continue
            reference = applicant_source if side == "applicant" else f"договоре {contract_label(contract)}"
            ctx.add(
                make_finding(
                    "PARTY_MISMATCH",
                    file=doc.file,
                    evidence=[
                        evidence(doc, f"parties.{party.role}.bin", party.bin),
                        Evidence(field="expected_bin", value=expected, note=reference),
                    ],
                    role_label=catalogue().role_label(party.role),
                    bin=b,
                    reference=reference,
                    expected_bin=expected,
                    consequence=consequence(view, doc, "PARTY_MISMATCH"),
                )
            )
            break  # one finding per document


def check_contract_references(ctx: CheckContext, view: DossierView) -> None:
    if not view.contracts.contracts:
        return
    for doc in view.distinct:
        if doc.doc_type not in REFERENCE_CHECKED_TYPES or doc.contract_ref is None:
            continue
        if doc.doc_type == DocType.PAYMENT_ORDER and view.is_budget_payment(doc):
            continue
        number, day = ref_number(doc), ref_date(doc)
        if number is None and day is None:
            continue
        target = view.contracts.by_reference(doc)
        problem = None
        if target is None:
            target = view.contracts.main
            if target is None:
                continue
            if number is not None:
                if contract_number(target) is None:
                    ctx.unverified(
                        doc, "contract_ref.number", "ссылку на договор", "номер договора в досье не прочитан"
                    )
                    continue
                problem = "contract_ref.number"
            elif contract_date(target) is not None and day != contract_date(target):
                problem = "contract_ref.date"
        elif day is not None and contract_date(target) is not None and day != contract_date(target):
            problem = "contract_ref.date"
        if problem is None:
            continue
        ref_ev = doc.contract_ref.number if problem == "contract_ref.number" else doc.contract_ref.date
        if not ctx.ok(ref_ev):
            ctx.unverified(doc, problem, "ссылку на договор", ctx.low_confidence_reason(ref_ev), ref_ev)
            continue
        # On a scan one misread character makes another number ("52-М42022" for "52-У/2022"): the citation
        # accuses only when read as confidently as an identifier must be (INVALID_BIN's threshold).
        if (
            problem == "contract_ref.number"
            and ref_ev is not None
            and ctx.ocr_read(doc)
            and ref_ev.confidence < ctx.rules.checks.ocr_identifier_min_confidence
        ):
            ctx.unverified(
                doc,
                problem,
                "ссылку на договор",
                f"{ctx.low_confidence_reason(ref_ev)}; в досье договор {contract_label(target)}",
                ref_ev,
            )
            continue
        ref_text = f"№ {raw(doc.contract_ref.number)}" if number else "без номера"
        if day:
            ref_text += f" от {fmt_date(day)}"
        ctx.add(
            make_finding(
                "WRONG_CONTRACT_REFERENCE",
                file=doc.file,
                evidence=[
                    evidence(doc, "contract_ref.number", doc.contract_ref.number),
                    evidence(doc, "contract_ref.date", doc.contract_ref.date),
                    evidence(target, "number", target.number, note="договор в досье"),
                    evidence(target, "date", target.date, note="договор в досье"),
                ],
                ref=ref_text,
                contract=contract_label(target),
            )
        )
