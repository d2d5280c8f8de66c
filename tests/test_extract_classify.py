"""Document type and language on short texts written for the test (not corpus layouts)."""

from __future__ import annotations

import pytest

from extractors.classify import classify
from extractors.language import detect_language
from extractors.synthetic import layout_document, lines_document
from extractors.translation import find_certificate
from extractors.view import DocView
from models.domain import DocType, TextSource


def _classify(lines: list[str]) -> DocType:
    return classify(DocView(lines_document("x.pdf", lines))).doc_type


@pytest.mark.parametrize(
    "lines, expected",
    [
        (["Платежное поручение № 15", "Плательщик: ТОО «А»"], DocType.PAYMENT_ORDER),
        (["ТӨЛЕМ ТАПСЫРМАСЫ № 7", "Төлеуші: «А» ЖШС"], DocType.PAYMENT_ORDER),
        (["Счет-фактура № 55 от 02.02.2023", "Договор (контракт): № 1 от 01.01.2023"], DocType.INVOICE),
        (["ШОТ-ФАКТУРА № 55", "Шарт: 01.01.2023 № 1"], DocType.INVOICE),
        (["COMMERCIAL INVOICE No. 5", "Contract No. 7"], DocType.INVOICE),
        (["RECHNUNG Nr. 5", "Vertrag Nr. 7"], DocType.INVOICE),
        (["Акт оказанных услуг № 3", "по договору № 1 от 01.01.2023"], DocType.ACT_OF_WORK),
        (["ОРЫНДАЛҒАН ЖҰМЫСТАР АКТІСІ", "Шарт 01.01.2023 № 1"], DocType.ACT_OF_WORK),
        (["Отчет о выполненных работах", "по договору № 1"], DocType.WORK_REPORT),
        (["КӨРСЕТІЛГЕН ҚЫЗМЕТТЕР ТУРАЛЫ ЕСЕП", "01.01.2023 № 1 шарт бойынша"], DocType.WORK_REPORT),
        (["КОНТРАКТ № 9", "г. Астана 1 марта 2023 г."], DocType.CONTRACT),
        (["ЕҢБЕК ШАРТЫ № 2"], DocType.CONTRACT),
        (["Vertrag über Beratungsleistungen", "Nr. 4"], DocType.CONTRACT),
        (["Платежная ведомость", "за март 2023 г."], DocType.PAYROLL),
        (["Стратегия цифровой трансформации", "на 2023-2025 годы"], DocType.DIGITAL_STRATEGY),
        (["Согласие", "на распространение первичных статистических данных"], DocType.STATISTICS_CONSENT),
        (
            ["Заявка на возмещение затрат № 5", "Перечень документов:", "1. Договор", "2. Платежное поручение",
             "3. Счет-фактура"],
            DocType.APPLICATION_FORM,
        ),
    ],
)
def test_doc_type(lines: list[str], expected: DocType) -> None:
    assert _classify(lines) == expected


def test_a_translation_is_classified_by_what_it_is_about_and_its_certificate_kept() -> None:
    # Whether it is a translation is decided with the dossier; here it is a contract with a certificate.
    doc = lines_document("t.pdf", ["Перевод с английского языка на русский язык", "ДОГОВОР № KZ-1", "г. Алматы"])
    view = DocView(doc)
    assert classify(view).doc_type == DocType.CONTRACT
    cert = find_certificate(view)
    assert cert is not None and cert.source_language == "en" and cert.page == 1


def test_ocr_damaged_title_is_matched_fuzzily() -> None:
    assert _classify(["ПЛАТЕЖНОЕ ПОРУЧЕНИЁ № 12", "Дата: 01.02.2023"]) == DocType.PAYMENT_ORDER
    assert _classify(["ВЫПОЛНЕННЫХ РАБОТАХ № 4", "ОТЧЕТ О", "по договору № 1"]) == DocType.WORK_REPORT


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Настоящий договор заключен между сторонами в городе Алматы о нижеследующем.", "ru"),
        ("Осы шарт тараптар арасында Алматы қаласында жасалды және күшіне енеді.", "kk"),
        ("This Agreement is made by and between the parties for the supply of services.", "en"),
        ("Dieser Vertrag wird zwischen den Parteien für die Lieferung geschlossen.", "de"),
        ("Bu sözleşme taraflar arasında hizmet alımı için imzalanmıştır.", "tr"),
        ("本合同由双方友好协商签订，一式两份。", "zh"),
    ],
)
def test_language(text: str, expected: str) -> None:
    assert detect_language(text).language == expected


def test_kazakh_document_with_russian_addresses_stays_kazakh() -> None:
    text = (
        "ТӨЛЕМ ТАПСЫРМАСЫ № 5\nАқша жіберуші: ТОО «Павлодарский литейный завод»\n"
        "Мекенжайы: Республика Казахстан, г. Актобе, ул. Промышленная зона, уч. 172\n"
        "Төлемнің мақсаты: шарт бойынша төлем"
    )
    assert detect_language(text, title="ТӨЛЕМ ТАПСЫРМАСЫ № 5").language == "kk"


def test_russian_document_quoting_kazakh_bank_stays_russian() -> None:
    text = (
        "ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 5\nОтправитель денег: ТОО «Астана Пласт»\n"
        "Банк отправителя: АО «Қазақстан Халық Банкі»\nБенефициар: ТОО «Өскемен Кабель»\n"
        "Назначение платежа: оплата по договору № 5 от 01.02.2023 за услуги, без НДС"
    )
    assert detect_language(text, title="ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 5").language == "ru"


def test_vocabulary_entries_are_strings() -> None:
    # YAML reads bare "on", "no", "yes" as booleans: every vocabulary entry must stay a string.
    from extractors.vocabulary import vocabulary

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}")
        elif isinstance(node, list):
            for item in node:
                assert isinstance(item, str), f"{path}: {item!r}"

    walk(vocabulary().raw, "vocabulary")


def test_an_ocr_damaged_title_under_an_approval_block_is_matched_fuzzily() -> None:
    # A cover page: the approval block fills the first lines, the title stands lower, in capitals,
    # and OCR read its first letter wrong ("П" for "Ц"). The body below mentions other documents.
    page = [
        (400, 40, "УТВЕРЖДАЮ"),
        (330, 55, "Директор ТОО «Ертіс Қағаз»"),
        (330, 70, "_________ Сейтов Б.К."),
        (330, 85, "«03» апреля 2024 г."),
        (330, 100, "М.П."),
        (330, 115, "Per: 12"),
        (180, 300, "ПИФРОВАЯ СТРАТЕГИЯ"),
        (200, 320, "ТОО «Ертіс Қағаз» на 2024–2026 годы"),
        (220, 600, "г. Павлодар, 2024"),
        (50, 640, "Стратегия учитывает договоры и акты выполненных работ по внедрению MES."),
    ]
    doc = layout_document("strategiya.pdf", page, source=TextSource.OCR, confidence=0.8)
    assert classify(DocView(doc)).doc_type == DocType.DIGITAL_STRATEGY
