"""Wording of the computation and the printed report (issue 13): amounts under a heading in their own
currency, the declared exchange rates shown, no stray separators, words never cut at a cell's edge,
numerals agreeing with their nouns."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pdfplumber

from api.web.page_models.computation import ComputationView, computation_view
from api.web.rendering import templates
from foundation.settings import Settings
from models.domain import CurrencyRate
from tests.fixtures.validator_samples import works_dossier
from tests.test_validators_reimbursement import _usd_dossier
from validators import check_dossier

TEMPLATE = Path(__file__).resolve().parents[1] / "api" / "web" / "templates" / "dossier.html"


def _view(app: Any, docs: Any) -> ComputationView:
    result = check_dossier(app, docs)
    view = computation_view(SimpleNamespace(computed=result.computed, documents=docs), app, {})  # type: ignore[arg-type]
    assert view is not None
    return view


def _usd_view() -> ComputationView:
    return _view(
        *_usd_dossier(
            [
                CurrencyRate(file="pp_1.pdf", date=dt.date(2024, 2, 1), currency="USD", rate_kzt=470.12),
                CurrencyRate(file="pp_2.pdf", date=dt.date(2024, 6, 1), currency="USD", rate_kzt=455.5),
            ]
        )
    )


def _computation_html(view: ComputationView) -> str:
    """The dossier page's computation section as the template draws it."""
    source = TEMPLATE.read_text(encoding="utf-8")
    start = source.index('<section class="card" id="computation">')
    section = source[start : source.index("</section>", start) + len("</section>")]
    html = templates.env.from_string(section).render(computation=view, computation_failed=False)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_foreign_amounts_are_not_headed_tenge_and_the_declared_rates_are_shown() -> None:
    view = _usd_view()
    (chain,) = view.chains
    assert chain.unit == ""  # the table is in dollars: its headings name no currency
    assert all(d.total.endswith("USD") for d in chain.documents)
    payment = next(d for d in chain.documents if d.file == "pp_1.pdf")
    assert payment.conversion == "30\xa0000,00 USD × 470,12 = 14\xa0103\xa0600,00 тенге (курс из заявки)"
    rates = {line.what: line.value for line in view.lines}["Курсы валют (из заявки)"]
    assert rates == "1 USD = 470,12 тенге (pp_1.pdf); 1 USD = 455,50 тенге (pp_2.pdf)"

    text = _computation_html(view)
    assert "Сумма, тенге" not in text and "Без НДС, тенге" not in text
    assert "сумма 100 000,00 USD, без НДС 100 000,00 USD" in text  # (spaces of any kind made plain)
    assert not re.search(r"[A-Z]{3} ,", text)  # «CNY ,»: no unit left empty before a comma
    assert "× 455,50 = 36 440 000,00 тенге (курс из заявки)" in text
    assert "Курсы валют (из заявки) 1 USD = 470,12 тенге" in text


def test_a_tenge_table_says_tenge_once_in_its_headings() -> None:
    view = _view(*works_dossier())
    assert view.chains and all(chain.unit == "тенге" for chain in view.chains)
    assert all("тенге" not in d.total for chain in view.chains for d in chain.documents)
    assert "Курсы валют" not in {line.what for line in view.lines}  # nothing converted, nothing to show
    text = _computation_html(view)
    assert "Сумма, тенге" in text


def test_a_report_table_wraps_at_spaces_not_inside_a_word() -> None:
    from api.web.report_pdf import _Report, _table

    pdf = _Report("проверка")
    pdf.add_page()
    headings = ["Документ", "№", "Дата", "Сумма, тенге", "В расчёте", "Учтено, тенге"]
    rows = [["Счет-фактура\nschet_faktura.pdf", "СФ-17", "20.01.2023", "2 822 400,00", "подтверждает", ""]]
    _table(pdf, headings, rows, (54, 16, 20, 34, 24, 32))  # the computation table's widths
    with pdfplumber.open(io.BytesIO(bytes(pdf.output()))) as printed:
        words = [w["text"] for w in printed.pages[0].extract_words()]
    assert "подтверждает" in words, words


def test_counts_in_messages_agree_with_their_nouns(tmp_path: Path) -> None:
    from docproc.batch.sources import _archive_refusal
    from validators.document_checks import _rows_of

    assert [_rows_of(n) for n in (1, 3, 5, 21)] == ["1 строки", "3 строк", "5 строк", "21 строки"]
    settings = Settings()
    settings = settings.model_copy(update={"batch": settings.batch.model_copy(update={"max_archive_members": 0})})
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("one.pdf", b"%PDF")
    with zipfile.ZipFile(archive) as zf:
        refusal = _archive_refusal(archive, zf.infolist(), settings)
    assert refusal is not None and "«a.zip» 1 файл;" in str(refusal)


def test_the_list_says_the_review_term_with_the_right_noun() -> None:
    term = templates.env.from_string('{{ n|count_words("рабочий день", "рабочих дня", "рабочих дней") }}')
    assert [term.render(n=n) for n in (14, 21, 3)] == ["14 рабочих дней", "21 рабочий день", "3 рабочих дня"]
    source = (TEMPLATE.parent / "dossiers.html").read_text(encoding="utf-8")
    assert "{{ working_days }} рабочих дней" not in source
