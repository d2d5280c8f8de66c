"""Which contract a document belongs to, when a dossier has one contract or several.

A dossier normally has one contract. When it has several (a works contract and an employment
contract, a contract and its supplementary agreement scanned as a contract, a foreign supplier's
contract and a local installer's), each payment order / act / invoice / report is judged against the
contract it refers to (by number, else by date); documents that refer to none of them are judged
against the *main* contract: the one most documents refer to, preferring a contract whose parties fit
the cost type (employer/employee for a hired foreign specialist, customer/supplier for works).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.domain import DocType, DocumentExtraction
from validators.findings import fmt_date
from validators.values import as_date, norm_number, raw

REFERRING_TYPES = (DocType.PAYMENT_ORDER, DocType.ACT_OF_WORK, DocType.INVOICE, DocType.WORK_REPORT)
_EMPLOYMENT_ROLES = {"employer", "employee"}
_WORKS_ROLES = {"customer", "supplier"}


def ref_number(doc: DocumentExtraction) -> str | None:
    return norm_number(raw(doc.contract_ref.number)) if doc.contract_ref else None


def ref_date(doc: DocumentExtraction) -> dt.date | None:
    return as_date(doc.contract_ref.date) if doc.contract_ref else None


def contract_number(contract: DocumentExtraction) -> str | None:
    return norm_number(raw(contract.number))


def contract_date(contract: DocumentExtraction) -> dt.date | None:
    return as_date(contract.date)


@dataclass
class ContractBook:
    contracts: list[DocumentExtraction]  # distinct readable contracts, dossier order
    main: DocumentExtraction | None

    @classmethod
    def build(cls, distinct_docs: list[DocumentExtraction], *, employment: bool) -> ContractBook:
        contracts = [d for d in distinct_docs if d.doc_type == DocType.CONTRACT]
        referring = [d for d in distinct_docs if d.doc_type in REFERRING_TYPES]
        return cls(contracts=contracts, main=_choose_main(contracts, referring, employment=employment))

    def by_reference(self, doc: DocumentExtraction) -> DocumentExtraction | None:
        """The contract ``doc`` refers to, when its reference names one of the dossier's contracts."""
        number, day = ref_number(doc), ref_date(doc)
        if number is not None:
            for c in self.contracts:
                if contract_number(c) == number:
                    return c
            return None
        if day is not None:
            dated = [c for c in self.contracts if contract_date(c) == day]
            if len(dated) == 1:
                return dated[0]
        return None

    def for_document(self, doc: DocumentExtraction) -> DocumentExtraction | None:
        return self.by_reference(doc) or self.main


def _role_fit(contract: DocumentExtraction, employment: bool) -> int:
    roles = {p.role for p in contract.parties}
    wanted = _EMPLOYMENT_ROLES if employment else _WORKS_ROLES
    return 1 if roles & wanted else 0


def _choose_main(
    contracts: list[DocumentExtraction], referring: list[DocumentExtraction], *, employment: bool
) -> DocumentExtraction | None:
    if not contracts:
        return None

    def references(c: DocumentExtraction) -> int:
        number = contract_number(c)
        return sum(1 for d in referring if number is not None and ref_number(d) == number)

    def has_total(c: DocumentExtraction) -> int:
        return int(c.amounts is not None and raw(c.amounts.total) is not None)

    order = {id(c): i for i, c in enumerate(contracts)}
    return max(
        contracts, key=lambda c: (_role_fit(c, employment), references(c), has_total(c), -order[id(c)])
    )


def contract_label(contract: DocumentExtraction | None) -> str:
    if contract is None:
        return "(не представлен)"
    number = raw(contract.number)
    day = as_date(contract.date)
    text = f"№ {number}" if number else "без номера"
    return f"{text} от {fmt_date(day)}" if day else text
