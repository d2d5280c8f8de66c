"""Dossier-level completion: a BIN a document does not print is taken from its siblings, marked inferred."""

from __future__ import annotations

from extractors import fill_missing_bins
from models.domain import DocType, DocumentExtraction, ExtractedValue, Party

VALID = "111040086517"
INVALID = "111040086518"


def _doc(file: str, doc_type: DocType, name: str, bin_: str | None) -> DocumentExtraction:
    return DocumentExtraction(
        file=file,
        doc_type=doc_type,
        parties=[Party(role="customer", name=ExtractedValue(value=name), bin=ExtractedValue(value=bin_) if bin_ else None)],
    )


def test_missing_bin_is_copied_from_a_sibling_with_the_same_name() -> None:
    contract = _doc("d.pdf", DocType.CONTRACT, "ТОО «Альфа Сервис»", VALID)
    report = _doc("o.pdf", DocType.WORK_REPORT, "ТОО «Альфа  Сервис»", None)
    other = _doc("x.pdf", DocType.WORK_REPORT, "ТОО «Другая»", None)
    fill_missing_bins([contract, report, other])
    filled = report.parties[0].bin
    assert filled is not None and filled.value == VALID
    assert filled.confidence < 1.0 and filled.raw is None and filled.provenance is None
    assert other.parties[0].bin is None


def test_an_invalid_bin_is_never_spread() -> None:
    act = _doc("a.pdf", DocType.ACT_OF_WORK, "ТОО «Альфа Сервис»", INVALID)
    report = _doc("o.pdf", DocType.WORK_REPORT, "ТОО «Альфа Сервис»", None)
    fill_missing_bins([act, report])
    assert report.parties[0].bin is None
