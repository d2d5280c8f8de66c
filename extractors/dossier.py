"""Dossier-level completion of what one document does not print but its siblings do.

``fill_missing_bins``: a party whose BIN is not printed on a document (work reports and strategies
often carry it only inside the seal) gets the BIN that other documents of the same dossier print
for the same name. The value is marked as inferred: confidence ``INFERRED_CONFIDENCE``, no raw
text, no provenance; only check-digit-valid BINs are copied, so a defect on one document never
spreads to another. The pipeline calls it after translations are paired: the BIN of a party named on
a work report is usually printed only in its seal, which OCR cannot read through the signature; the
reviewer sees the value as inferred (no place on the page, confidence below the threshold at which a
value may raise a finding, so an inferred BIN never accuses anyone).

``reconcile_contract_numbers``: a contract number that OCR misread on a scan takes the form a
text-layer document of the dossier prints, when the two differ only by look-alike characters; a
scanned contract whose number OCR lost altogether takes the number its dossier cites for it, and
a contract's date that at least two documents contradict (citing its number with one other date) is
replaced by the cited date: as read when the contract prints it, as inferred on a scan that does not.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping

from extractors.dates import find_dates
from extractors.identifiers import is_valid_bin
from extractors.names import core_name, normalise_for_compare
from models.domain import DocType, DocumentExtraction, DocumentText, ExtractedValue

# Below validators' min_confidence_for_finding (0.5): an inferred value informs, it never accuses.
INFERRED_CONFIDENCE = 0.45
# Documents whose parties' BINs are most authoritative come first.
_AUTHORITY = {DocType.CONTRACT: 0, DocType.APPLICATION_FORM: 1, DocType.INVOICE: 2, DocType.PAYMENT_ORDER: 3}


def fill_missing_bins(docs: list[DocumentExtraction]) -> None:
    votes: dict[str, Counter[str]] = {}
    rank: dict[tuple[str, str], int] = {}
    for doc in docs:
        for p in doc.parties:
            if p.name is None or p.bin is None or not is_valid_bin(str(p.bin.value)):
                continue
            key = normalise_for_compare(str(p.name.value))
            value = str(p.bin.value)
            votes.setdefault(key, Counter())[value] += 1
            r = _AUTHORITY.get(doc.doc_type, 9)
            rank[(key, value)] = min(rank.get((key, value), 9), r)
    for doc in docs:
        if doc.doc_type == DocType.TRANSLATION:
            continue
        for p in doc.parties:
            if p.bin is not None or p.name is None:
                continue
            key = normalise_for_compare(str(p.name.value))
            if key not in votes:
                continue
            # The most authoritative document's value, then the most frequent one.
            value = min(votes[key], key=lambda v: (rank[(key, v)], -votes[key][v]))
            p.bin = ExtractedValue(value=value, raw=None, confidence=INFERRED_CONFIDENCE, provenance=None)


# --------------------------------------------------------------------------- contract numbers across documents

# Formats whose text came from OCR (``DocumentExtraction.file_format``).
OCR_FILE_FORMATS = frozenset({"pdf_scan", "image_jpg", "image_png", "image_tiff"})
# A reading replaced by its sibling's printed form is a repair: believed a little less.
RECONCILED_FACTOR = 0.9
# A scanned contract whose number OCR lost is given the number the other documents cite for it only
# when at least this many of them cite that number with the contract's own date (and no other number
# with that date): one citation could itself be the defect a reviewer is looking for.
MIN_CITATIONS = 2
# A contract date taken from the citations and found printed in the contract's own text: a reading of the
# document, by a fallback (the date reader chose another), below a direct reading.
CORROBORATED_DATE_CONFIDENCE = 0.85
# Characters OCR takes for one another in document numbers: Cyrillic letters that look Latin, and
# letters that look like digits. Two numbers that differ only where a letter stands on one side are
# the same printed number; digit-for-digit differences ("2023" / "2024") never are.
_CYRILLIC_AS_LATIN = dict(zip("АВЕКМНОРСТУХІ", "ABEKMHOPCTYXI", strict=True))
_DIGIT_LOOKALIKES = {
    "0": "OD", "1": "IL|", "2": "Z", "3": "З", "4": "AЧ", "5": "S", "6": "GБ", "7": "TZ", "8": "B", "9": "G",
}


def _latin(char: str) -> str:
    upper = char.upper()
    return _CYRILLIC_AS_LATIN.get(upper, upper)


def _confusable(x: str, y: str) -> bool:
    a, b = _latin(x), _latin(y)
    if a == b:
        return True
    if a.isdigit() == b.isdigit():
        return False  # two different digits, or two letters that do not look alike
    digit, letter = (a, b) if a.isdigit() else (b, a)
    return letter in _DIGIT_LOOKALIKES[digit]


def same_printed_number(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` can be one printed number read differently by OCR."""
    if len(a) != len(b) or a == b:
        return a == b
    return all(x == y or _confusable(x, y) for x, y in zip(a, b, strict=True))


def _number_readings(docs: list[DocumentExtraction]) -> list[tuple[DocumentExtraction, ExtractedValue]]:
    """Every contract number in the dossier: contracts' own numbers and other documents' references."""
    out: list[tuple[DocumentExtraction, ExtractedValue]] = []
    for doc in docs:
        if doc.doc_type == DocType.CONTRACT and doc.number is not None:
            out.append((doc, doc.number))
        if doc.contract_ref is not None and doc.contract_ref.number is not None:
            out.append((doc, doc.contract_ref.number))
    return out


def reconcile_contract_numbers(
    docs: list[DocumentExtraction], texts: Mapping[str, DocumentText | None] | None = None
) -> None:
    """A contract number OCR misread ("К2-2023-052" for "KZ-2023-052", "79-TO" for "79-ТО") takes the
    form that a text-layer document of the same dossier prints, when the two can only be one number.

    Only OCR readings are changed, and only towards a value printed in a text layer (read exactly);
    the raw text stays as OCR read it.
    """
    readings = _number_readings(docs)
    exact = Counter(
        str(value.value) for doc, value in readings if doc.file_format not in OCR_FILE_FORMATS and value.value
    )
    for doc, value in readings:
        if doc.file_format not in OCR_FILE_FORMATS or not value.value or str(value.value) in exact:
            continue
        matches = [printed for printed in exact if same_printed_number(str(value.value), printed)]
        if len(matches) != 1:
            continue  # none, or ambiguous between two printed numbers
        value.value = matches[0]
        value.confidence = round(value.confidence * RECONCILED_FACTOR, 3)
    _cite_lost_contract_numbers(docs)
    _doubt_contradicted_contract_dates(docs, texts)


def _citations(
    docs: list[DocumentExtraction], contract: DocumentExtraction
) -> list[tuple[DocumentExtraction, str, str]]:
    """(document, number, ISO date) of every other document's reference to a contract by both number and date."""
    out = []
    for doc in docs:
        ref = doc.contract_ref
        if doc is contract or ref is None or ref.number is None or ref.date is None:
            continue
        if ref.number.value and ref.date.value:
            out.append((doc, str(ref.number.value), str(ref.date.value)))
    return out


def _cite_lost_contract_numbers(docs: list[DocumentExtraction]) -> None:
    """A scanned contract whose number OCR did not read at all takes the number that the dossier's
    payment orders, acts and invoices cite together with the contract's date (marked inferred: no raw
    text, no place on the page, confidence ``INFERRED_CONFIDENCE``). A reference to the same number
    with another date can then be reported, instead of every reference being unverifiable."""
    contracts = [d for d in docs if d.doc_type == DocType.CONTRACT]
    dated = Counter(str(d.date.value) for d in contracts if d.date is not None and d.date.value)
    for contract in contracts:
        if contract.number is not None or contract.file_format not in OCR_FILE_FORMATS:
            continue
        if contract.date is None or not contract.date.value or dated[str(contract.date.value)] > 1:
            continue  # no date to match the citations by, or two contracts of one day
        cited = Counter(number for _, number, day in _citations(docs, contract) if day == str(contract.date.value))
        if len(cited) != 1:
            continue  # never cited with this date, or cited under two numbers
        number, count = cited.most_common(1)[0]
        if count >= MIN_CITATIONS:
            contract.number = ExtractedValue(value=number, raw=None, confidence=INFERRED_CONFIDENCE, provenance=None)


def _doubt_contradicted_contract_dates(
    docs: list[DocumentExtraction], texts: Mapping[str, DocumentText | None] | None = None
) -> None:
    """A contract's date that the dossier contradicts is not believed: when at least ``MIN_CITATIONS`` documents cite
    the contract's own number with one other date, and none cites it with the date read, the reader took the wrong
    date (a signature or appendix date, a misread digit) — or the applicant's documents all cite a wrong one.

    * The cited date printed in the contract itself (``texts``) settles it, on a text layer or a scan: the contract
      carries the cited date as read from its own text (``CORROBORATED_DATE_CONFIDENCE``), and a citation of a third
      date is still reported.
    * Otherwise only a scan's date is doubted: it carries the cited date marked inferred (no raw text, no place,
      ``INFERRED_CONFIDENCE``), so the date checks against it are unverifiable instead of accusing on a misreading.
      A text layer's date stays as printed.

    One citation is not enough (it could be the defect itself)."""
    for contract in (d for d in docs if d.doc_type == DocType.CONTRACT):
        if contract.number is None or not contract.number.value or contract.date is None or not contract.date.value:
            continue
        number, read = str(contract.number.value), str(contract.date.value)
        cited = Counter(
            day for doc, cited_number, day in _citations(docs, contract) if doc.translation_of is None and cited_number == number
        )
        if read in cited or not cited:
            continue  # the date read is cited, or nobody cites the contract with a date
        top, count = cited.most_common(1)[0]
        if count < MIN_CITATIONS or list(cited.values()).count(count) > 1:
            continue  # too few citations, or two dates cited equally often
        day = dt.date.fromisoformat(top)
        text = texts.get(contract.file) if texts is not None else None
        if text is not None and _prints_date(text, day):
            confidence = CORROBORATED_DATE_CONFIDENCE
        elif contract.file_format in OCR_FILE_FORMATS:
            confidence = INFERRED_CONFIDENCE
        else:
            continue
        contract.date = ExtractedValue(value=day, raw=None, confidence=confidence, provenance=None)


def _prints_date(text: DocumentText, day: dt.date) -> bool:
    return any(match.value == day for match in find_dates(text.text))


# --------------------------------------------------------------------------- party names across documents

# Kazakh letters OCR reads as their Russian look-alikes; then Cyrillic letters it takes for Latin ones (and back),
# and Latin letters whose diacritics it loses. Two passes: a Kazakh letter folds to Russian, then on to Latin.
_KAZAKH_AS_RUSSIAN = str.maketrans(
    {"ё": "е", "қ": "к", "ғ": "г", "ү": "у", "ұ": "у", "ө": "о", "ә": "а", "і": "и", "ң": "н", "һ": "х"}
)
_LOOKALIKES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
        "у": "y", "х": "x", "и": "i", "ı": "i", "ş": "s", "ğ": "g", "ü": "u", "ö": "o", "ç": "c", "ä": "a",
        "0": "o", "2": "z",
    }
)
# An OCR reading of a party's name and a name a text layer of the dossier prints are one printed name from this
# similarity of their folded forms up (rapidfuzz ratio). The same organisation is printed differently on different
# documents («ТОО «Қазақ Жүн»», «Қазақ Жүн» ЖШС): those forms fold apart, and each document keeps its own.
SAME_NAME_MIN_RATIO = 85


def fold_name(name: str) -> str:
    """A name as OCR might read it in any of the scripts: lower case, Kazakh and Latin look-alikes merged."""
    return " ".join(normalise_for_compare(name).translate(_KAZAKH_AS_RUSSIAN).translate(_LOOKALIKES).split())


def _legal_form(name: str) -> tuple[str, ...]:
    """The legal-form words of a name, folded, in order («ТОО», «ЖШС», «AO», «LLP»…): where the form stands and
    which one it is is what differs between documents that print the same organisation."""
    core = set(fold_name(core_name(name)).split())
    return tuple(t for t in fold_name(name).split() if t not in core)


def reconcile_party_names(docs: list[DocumentExtraction]) -> None:
    """A party's name that OCR misread («казак жун» for «Қазақ Жүн», «каігеп к2» for «Kaizen KZ») takes the form a
    text-layer document of the dossier prints, when the two fold to nearly the same letters. Only OCR readings
    change, only towards a name printed in a text layer; the raw text and the place stay as OCR read them.
    """
    from rapidfuzz import fuzz

    printed = {
        str(p.name.value)
        for doc in docs
        if doc.file_format not in OCR_FILE_FORMATS and doc.doc_type not in (DocType.TRANSLATION, DocType.UNKNOWN)
        for p in doc.parties
        if p.name is not None and p.name.value
    }
    folded = [(fold_name(n), n) for n in sorted(printed)]
    if not folded:
        return
    for doc in docs:
        if doc.file_format not in OCR_FILE_FORMATS or doc.doc_type == DocType.TRANSLATION:
            continue
        for p in doc.parties:
            if p.name is None or not p.name.value or str(p.name.value) in printed:
                continue
            reading = fold_name(str(p.name.value))
            ratio, target = max(((fuzz.ratio(reading, f), n) for f, n in folded), key=lambda s: s[0])
            if ratio >= SAME_NAME_MIN_RATIO and _legal_form(str(p.name.value)) == _legal_form(target):
                p.name.value = target
                p.name.confidence = round(p.name.confidence * RECONCILED_FACTOR, 3)


# --------------------------------------------------------------------------- currency of documents that print none


def inherit_contract_currency(docs: list[DocumentExtraction]) -> None:
    """A document that prints no currency (an act's table of bare figures) is in the currency of the contract it
    belongs to: the contract its reference names, or the dossier's only contract. Never from a country or a default
    when the contract prints one; the value is marked inferred (no raw text, no place on the page)."""
    contracts = [d for d in docs if d.doc_type == DocType.CONTRACT and _printed_currency(d)]
    if not contracts:
        return
    for doc in docs:
        if doc.doc_type in (DocType.CONTRACT, DocType.TRANSLATION) or doc.amounts is None:
            continue
        if _printed_currency(doc) or (doc.amounts.total is None and doc.amounts.amount_without_vat is None):
            continue
        contract = _contract_of(doc, contracts)
        if contract is None:
            continue
        code = _printed_currency(contract)
        doc.amounts.currency = ExtractedValue(value=code, raw=None, confidence=INFERRED_CONFIDENCE)


def _printed_currency(doc: DocumentExtraction) -> str | None:
    c = doc.amounts.currency if doc.amounts is not None else None
    return str(c.value) if c is not None and c.value and c.raw else None


def _contract_of(doc: DocumentExtraction, contracts: list[DocumentExtraction]) -> DocumentExtraction | None:
    ref = doc.contract_ref.number.value if doc.contract_ref and doc.contract_ref.number else None
    if ref:
        named = [c for c in contracts if c.number is not None and same_printed_number(str(c.number.value), str(ref))]
        if len(named) == 1:
            return named[0]
    return contracts[0] if len(contracts) == 1 else None
