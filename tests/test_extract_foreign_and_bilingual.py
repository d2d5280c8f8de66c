"""A SWIFT MT103 copy is read by its tagged fields, whatever the page around it looks like; bilingual labels are
one label; amounts in Indian grouping and words with an "NN/100" fraction. The documents are written here, in
wordings and layouts of their own."""

from __future__ import annotations

from extractors import extract_document
from extractors.amount_words import words_to_number
from extractors.synthetic import layout_document, lines_document
from extractors.translation import content_features
from extractors.values import find_amounts
from models.domain import DocumentExtraction, TextSource


def party(doc: DocumentExtraction, role: str) -> tuple[str | None, str | None]:
    p = next((p for p in doc.parties if p.role == role), None)
    if p is None:
        return None, None
    return (p.name.value if p.name else None), (p.bin.value if p.bin else None)


MESSAGE = [
    "{1:F01HSBKKZKXAXXX0000000000}{2:I103DEUTDEFFXXXXN}{4:",
    ":20:TR-55/0917",
    ":23B:CRED",
    ":32A:240315EUR12500,50",
    ":50K:/KZ86125KZT5004100100",
    "STEPNOGORSK METALL LLP",
    "BIN 050140000656",
    "12 ABAI AVE, STEPNOGORSK",
    ":59:/DE89370400440532013000",
    "RHEINTAL MESSTECHNIK GMBH",
    "INDUSTRIESTR. 5, KOELN",
    ":70:INVOICE 2024-118 CONTRACT 7/2023",
    ":71A:SHA",
    "-}",
]


def test_mt103_copy_gives_amount_currency_parties_reference_and_value_date() -> None:
    doc = extract_document(lines_document("swift.pdf", ["Выписка по исходящему переводу", "MT103", *MESSAGE]))
    assert doc.doc_type == "payment_order"
    assert doc.amounts is not None and doc.amounts.total is not None and doc.amounts.currency is not None
    assert doc.amounts.total.value == 12500.5
    assert doc.amounts.currency.value == "EUR"
    assert party(doc, "payer") == ("STEPNOGORSK METALL LLP", "050140000656")
    assert party(doc, "beneficiary")[0] == "RHEINTAL MESSTECHNIK GMBH"
    assert doc.number is not None and doc.number.value == "TR-55/0917"
    assert doc.date is not None and str(doc.date.value) == "2024-03-15"


def test_mt103_scan_with_cyrillic_lookalikes_and_one_letter_off_currency() -> None:
    # The Russian OCR model reads Latin capitals as Cyrillic look-alikes and N as M: the message is still read.
    ocr = [line.replace("A", "А").replace("C", "С") for line in MESSAGE]
    ocr[3] = ":32А:240315EUP12500,50"  # "EUP": one letter off EUR only
    doc = extract_document(
        layout_document(
            "scan.jpg", [(50, 40 + 14 * i, t) for i, t in enumerate(["SWIFT MT103 copy", *ocr])],
            source=TextSource.OCR, confidence=0.9,
        )
    )
    assert doc.amounts is not None and doc.amounts.total is not None
    assert doc.amounts.total.value == 12500.5
    assert doc.amounts.currency is not None and doc.amounts.currency.value == "EUR"
    assert doc.amounts.currency.confidence < doc.amounts.total.confidence  # repaired, so believed less


def test_colon_lines_that_are_not_a_message_are_not_read_as_one() -> None:
    doc = extract_document(
        lines_document(
            "p.pdf",
            ["ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 15", "Дата: 01.02.2024", ":20: строк в таблице", "Сумма: 150 000,00 тенге"],
        )
    )
    assert doc.number is not None and doc.number.value == "15"
    assert doc.amounts is not None and doc.amounts.total is not None and doc.amounts.total.value == 150000.0


def test_swift_tags_are_no_evidence_that_two_copies_mirror_each_other() -> None:
    feats = content_features("\n".join(MESSAGE))
    assert not {"23B", "32A", "50K", "71A"} & set(feats["numbers"])
    assert "TR-55/0917" in feats["numbers"]


def test_a_label_printed_in_two_languages_is_one_label() -> None:
    doc = extract_document(
        layout_document(
            "p.pdf",
            [
                (50, 40, "ТӨЛЕМ ТАПСЫРМАСЫ / ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 77"),
                (50, 60, "Күні / Дата: 03.04.2024"),
                (50, 90, "Ақша жөнелтуші / Отправитель денег"),
                (50, 105, "Атауы / Наименование"),
                (250, 105, "«Ертіс Құрылыс» ЖШС"),
                (50, 120, "ЖСН/БСН / ИИН/БИН"),
                (250, 120, "050140000656"),
                (50, 150, "Бенефициар / Бенефициар"),
                (50, 165, "Атауы / Наименование"),
                (250, 165, "«Дала Сервис» ЖШС"),
                (50, 195, "Сомасы / Сумма"),
                (250, 195, "1 200 000,00 KZT"),
            ],
        )
    )
    assert party(doc, "payer") == ("«Ертіс Құрылыс» ЖШС", "050140000656")
    assert party(doc, "beneficiary")[0] == "«Дала Сервис» ЖШС"
    assert doc.date is not None and str(doc.date.value) == "2024-04-03"


def test_indian_digit_grouping_and_hundredths_in_words() -> None:
    assert [v for _, _, v in find_amounts("TOTAL INR 16,72,000.00")] == [1672000.0]
    assert [v for _, _, v in find_amounts("1,12,34,567.50")] == [11234567.5]
    assert float(words_to_number("One million six hundred and seventy-two thousand and 00/100 rupees") or 0) == 1672000
    assert float(words_to_number("Ten thousand and 50/100 US dollars") or 0) == 10000.5


def test_a_sum_in_tenge_is_a_vat_share_at_kazakhstans_rates_only() -> None:
    # six months' pay and the monthly salary: 4 300 000 is 20/120 of 25 800 000, not a VAT (20 % is no rate of tenge)
    doc = extract_document(
        lines_document(
            "td.pdf",
            [
                "ДОГОВОР № 171 об оказании консультационных услуг",
                "г. Алматы 01.01.2023",
                "ТОО «Нура Текстиль», именуемое «Заказчик», и Иванов И.И., именуемый «Исполнитель»,",
                "1. Вознаграждение Исполнителя — 4 300 000,00 тенге в месяц.",
                "2. Общая сумма договора за 6 мес. составляет 25 800 000,00 тенге.",
            ],
        )
    )
    assert doc.amounts is not None and doc.amounts.vat is not None
    assert doc.amounts.vat.value == 0.0


def test_english_words_closed_by_only_are_the_amount_in_words_and_only_when_they_spell_one() -> None:
    spelt = extract_document(
        lines_document(
            "inv.pdf",
            ["COMMERCIAL INVOICE No. 4/2024", "Date: 12 May 2024", "Seller: Rheintal Messtechnik GmbH",
             "TOTAL EUR 153,900.00", "Say: Euros One Hundred Fifty-Three Thousand Nine Hundred Only"],
        )
    )
    assert spelt.amount_words is not None
    assert float(words_to_number(spelt.amount_words.value) or 0) == 153900
    torn = extract_document(
        lines_document(
            "inv2.pdf",
            ["COMMERCIAL INVOICE No. 5/2024", "Date: 12 May 2024", "Seller: Rheintal Messtechnik GmbH",
             "TOTAL EUR 153,900.00", "(Euros One Hundred Fifty-Three  (Сто пятьдесят три тысячи девятьсот",
             "Thousand Nine Hundred Only). For internal use only."],
        )
    )
    assert torn.amount_words is None


def test_english_defined_terms_name_the_parties() -> None:
    doc = extract_document(
        lines_document(
            "c.pdf",
            [
                "SERVICE AGREEMENT No. 9/2024",
                "Astana 14/02/2024",
                'Aral Tuz JSC, BIN 050140000656, a company registered in the Republic of Kazakhstan, represented by',
                'its Director, acting under the Charter (the "Customer"), and Nordwind Engineering GmbH, a company',
                'incorporated in Germany, represented by its managing director (the "Contractor"), agree as follows:',
            ],
        )
    )
    assert party(doc, "customer") == ("Aral Tuz JSC", "050140000656")
    assert party(doc, "supplier")[0] == "Nordwind Engineering GmbH"


def test_a_dated_column_of_an_annex_on_a_later_page_is_not_the_contracts_date() -> None:
    doc = extract_document(
        layout_document(
            "c.pdf",
            [
                [(50, 40, "SERVICE AGREEMENT No. 9/2024"), (50, 55, "Astana"), (400, 55, "14/02/2024"),
                 (50, 80, 'Aral Tuz JSC (the "Customer") and Nordwind Engineering GmbH (the "Contractor")')],
                [(50, 40, "Annex 1. Schedule of stages"), (50, 60, "No."), (100, 60, "Stage"), (300, 60, "Date"),
                 (50, 75, "1"), (100, 75, "Commissioning"), (300, 75, "20.05.2024")],
            ],
        )
    )
    assert doc.date is not None and str(doc.date.value) == "2024-02-14"


def _two_columns(left: list[str], right: list[str], top: float = 80.0) -> list[tuple[float, float, str]]:
    out = []
    for i, (a, b) in enumerate(zip(left, right)):
        if a:
            out.append((40.0, top + 14 * i, a))
        if b:
            out.append((320.0, top + 14 * i, b))
    return out


def test_two_columns_of_prose_are_read_one_after_the_other() -> None:
    english = [
        "We, the undersigned, Tobol Mining LLP (BIN",
        "050140000656) (the Customer) and Nordwind",
        "Engineering GmbH (the Contractor), have drawn up",
        "this Certificate confirming that the Contractor has",
        "rendered and the Customer has accepted the services.",
    ]
    russian = [
        "Мы, нижеподписавшиеся, ТОО «Тобол Майнинг»",
        "(БИН 050140000656) (Заказчик) и Nordwind",
        "Engineering GmbH (Исполнитель), составили настоящий",
        "Акт о том, что Исполнитель оказал, а Заказчик",
        "принял услуги в полном объёме и в срок и без замечаний.",
    ]
    doc = layout_document(
        "act.pdf", [(40, 40, "ACCEPTANCE CERTIFICATE No. 12"), (320, 40, "АКТ № 12"), *_two_columns(english, russian)]
    )
    from extractors.view import DocView

    lines = [ln.text for ln in DocView(doc).lines]
    assert lines[1:6] == english and lines[6:11] == russian
    names = {p.role: p.name.value if p.name else None for p in extract_document(doc).parties}
    # one whole name from one column, not half of each
    assert names.get("customer") in ("Tobol Mining LLP", "ТОО «Тобол Майнинг»")
    assert names.get("supplier") == "Nordwind Engineering GmbH"


def test_label_value_rows_and_table_rows_are_not_taken_for_columns() -> None:
    from extractors.view import DocView

    form = layout_document(
        "p.pdf",
        [(40, 40 + 14 * i, label) for i, label in enumerate(["Плательщик", "БИН", "Получатель", "БИН", "Сумма"])]
        + [(320, 40 + 14 * i, v) for i, v in enumerate(
            ["ТОО «Тобол Майнинг» г. Костанай ул. Абая 5", "050140000656", "ТОО «Дала Сервис» г. Астана", "041040572672",
             "1 200 000,00 тенге"])],
    )
    assert [ln.text.split("  ")[0] for ln in DocView(form).lines] == ["Плательщик", "БИН", "Получатель", "БИН", "Сумма"]
    table = layout_document(
        "t.pdf",
        [(40, 40 + 14 * i, row) for i, row in enumerate(
            ["1  Обучение персонала по программе Lean  1  услуга  2 000 000,00  2 000 000,00"] * 5)],
    )
    assert len(DocView(table).lines) == 5


def test_a_merged_two_row_header_reads_each_groups_own_total_column() -> None:
    # "Начислено" centred over оклад | премия | итого, "Удержано" over ИПН | ОПВ | итого, "К выдаче" alone
    cols = [200, 270, 340, 410, 480, 550, 620]
    placements = [
        (50, 40, "ВЕДОМОСТЬ НАЧИСЛЕНИЯ ЗАРАБОТНОЙ ПЛАТЫ за март 2024 г."),
        (270, 70, "Начислено"), (480, 70, "Удержано"), (620, 78, "К выдаче"),
        *[(x, 86, w) for x, w in zip(cols[:6], ["оклад", "премия", "итого", "ИПН", "ОПВ", "итого"])],
        (50, 100, "1  Сейтказы Алия"), *[(x, 100, v) for x, v in zip(cols, [
            "300 000,00", "50 000,00", "350 000,00", "30 800,00", "35 000,00", "65 800,00", "284 200,00"])],
        (50, 114, "2  Нуржанов Ерик"), *[(x, 114, v) for x, v in zip(cols, [
            "400 000,00", "0,00", "400 000,00", "36 000,00", "40 000,00", "76 000,00", "324 000,00"])],
        (50, 128, "Итого"), *[(x, 128, v) for x, v in zip(cols, [
            "700 000,00", "50 000,00", "750 000,00", "66 800,00", "75 000,00", "141 800,00", "608 200,00"])],
    ]
    doc = extract_document(layout_document("payroll.pdf", placements))
    assert doc.doc_type == "payroll" and doc.payroll_totals is not None
    t = doc.payroll_totals
    assert (t.accrued and t.accrued.value, t.withheld and t.withheld.value, t.net and t.net.value) == (
        750000.0, 141800.0, 608200.0)


def test_a_numbered_section_heading_heads_the_applicants_block_not_the_operator_addressed() -> None:
    doc = extract_document(
        layout_document(
            "z.pdf",
            [
                (330, 40, "Оператору: АО «Центр развития индустрии»"),
                (150, 80, "ЗАЯВЛЕНИЕ № 12-2024 на возмещение затрат"),
                (350, 95, "Дата: 05.03.2024"),
                (50, 120, "I. Данные о заявителе"),
                (50, 135, "Наименование"), (250, 135, "ТОО «Кызылжар Агро»"),
                (50, 150, "БИН"), (250, 150, "050140000656"),
                (50, 180, "II. Сведения о затратах"),
            ],
        )
    )
    assert doc.doc_type == "application_form"
    assert party(doc, "applicant") == ("ТОО «Кызылжар Агро»", "050140000656")


def test_a_purpose_cell_centred_against_its_label_is_read_whole_with_the_contracts_date() -> None:
    doc = extract_document(
        layout_document(
            "pp.pdf",
            [
                (50, 40, "ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 31"), (50, 55, "Дата: 04.02.2023"),
                (50, 80, "Сумма"), (250, 80, "3 405 600,00 KZT"),
                (250, 100, "Заработная плата за 01.2023, трудовой договор № ТД-171 от"),
                (50, 108, "Назначение платежа"),
                (250, 116, "18.12.2022"),
                (50, 136, "Дата валютирования"), (250, 136, "04.02.2023"),
            ],
        )
    )
    assert doc.payment_purpose is not None
    assert doc.payment_purpose.value == "Заработная плата за 01.2023, трудовой договор № ТД-171 от 18.12.2022"
    assert doc.contract_ref is not None and doc.contract_ref.number is not None and doc.contract_ref.date is not None
    assert (doc.contract_ref.number.value, str(doc.contract_ref.date.value)) == ("ТД-171", "2022-12-18")


def test_a_vat_stated_in_a_purpose_cell_that_its_label_splits_is_read() -> None:
    doc = extract_document(
        layout_document(
            "pp.pdf",
            [
                (50, 40, "ПЛАТЕЖНОЕ ПОРУЧЕНИЕ № 965"), (50, 55, "Дата: 30.10.2023"),
                (50, 80, "Сумма: 5 548 480,00 KZT"),
                (250, 100, "Оплата по договору № 179/23 от 06.06.2023 за обучение, в т.ч. НДС"),
                (50, 108, "Назначение платежа"),
                (250, 116, "12% 600 000,00"),  # as stated, though not 12 % of the base: read, not inferred
            ],
        )
    )
    assert doc.amounts is not None and doc.amounts.vat is not None and doc.amounts.vat.raw == "600 000,00"


def test_a_banks_registration_number_of_the_contract_is_not_the_contract_cited() -> None:
    doc = extract_document(
        lines_document(
            "z.pdf",
            [
                "ЗАЯВЛЕНИЕ НА ПЕРЕВОД № 471", "Дата: 15.09.2025",
                "Назначение платежа: ADVANCE PAYMENT FOR AUTOMATION SERVICES",
                "Учетный номер валютного договора 4/203/2025/7389",
                "Сумма: 3 369 000,00 TRY",
            ],
        )
    )
    cited = doc.contract_ref.number.value if doc.contract_ref and doc.contract_ref.number else None
    assert cited != "4/203/2025/7389"


def test_swift_tags_written_in_brackets_are_no_evidence_of_a_translation_either() -> None:
    feats = content_features("Поле (32A) Дата валютирования; поле (50K) Перевододатель; 59: Бенефициар; № KZ-2024-106")
    assert not {"32A", "50K"} & set(feats["numbers"])


def test_an_amount_due_row_is_the_invoice_total_not_an_item_whose_name_begins_with_total() -> None:
    doc = extract_document(
        lines_document(
            "inv.pdf",
            [
                "INVOICE No. 2024-77", "Date: 12 May 2024", "Seller: Rheintal Messtechnik GmbH",
                "Description  Qty  Unit price  Line total",
                "Kaizen sessions with work teams  4  5,550.00  22,200.00",
                "Total productive maintenance (TPM) launch  1  34,000.00  34,000.00",
                "Net Amount  $56,200.00", "VAT 0%  $0.00", "Amount Due  $56,200.00",
            ],
        )
    )
    assert doc.amounts is not None and doc.amounts.total is not None and doc.amounts.total.value == 56200.0


def test_a_contract_cited_without_a_number_sign_is_read_when_a_date_follows() -> None:
    from extractors.references import find_contract_refs

    def refs(text: str) -> list[tuple[str | None, str | None]]:
        return [(r.number, r.date.isoformat() if r.date else None) for r in find_contract_refs(text)]

    assert refs("CONTRACT KZ-2024-106 DATED 27.02.2024 ADVANCE PAYMENT") == [("KZ-2024-106", "2024-02-27")]
    assert refs("/RFB/CONTRACT NO KZ-2024-027 OF 2024-11-28") == [("KZ-2024-027", "2024-11-28")]
    assert refs("PAYMENT UNDER CONTRACT 84/2023-EXP DD 02.10.2023") == [("84/2023-EXP", "2023-10-02")]
    # a bare word or a date after the keyword is no number
    assert refs("по договору поставки от 01.02.2023") == []
    assert refs("шарт 01.02.2023 бойынша") == []
