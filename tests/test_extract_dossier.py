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


def test_the_pipeline_infers_a_bin_printed_only_in_a_seal_without_letting_it_accuse() -> None:
    import datetime as dt

    from docproc.document_outcome import DocumentOutcome
    from docproc.pipeline import check_documents
    from models.domain import Applicant, Application
    from models.program_rules import default_rules

    contract = _doc("d.pdf", DocType.CONTRACT, "ТОО «Альфа Сервис»", VALID)
    report = _doc("o.pdf", DocType.WORK_REPORT, "ТОО «Альфа Сервис»", None)
    application = Application(
        dossier_id="d1", applicant=Applicant(name="ТОО «Альфа Сервис»", bin=VALID), measure="technology",
        cost_type="commissioning", application_date=dt.date(2024, 5, 1), claimed_eligible_costs_kzt=1.0,
        claimed_reimbursement_kzt=0.4, prior_revenue_n_kzt=1.0,
    )
    result = check_documents(application, [DocumentOutcome(contract, None), DocumentOutcome(report, None)])
    filled = next(d for d in result.documents if d.file == "o.pdf").parties[0].bin
    assert filled is not None and filled.value == VALID
    min_confidence = default_rules().nearest(dt.date(2024, 5, 1))[0].checks.min_confidence_for_finding
    assert filled.confidence < min_confidence


def _named(file: str, fmt: str, role: str, name: str) -> DocumentExtraction:
    doc = _doc(file, DocType.ACT_OF_WORK, name, VALID)
    doc.parties[0].role = role
    doc.file_format = fmt
    return doc


def test_an_ocr_misread_name_takes_the_form_a_text_layer_prints() -> None:
    from extractors import reconcile_party_names

    contract = _named("d.pdf", "pdf_text", "customer", "ТОО «Қазақ Жүн»")
    scan = _named("a.jpg", "image_jpg", "customer", "ТОО «Казак Жун»")  # Kazakh letters read as Russian
    latin = _named("p.pdf", "pdf_text", "beneficiary", "ТОО «Центр Kaizen KZ»")
    misread_latin = _named("q.jpg", "image_jpg", "beneficiary", "ТОО «Центр Каігеп К2»")
    reconcile_party_names([contract, scan, latin, misread_latin])
    assert scan.parties[0].name is not None and scan.parties[0].name.value == "ТОО «Қазақ Жүн»"
    assert scan.parties[0].name.confidence < 1.0
    assert misread_latin.parties[0].name is not None
    assert misread_latin.parties[0].name.value == "ТОО «Центр Kaizen KZ»"


def test_a_name_printed_with_another_legal_form_is_not_rewritten() -> None:
    from extractors import reconcile_party_names

    contract = _named("d.pdf", "pdf_text", "customer", "«Караганда Металл Групп» АҚ")
    scan = _named("a.jpg", "image_jpg", "customer", "АО «Караганда Металл Групп»")
    text = _named("b.pdf", "pdf_text", "customer", "ТОО «Казак Жун»")
    reconcile_party_names([contract, scan, text])
    assert scan.parties[0].name is not None and scan.parties[0].name.value == "АО «Караганда Металл Групп»"
    assert text.parties[0].name is not None and text.parties[0].name.value == "ТОО «Казак Жун»"


def test_a_document_printing_no_currency_takes_its_contracts_printed_currency_not_a_countrys() -> None:
    from extractors import inherit_contract_currency
    from models.domain import Amounts, ContractRef

    contract = _doc("c.pdf", DocType.CONTRACT, "Jiangsu Hengda Machinery Co., Ltd.", None)
    contract.number = ExtractedValue(value="482/2023")
    contract.amounts = Amounts(total=ExtractedValue(value=107300.0, raw="107 300,00"),
                               currency=ExtractedValue(value="CNY", raw="CNY"))
    act = _doc("a.pdf", DocType.ACT_OF_WORK, "Jiangsu Hengda Machinery Co., Ltd.", None)
    act.contract_ref = ContractRef(number=ExtractedValue(value="482/2023"))
    act.amounts = Amounts(total=ExtractedValue(value=107300.0, raw="107 300,00"),
                          currency=ExtractedValue(value="KZT", raw=None, confidence=0.5))  # a default, not printed
    printed = _doc("p.pdf", DocType.PAYMENT_ORDER, "x", None)
    printed.amounts = Amounts(total=ExtractedValue(value=1.0, raw="1,00"), currency=ExtractedValue(value="USD", raw="USD"))
    inherit_contract_currency([contract, act, printed])
    assert act.amounts.currency is not None and act.amounts.currency.value == "CNY"
    assert act.amounts.currency.raw is None and act.amounts.currency.confidence < 0.5
    assert printed.amounts.currency is not None and printed.amounts.currency.value == "USD"


def test_a_currency_is_never_guessed_from_the_suppliers_country() -> None:
    from extractors import extract_document
    from extractors.synthetic import lines_document

    act = extract_document(lines_document("akt.pdf", [
        "АКТ ВЫПОЛНЕННЫХ РАБОТ № 5 от 03.01.2024",
        "Исполнитель: Jiangsu Hengda Machinery Co., Ltd., Wuxi, China",
        "Заказчик: ТОО «Жезказган Промсервис»",
        "Итого: 107 300,00",
    ]))
    assert act.amounts is not None and act.amounts.currency is not None
    assert act.amounts.currency.value != "CNY" and act.amounts.currency.raw is None
