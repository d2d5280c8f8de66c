"""Translations found by what they say, wherever the translator's certificate stands, and what follows in the checks.

A foreign supplier's dossier rendered here as text PDFs (fpdf2, DejaVu): an English contract and invoice, their
translations with the certificate at the start, at the end, on a page of its own, under a notary's block, into
Kazakh, or with none at all; a local supplier's Russian act and invoice of one deal, and a Kazakh act beside a
Russian invoice, which share numbers, dates and amounts but translate nothing. The whole pipeline runs:
``process_document`` for each file, ``check_documents`` for the dossier.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from docproc.document_outcome import DocumentOutcome
from docproc.pipeline import check_documents, process_document
from docproc.report import render_dossier
from foundation.settings import Settings
from ingest.dossier import ingest_bytes
from models.domain import Application, DocType, DossierResult
from tests.test_service_support import APPLICANT_BIN, SUPPLIER_BIN, render_pdf

APPLICANT = "ТОО «Костанай Агромаш»"

CONTRACT_EN = [
    "SERVICE AGREEMENT No. EXP-2417",
    "Almaty, 14 March 2024",
    ("Lean Excellence Consulting Ltd, registered in England and Wales under Company No. 07654321, hereinafter "
    "the Contractor, represented by its Managing Director David Harper, and Kostanay Agromash LLP, "
    f"BIN {APPLICANT_BIN}, hereinafter the Customer, have concluded this Agreement as follows."),
    "1. SUBJECT. The Contractor shall supervise the commissioning of the bottling line at the Customer's plant.",
    ("2. PRICE. The total price of this Agreement is USD 48,500.00 (forty-eight thousand five hundred US dollars "
    "00 cents), exclusive of taxes payable in the Republic of Kazakhstan."),
    "3. TERMS. The works shall be performed from 01.04.2024 to 30.06.2024.",
    "4. ACCEPTANCE. Completion shall be confirmed by an Acceptance Certificate signed by both Parties.",
    "5. BANK DETAILS. Contractor: Barclays Bank PLC, SWIFT BARCGB22, IBAN GB90MIDL45828024149155.",
    "Customer: _______________ / Akhmetov T.M. /        Contractor: _______________ / David Harper /",
]

CONTRACT_RU = [
    "ДОГОВОР № EXP-2417 на оказание услуг",
    "г. Алматы                                                        14.03.2024",
    ("Лин Экселленс Консалтинг Лтд (Lean Excellence Consulting Ltd), зарегистрированная в Англии и Уэльсе под "
    "№ 07654321, именуемая в дальнейшем «Исполнитель», в лице управляющего директора Дэвида Харпера, и "
    f"{APPLICANT}, БИН {APPLICANT_BIN}, именуемое в дальнейшем «Заказчик», заключили настоящий Договор."),
    "1. ПРЕДМЕТ. Исполнитель осуществляет шеф-надзор за пусконаладкой линии розлива на заводе Заказчика.",
    ("2. ЦЕНА. Общая стоимость Договора составляет 48 500,00 (сорок восемь тысяч пятьсот) долларов США 00 центов "
    "без учета налогов, уплачиваемых в Республике Казахстан."),
    "3. СРОКИ. Работы выполняются с 01.04.2024 по 30.06.2024.",
    "4. ПРИЕМКА. Завершение работ подтверждается актом приемки, подписанным Сторонами.",
    "5. РЕКВИЗИТЫ. Исполнитель: Barclays Bank PLC, SWIFT BARCGB22, IBAN GB90MIDL45828024149155.",
    "Заказчик: _______________ / Ахметов Т.М. /        Исполнитель: _______________ / Дэвид Харпер /",
]

CONTRACT_KK = [
    "№ EXP-2417 ҚЫЗМЕТ КӨРСЕТУ ШАРТЫ",
    "Алматы қ.                                                        14.03.2024",
    ("Лин Экселленс Консалтинг Лтд (Lean Excellence Consulting Ltd), бұдан әрі «Орындаушы» деп аталатын, "
    f"басқарушы директор Дэвид Харпер атынан, және «Костанай Агромаш» ЖШС, БСН {APPLICANT_BIN}, бұдан әрі "
    "«Тапсырыс беруші» деп аталатын, төмендегілер туралы осы Шартты жасасты."),
    ("1. ШАРТТЫҢ МӘНІ. Орындаушы Тапсырыс берушінің зауытындағы құю желісін іске қосу-баптау жұмыстарын "
    "қадағалайды."),
    "2. БАҒАСЫ. Шарттың жалпы сомасы 48 500,00 (қырық сегіз мың бес жүз) АҚШ доллары 00 цент.",
    "3. МЕРЗІМДЕРІ. Жұмыстар 01.04.2024 бастап 30.06.2024 дейін орындалады.",
    "4. ДЕРЕКТЕМЕЛЕР. Орындаушы: Barclays Bank PLC, БСК BARCGB22, ЖСК GB90MIDL45828024149155.",
    "Тапсырыс беруші: _______________ / Ахметов Т.М. /        Орындаушы: _______________ / Дэвид Харпер /",
]

INVOICE_EN = [
    "INVOICE No. LEC-2024-031",
    "Date: 28 June 2024",
    "Seller: Lean Excellence Consulting Ltd, Manchester, United Kingdom, Company No. 07654321",
    f"Bill to: Kostanay Agromash LLP, BIN {APPLICANT_BIN}",
    "Under Service Agreement No. EXP-2417 of 14.03.2024",
    "1  Supervision of commissioning of the bottling line      1      48,500.00      48,500.00",
    "TOTAL DUE USD 48,500.00",
    "Bank: Barclays Bank PLC, SWIFT BARCGB22, IBAN GB90MIDL45828024149155",
]

INVOICE_RU = [
    "СЧЕТ-ФАКТУРА № LEC-2024-031 от 28.06.2024",
    "Поставщик: Лин Экселленс Консалтинг Лтд (Lean Excellence Consulting Ltd), Манчестер, Великобритания",
    f"Получатель: {APPLICANT}, БИН {APPLICANT_BIN}",
    "Договор (контракт): № EXP-2417 от 14.03.2024",
    "1  Шеф-надзор за пусконаладкой линии розлива      1      48 500,00      48 500,00",
    "Итого к оплате: 48 500,00 долларов США",
    "Банк: Barclays Bank PLC, SWIFT BARCGB22, IBAN GB90MIDL45828024149155",
]

CERTIFICATE_RU = [
    "Перевод с английского языка на русский язык выполнен переводчиком Ахметовой Айгерим Сериковной.",
    "Переводчик _______________ / Ахметова А.С. /",
]
NOTARY_RU = [
    "г. Алматы, пятого июля две тысячи двадцать четвертого года.",
    ("Я, Касымов Даурен Болатович, нотариус города Алматы, действующий на основании государственной лицензии, "
    "свидетельствую подлинность подписи переводчика Ахметовой Айгерим Сериковны, сделанной в моем присутствии. "
    "Личность переводчика установлена. Зарегистрировано в реестре за № 3408."),
    "Нотариус _______________ / Касымов Д.Б. /",
]
CERTIFICATE_KK = [
    "Аударманы ағылшын тілінен қазақ тіліне аудармашы Ахметова Айгерим Серікқызы орындады.",
    "Аудармашы _______________ / Ахметова А.С. /",
]

# A local supplier's documents of one deal: Russian act and invoice, and a Kazakh act of another deal
# beside the Russian invoice citing the same contract — same numbers, dates and amounts, no translation.
LOCAL_ACT_RU = [
    "АКТ выполненных работ (оказанных услуг) № 7",
    "Дата составления: 20.07.2024",
    f"Заказчик: {APPLICANT}, БИН {APPLICANT_BIN}",
    f"Исполнитель: ТОО «Техсервис Наладка», БИН {SUPPLIER_BIN}",
    "Договор: № 15/22 от 01.03.2024",
    "Наладка системы управления линией розлива    2 520 000,00",
    "НДС 12%    302 400,00",
    "Итого: 2 822 400,00 тенге",
]
LOCAL_INVOICE_RU = [
    "СЧЕТ-ФАКТУРА № 7 от 20.07.2024",
    f"Поставщик: ТОО «Техсервис Наладка», БИН {SUPPLIER_BIN}",
    f"Получатель: {APPLICANT}, БИН {APPLICANT_BIN}",
    "Договор (контракт) на поставку товаров (работ, услуг): № 15/22 от 01.03.2024",
    "Стоимость без НДС 2 520 000,00   НДС 12% 302 400,00   Всего 2 822 400,00",
]
LOCAL_ACT_KK = [
    "Орындалған жұмыстар (көрсетілген қызметтер) АКТІСІ № 8",
    "Жасалған күні: 20.07.2024",
    f"Тапсырыс беруші: «Костанай Агромаш» ЖШС, БСН {APPLICANT_BIN}",
    f"Орындаушы: «Техсервис Наладка» ЖШС, БСН {SUPPLIER_BIN}",
    "Шарт: № 15/22, 01.03.2024",
    "Желіні басқару жүйесін баптау    2 520 000,00",
    "ҚҚС 12%    302 400,00",
    "Барлығы: 2 822 400,00 теңге",
]


def _application(files: list[str], rates: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "dossier_id": "translations_1",
        "applicant": {"name": APPLICANT, "bin": APPLICANT_BIN, "address": "г. Костанай"},
        "measure": "technology",
        "measure_name": "Совершенствование технологических процессов",
        "cost_type": "commissioning",
        "cost_name": "Пусконаладочные работы",
        "application_date": "2024-09-17",
        "claimed_eligible_costs_kzt": 2520000.0,
        "claimed_reimbursement_kzt": 1008000.0,
        "prior_revenue_n_kzt": 5230000000.0,
        "currency_rates": rates,
        "files": files,
    }


def run_dossier(
    tmp_path: Path, documents: dict[str, list[list[str]]], rates: list[dict[str, Any]] | None = None
) -> DossierResult:
    settings = Settings(data_dir=tmp_path / "var", stage_cache=False)
    outcomes: list[DocumentOutcome] = []
    for name, pages in documents.items():
        source = ingest_bytes(name, render_pdf(pages), settings.limits)
        outcomes.append(process_document(source, settings))
    application = Application.model_validate(_application(list(documents), rates or []))
    return check_documents(application, outcomes)


def _by_file(result: DossierResult) -> dict[str, Any]:
    return {d.file: d for d in result.documents}


def _codes(result: DossierResult, *codes: str) -> list[tuple[str, str | None]]:
    return [(f.code, f.file or f.doc_type) for f in result.findings if f.code in codes]


# Where the certificate stands in the contract's translation: pages of the PDF.
PLACEMENTS = {
    "start": [[*CERTIFICATE_RU[:1], *CONTRACT_RU, CERTIFICATE_RU[1]]],
    "end": [[*CONTRACT_RU, "/подписи сторон/ /печати/", *CERTIFICATE_RU]],
    "own_page": [CONTRACT_RU, CERTIFICATE_RU],
    "under_notary": [CONTRACT_RU, [*CERTIFICATE_RU, *NOTARY_RU]],
    "none": [CONTRACT_RU],
}


@pytest.mark.parametrize("placement", list(PLACEMENTS))
def test_a_translation_is_paired_wherever_its_certificate_stands(tmp_path: Path, placement: str) -> None:
    result = run_dossier(
        tmp_path,
        {
            "scan_0003.pdf": [CONTRACT_EN],
            "dogovor.pdf": PLACEMENTS[placement],  # the translation, named like an original
            "file_21.pdf": [INVOICE_EN],
            "Документ11.pdf": [INVOICE_RU[:4], [*INVOICE_RU[4:], *CERTIFICATE_RU]],
        },
    )
    docs = _by_file(result)
    assert (docs["dogovor.pdf"].doc_type, docs["dogovor.pdf"].translation_of) == (DocType.TRANSLATION, "scan_0003.pdf")
    assert docs["dogovor.pdf"].translated_doc_type == DocType.CONTRACT and docs["dogovor.pdf"].language == "ru"
    assert docs["Документ11.pdf"].translation_of == "file_21.pdf"
    assert (docs["scan_0003.pdf"].doc_type, docs["scan_0003.pdf"].language) == (DocType.CONTRACT, "en")
    assert (docs["file_21.pdf"].doc_type, docs["file_21.pdf"].language) == (DocType.INVOICE, "en")
    # The corpus convention: a translation records its type, language and original, not its original's fields.
    assert docs["dogovor.pdf"].number is None and docs["dogovor.pdf"].amounts is None
    # What follows in the checks: no duplicate of its original, the originals are translated, the invoice
    # total is counted once (so the invoices still sum to the contract's price).
    assert _codes(result, "DUPLICATE_DOCUMENT", "MISSING_TRANSLATION", "AMOUNT_MISMATCH") == []


def test_a_kazakh_translation_with_a_kazakh_certificate(tmp_path: Path) -> None:
    result = run_dossier(
        tmp_path,
        {"contract_exp-2417.pdf": [CONTRACT_EN], "perevod_contract.pdf": [[*CONTRACT_KK, *CERTIFICATE_KK]]},
    )
    docs = _by_file(result)
    translation = docs["perevod_contract.pdf"]
    assert (translation.doc_type, translation.language) == (DocType.TRANSLATION, "kk")
    assert translation.translation_of == "contract_exp-2417.pdf"
    assert _codes(result, "DUPLICATE_DOCUMENT", "MISSING_TRANSLATION") == []


def test_documents_of_one_deal_are_not_translations_of_each_other(tmp_path: Path) -> None:
    # Beside a certified translation, the local supplier's Russian act and invoice (same language) and a Kazakh
    # act beside the Russian invoice (another type) share the deal's numbers, dates and amounts: no pair.
    result = run_dossier(
        tmp_path,
        {
            "scan_0003.pdf": [CONTRACT_EN],
            "perevod.pdf": [CONTRACT_RU, CERTIFICATE_RU],
            "akt_7.pdf": [LOCAL_ACT_RU],
            "sf_7.pdf": [LOCAL_INVOICE_RU],
            "akt_8_kk.pdf": [LOCAL_ACT_KK],
        },
    )
    docs = _by_file(result)
    assert docs["perevod.pdf"].translation_of == "scan_0003.pdf"
    assert [(docs[f].doc_type, docs[f].translation_of) for f in ("akt_7.pdf", "sf_7.pdf", "akt_8_kk.pdf")] == [
        (DocType.ACT_OF_WORK, None),
        (DocType.INVOICE, None),
        (DocType.ACT_OF_WORK, None),
    ]
    assert docs["akt_8_kk.pdf"].language == "kk" and docs["sf_7.pdf"].number is not None


def test_the_report_names_the_original_of_each_translation(tmp_path: Path) -> None:
    result = run_dossier(
        tmp_path, {"scan_0003.pdf": [CONTRACT_EN], "dogovor.pdf": [CONTRACT_RU, CERTIFICATE_RU]}
    )
    assert _by_file(result)["dogovor.pdf"].translation_of == "scan_0003.pdf"
    console = Console(record=True, width=240)
    render_dossier(result, console)
    assert "Перевод документа scan_0003.pdf" in console.export_text()
    # The full JSON carries the pair too.
    as_json = result.model_dump(mode="json")
    pair = next(d for d in as_json["documents"] if d["file"] == "dogovor.pdf")
    assert (pair["doc_type"], pair["translation_of"]) == ("translation", "scan_0003.pdf")


PAYMENT_EN = [
    "PAYMENT ORDER No. 56",
    "Date: 02.04.2024",
    f"Ordering customer: Kostanay Agromash LLP, BIN {APPLICANT_BIN}, IBAN KZ818563260060105101",
    "Beneficiary: Lean Excellence Consulting Ltd, IBAN GB90MIDL45828024149155, SWIFT BARCGB22",
    "Amount: USD 24,250.00",
    "Details of payment: 50% advance under Service Agreement No. EXP-2417 of 14.03.2024",
]
PAYMENT_RU = [
    "ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 56",
    "Дата: 02.04.2024",
    f"Отправитель: {APPLICANT}, БИН {APPLICANT_BIN}, ИИК KZ818563260060105101",
    "Бенефициар: Lean Excellence Consulting Ltd, IBAN GB90MIDL45828024149155, SWIFT BARCGB22",
    "Сумма: 24 250,00 долларов США",
    "Назначение платежа: аванс 50% по договору № EXP-2417 от 14.03.2024",
]


def test_a_translated_payment_is_paid_once(tmp_path: Path) -> None:
    result = run_dossier(
        tmp_path,
        {
            "scan_0003.pdf": [CONTRACT_EN],
            "perevod_dogovora.pdf": [CONTRACT_RU, CERTIFICATE_RU],
            "swift_56.pdf": [PAYMENT_EN],
            "pp_56.pdf": [[*PAYMENT_RU, *CERTIFICATE_RU]],
        },
        rates=[{"file": "swift_56.pdf", "date": "2024-04-02", "currency": "USD", "rate_kzt": 450.0}],
    )
    docs = _by_file(result)
    assert (docs["pp_56.pdf"].doc_type, docs["pp_56.pdf"].translation_of) == (DocType.TRANSLATION, "swift_56.pdf")
    assert docs["swift_56.pdf"].doc_type == DocType.PAYMENT_ORDER
    assert result.computed is not None
    assert result.computed.claimed_costs_kzt == pytest.approx(24250.0 * 450.0)
    assert _codes(result, "DUPLICATE_DOCUMENT", "MISSING_TRANSLATION") == []
