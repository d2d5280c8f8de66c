"""XLSX, DOCX and XML (ЭСФ) readers."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from foundation.settings import Settings
from ingest.errors import UnreadableDocument
from models.domain import FileKind, TextSource
from ocr.reader import file_format_of, read_document
from ocr.structured import cell_text, local_name, read_xml
from tests.test_ocr_support import SHARED

ESF_DIR = SHARED / "real" / "esep-esf-xsd"


# --------------------------------------------------------------------------- cells


@pytest.mark.parametrize(
    ("value", "number_format", "expected"),
    [
        (2270000.0, "General", "2270000"),
        (2270000, "# ##0.00", "2270000.00"),
        (1234.5, "#,##0.00", "1234.50"),
        (1234.5, "General", "1234.5"),
        (0.1 + 0.2, "General", "0.30000000000000004"),  # no format: shortest exact repr, no rounding invented
        (0.12, "0%", "12%"),
        (43120.0, '#,##0.00 "₸"', "43120.00"),
        (7, None, "7"),
        (dt.datetime(2023, 11, 30), "dd.mm.yyyy", "30.11.2023"),
        (dt.date(2024, 1, 5), "General", "05.01.2024"),
        ("  0159 ", "General", "0159"),
        ("", "General", None),
        (None, "General", None),
    ],
)
def test_cell_text_is_faithful_and_parseable(
    value: object, number_format: str | None, expected: str | None
) -> None:
    assert cell_text(value, number_format) == expected


# --------------------------------------------------------------------------- XLSX


def _payroll_xlsx() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "ноя2023"
    ws.append(["ТОО «Жезказган Промсервис»"])
    ws.append(["БИН 111040086517"])
    ws.append([])
    ws.append(["Таб. №", "ФИО", "Начислено", "Удержано"])
    ws.append(["0159", "Байжанова Меруерт", 750000, 156000.5])
    ws.append(["Итого", None, 750000, 156000.5])
    for row in ws.iter_rows(min_row=5, min_col=3):
        for cell in row:
            cell.number_format = "# ##0.00"
    second = wb.create_sheet("пусто")
    second["B2"] = "только одна ячейка"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_xlsx_sheets_become_cell_pages() -> None:
    doc = read_document("vedomost.xlsx", _payroll_xlsx(), FileKind.XLSX, Settings())
    assert file_format_of(doc) == "xlsx"
    sheet = doc.pages[0]
    assert sheet.unit == "cell" and sheet.source == TextSource.STRUCTURED
    assert sheet.text.splitlines() == [
        "ТОО «Жезказган Промсервис»",
        "БИН 111040086517",
        "Таб. № ФИО Начислено Удержано",
        "0159 Байжанова Меруерт 750000.00 156000.50",
        "Итого 750000.00 156000.50",
    ]
    total = next(w for w in sheet.words if w.text == "156000.50" and w.bbox.y0 == 5)
    assert (total.bbox.x0, total.bbox.y0, total.bbox.x1, total.bbox.y1) == (3, 5, 4, 6)  # column D, row 6
    assert sheet.tables[0][5] == ["Итого", None, "750000.00", "156000.50"]
    assert doc.pages[1].words[0].text == "только одна ячейка"
    assert doc.pages[1].words[0].bbox.x0 == 1


def test_corrupt_xlsx_is_unreadable() -> None:
    with pytest.raises(UnreadableDocument) as err:
        read_document("v.xlsx", b"PK\x03\x04 not really a zip", FileKind.XLSX, Settings())
    assert err.value.code == "xlsx_corrupt"


# --------------------------------------------------------------------------- DOCX


def test_docx_paragraphs_and_tables_keep_their_order() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("ДОГОВОР № 15/22")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Заказчик"
    table.cell(0, 1).text = "ТОО «Альфа»"
    table.cell(1, 0).text = "БИН"
    table.cell(1, 1).text = "100640558769"
    document.add_paragraph("Итого: 9 408 000,00 тенге")
    buffer = io.BytesIO()
    document.save(buffer)

    doc = read_document("dogovor.docx", buffer.getvalue(), FileKind.DOCX, Settings())

    assert file_format_of(doc) == "docx"
    assert doc.text.splitlines() == [
        "ДОГОВОР № 15/22",
        "Заказчик ТОО «Альфа»",
        "БИН 100640558769",
        "Итого: 9 408 000,00 тенге",
    ]
    assert doc.pages[0].tables == [[["Заказчик", "ТОО «Альфа»"], ["БИН", "100640558769"]]]


def test_corrupt_docx_is_unreadable() -> None:
    with pytest.raises(UnreadableDocument) as err:
        read_document("d.docx", b"PK\x03\x04junk", FileKind.DOCX, Settings())
    assert err.value.code == "docx_corrupt"


# --------------------------------------------------------------------------- XML


ESF_WITH_PREFIXES = """<?xml version="1.0" encoding="UTF-8"?>
<esf:invoiceContainer xmlns:esf="esf"><invoiceSet>
<v2:invoice xmlns:v2="v2.esf">
  <date>08.04.2022</date><num>068206</num><turnoverDate>08.04.2022</turnoverDate>
  <relatedInvoice><date>01.01.2020</date><num>1</num></relatedInvoice>
  <v2:sellers><v2:seller><v2:tin>100940898331</v2:tin><v2:name>ТОО «ЭкоЭнерго»</v2:name>
    <v2:iik>KZ029985071965751510</v2:iik><v2:bik>TSESKZKA</v2:bik></v2:seller></v2:sellers>
  <customers><customer><tin>100640558769</tin></customer></customers>
  <deliveryTerm><hasContract>true</hasContract><contractNum>4-02/22</contractNum>
    <contractDate>08.02.2022</contractDate></deliveryTerm>
  <productSet><currencyCode>KZT</currencyCode>
    <products><product><ndsRate>12</ndsRate></product></products>
    <totalNdsAmount>304440</totalNdsAmount><totalPriceWithTax>2841440</totalPriceWithTax>
    <totalPriceWithoutTax>2537000</totalPriceWithoutTax></productSet>
</v2:invoice></invoiceSet></esf:invoiceContainer>"""


def test_esf_fields_tolerate_prefixes_and_missing_values() -> None:
    pages, fields = read_xml(ESF_WITH_PREFIXES.encode())
    assert fields is not None
    assert (fields["num"], fields["date"]) == ("068206", "08.04.2022")  # not relatedInvoice's
    assert fields["seller"]["tin"] == "100940898331" and fields["seller"]["bik"] == "TSESKZKA"
    assert fields["customer"] == {"tin": "100640558769", "name": None, "address": None, "countryCode": None}
    assert fields["contract"]["num"] == "4-02/22" and fields["contract"]["date"] == "08.02.2022"
    assert fields["totals"] == {
        "priceWithoutTax": "2537000",
        "ndsAmount": "304440",
        "priceWithTax": "2841440",
    }
    assert (fields["ndsRate"], fields["currency"]) == ("12", "KZT")
    assert "seller.tin: 100940898331" in pages[0].text.splitlines()


def test_xml_that_is_not_an_invoice_has_lines_but_no_fields() -> None:
    doc = read_document("x.xml", "<report><title>Отчет</title></report>".encode(), FileKind.XML, Settings())
    assert doc.structured is None and doc.text == "report.title: Отчет"
    assert file_format_of(doc) == "xml"


def test_xml_entities_are_refused() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><x>&b;</x>'
    with pytest.raises(UnreadableDocument) as err:
        read_document("x.xml", bomb, FileKind.XML, Settings())
    assert err.value.code == "xml_forbidden"


def test_broken_xml_is_unreadable() -> None:
    with pytest.raises(UnreadableDocument) as err:
        read_document("x.xml", b"<invoice><num>1</invoice>", FileKind.XML, Settings())
    assert err.value.code == "xml_corrupt"


def test_local_name_strips_namespaces_and_prefixes() -> None:
    assert (
        local_name("{v2.esf}seller") == "seller"
        and local_name("v2:tin") == "tin"
        and local_name("num") == "num"
    )


@pytest.mark.skipif(not ESF_DIR.exists(), reason="needs ../shared/real/esep-esf-xsd")
def test_real_esf_samples() -> None:
    vat = read_document("esf-vat.xml", (ESF_DIR / "esf-vat.xml").read_bytes(), FileKind.XML, Settings())
    assert vat.structured is not None
    assert vat.structured["num"] == "2026001" and vat.structured["turnoverDate"] == "12.05.2026"
    assert (
        vat.structured["seller"]["tin"] == "900101300123"
        and vat.structured["seller"]["iik"] == "KZ123456789012345678"
    )
    assert vat.structured["customer"]["tin"] == "060540001234"
    assert vat.structured["totals"]["priceWithTax"] == "116000" and vat.structured["ndsRate"] == "16"
    assert vat.structured["contract"]["num"] is None  # hasContract=false: tolerated, not invented

    missing = read_document("m.xml", (ESF_DIR / "esf-missing-iin.xml").read_bytes(), FileKind.XML, Settings())
    assert missing.structured is not None and missing.structured["customer"]["tin"] is None
    assert missing.structured["ndsRate"] is None

    incomplete = read_document(
        "i.xml", (ESF_DIR / "esf-incomplete.xml").read_bytes(), FileKind.XML, Settings()
    )
    assert incomplete.structured is not None
    assert incomplete.structured["seller"]["name"] is None and incomplete.structured["seller"]["kbe"] == "19"
