"""Candidates + scoring: every typed value is a candidate with its neighbourhood; the learned scorer fills what the
label readers leave empty on a layout they do not know, and never overrides what they read."""

from __future__ import annotations

from extractors import extract_document
from extractors.candidates import all_candidates, neighbourhood
from extractors.field_scoring import field_feature_names, fill_policy, load_field_model
from extractors.synthetic import layout_document
from extractors.view import DocView


def _esf_printout() -> object:
    # An e-invoice print-out whose number stands beside a label no reader knows ("номер учетной системы").
    return layout_document("esf.pdf", [
        (50, 40, "ЭЛЕКТРОННЫЙ СЧЕТ-ФАКТУРА"),
        (50, 60, "Регистрационный номер ЭСФ"), (300, 60, "ESF-120740795555-20220325-1658"),
        (50, 75, "A. Общий раздел: номер учетной системы"), (300, 75, "071658"),
        (50, 90, "Дата выписки"), (300, 90, "25.03.2022"),
        (50, 105, "B. Поставщик"), (300, 105, "ТОО «ИнтелСенсор»"),
        (50, 120, "C. Получатель"), (300, 120, "АО «Костанай Агромаш»"),
        (50, 135, "Всего по счету"), (300, 135, "16 335 200,00"),
    ])


def test_the_shipped_model_is_trained_on_the_current_feature_space() -> None:
    model = load_field_model()
    assert model is not None, "extractors/models/fields.json is missing: python -m learn.fields train …"
    assert model.features == field_feature_names()
    assert set(model.fields) >= {"number", "date", "ref_number", "ref_date", "total", "vat", "net"}


def test_every_typed_value_is_a_candidate_with_its_neighbourhood() -> None:
    view = DocView(_esf_printout())  # type: ignore[arg-type]
    cands = all_candidates(view)
    assert "071658" in {c.value for c in cands["number"]}
    assert 16_335_200.0 in {c.value for c in cands["amount"]}
    number = next(c for c in cands["number"] if c.value == "071658")
    assert "номер учетной системы" in neighbourhood(view, number).cell_before.lower()


def test_the_scorer_fills_a_number_the_readers_miss() -> None:
    doc = _esf_printout()
    assert extract_document(doc, use_field_model=False).number is None  # type: ignore[arg-type]
    filled = extract_document(doc).number  # type: ignore[arg-type]
    assert filled is not None and filled.value == "071658"
    assert filled.provenance is not None and filled.provenance.bbox is not None


def test_what_the_readers_found_is_never_overridden() -> None:
    sources = fill_policy({"number": "12", "date": None, "total": 5.0, "vat": None, "net": None}, {})
    assert sources["number"] == "readers" and sources["date"] == "scorer"
    assert {sources["total"], sources["vat"], sources["net"]} == {"readers"}  # the money is read as one
    assert fill_policy({"total": None, "net": None}, {})["total"] == "scorer"
