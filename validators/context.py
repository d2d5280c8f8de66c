"""What every check needs: the rules in force and a consistent way to say "could not verify"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from rapidfuzz.distance import Hamming, Levenshtein

from models.domain import DocumentExtraction, Evidence, ExtractedValue, Finding
from models.program_rules import Rules, RuleSet, default_rules
from validators.findings import catalogue, make_finding
from validators.values import as_date, evidence, trusted

if TYPE_CHECKING:
    from validators.dossier_view import DossierView

# An OCR shift of a 12-digit number: at most one digit dropped and one inserted (two edits), which
# moves every digit between them, so that at least three positions differ. A person's slip (one digit
# wrong, two neighbours swapped) changes one or two positions.
OCR_SHIFT_MAX_EDITS = 2
OCR_SHIFT_MIN_POSITIONS = 3


def resolve_rules(rules: RuleSet | Rules | None, on: dt.date | None) -> Rules:
    """Rules for a date; a RuleSet without a version for that date falls back to the nearest one."""
    if isinstance(rules, Rules):
        return rules
    ruleset = rules or default_rules()
    resolved, _ = ruleset.nearest(on or dt.date.today())
    return resolved


@dataclass
class CheckContext:
    rules: Rules
    findings: list[Finding] = field(default_factory=list)
    # Check-digit-valid BINs/IINs printed anywhere in the dossier (and the applicant's): what an OCR
    # reading of a party's number can be compared with.
    dossier_bins: tuple[str, ...] = ()
    # The dossier being checked (None when one document is checked alone): lets a document's finding
    # name the contract's value and say what happens to the payment.
    view: DossierView | None = None
    _unverified: set[tuple[str | None, str]] = field(default_factory=set)

    @property
    def min_confidence(self) -> float:
        return self.rules.checks.min_confidence_for_finding

    def ocr_read(self, doc: DocumentExtraction) -> bool:
        """The document's text came from OCR (a scan or a photo), not from a text layer."""
        return doc.file_format in self.rules.checks.ocr_file_formats

    def ok(self, ev: ExtractedValue | None) -> bool:
        """A value present and confident enough to base an error or a warning on."""
        return trusted(ev, self.min_confidence)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def unverified(
        self,
        doc: DocumentExtraction | None,
        field_name: str,
        check: str,
        reason: str,
        ev: ExtractedValue | None = None,
    ) -> None:
        """Record (once per document and field) that a check could not be made."""
        key = (doc.file if doc else None, field_name)
        if key in self._unverified:
            return
        self._unverified.add(key)
        if doc is not None:
            subject = f"{catalogue().doc_type_label(doc.doc_type.value).capitalize()} «{doc.file}»"
            ev_list = [evidence(doc, field_name, ev, note=reason)]
        else:
            subject = "Досье"
            ev_list = [Evidence(field=field_name, note=reason)]
        self.add(
            make_finding(
                "UNVERIFIED_FIELD",
                file=doc.file if doc else None,
                evidence=ev_list,
                subject=subject,
                check=check,
                reason=reason,
            )
        )

    def explained_by_ocr(self, doc: DocumentExtraction, printed: Decimal, expected: Decimal) -> bool:
        """True when ``doc`` was OCR-read and a digit lost, added or misread explains the difference."""
        if not self.ocr_read(doc):
            return False
        a, b = (f"{abs(x):.2f}".replace(".", "") for x in (printed, expected))
        if a == b:
            return False
        if a in b or b in a:
            return True
        return len(a) == len(b) and sum(x != y for x, y in zip(a, b)) == 1

    def bin_misread_by_ocr(self, doc: DocumentExtraction, value: str) -> str | None:
        """The dossier's valid BIN that ``value`` (check digit failed) is an OCR misreading of, if any.

        Only a shift counts: one digit lost and another gained elsewhere, so that several positions
        differ ("191140429234" read "111404209234"). A single wrong digit or two swapped neighbours
        — the typing slips a check digit exists to catch — stay an invalid BIN, scan or not.
        """
        if not self.ocr_read(doc):
            return None
        for known in self.dossier_bins:
            if (
                Levenshtein.distance(value, known) <= OCR_SHIFT_MAX_EDITS
                and Hamming.distance(value, known) >= OCR_SHIFT_MIN_POSITIONS
            ):
                return known
        return None

    OCR_ROLE_REASON = (
        "на скане БИН другой стороны договора прочитан под этой ролью — вероятно, подпись поля не распознана"
    )
    OCR_DIGIT_REASON = "расхождение может быть ошибкой распознавания скана (цифра потеряна или прочитана неверно)"

    def low_confidence_reason(self, ev: ExtractedValue | None) -> str:
        if ev is None or ev.value is None:
            return "значение не прочитано"
        return f"значение «{ev.raw or ev.value}» прочитано неуверенно ({ev.confidence:.2f})"


def doc_date(doc: DocumentExtraction) -> dt.date | None:
    return as_date(doc.date)
