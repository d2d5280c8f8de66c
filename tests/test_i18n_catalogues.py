"""The interface catalogues and the Kazakh finding texts, without the service (issue 13, item 9).

* Every text the templates and the code mark for translation has a Kazakh translation, with the same
  placeholders; this is also how an untranslated string from another branch is caught after a merge.
* Every finding code of ``findings.yaml`` renders in Kazakh from its parameters, with nothing left over.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from api.web import i18n
from models.domain import Finding
from validators.finding_texts import finding_label, finding_message, kk_catalogue
from validators.findings import catalogue, make_finding

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
_PERCENT = re.compile(r"%\((\w+)\)s")


def _extracted() -> set[str | tuple[str, str]]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: set[str | tuple[str, str]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def _catalogue(lang: str) -> Any:
    with (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def _placeholders(text: str) -> set[str]:
    return set(_PERCENT.findall(text)) | {n for _, n, _, _ in string.Formatter().parse(text) if n}


def test_every_marked_text_has_a_kazakh_translation_with_the_same_placeholders() -> None:
    extracted = _extracted()
    assert len(extracted) > 300, len(extracted)  # the templates and the page models are really scanned
    kk, ru = _catalogue("kk"), _catalogue("ru")
    untranslated, wrong_placeholders = [], []
    for message_id in sorted(extracted, key=str):
        key = message_id if isinstance(message_id, str) else message_id[0]
        for lang, cat in (("kk", kk), ("ru", ru)):
            entry = cat.get(key)
            translations = [] if entry is None else (
                list(entry.string) if isinstance(entry.string, tuple) else [entry.string]
            )
            if entry is None or entry.fuzzy or not translations or not all(translations):
                untranslated.append((lang, key))
                continue
            wanted = _placeholders(key)
            wrong_placeholders += [(lang, key, t) for t in translations if _placeholders(t) != wanted]
    assert not untranslated, (
        "texts without a translation (pybabel extract/update, then translate: README «Interface languages»): "
        f"{untranslated[:10]}"
    )
    assert not wrong_placeholders, wrong_placeholders[:5]


def test_the_catalogues_count_plurals_by_each_languages_rule() -> None:
    message = "Требует внимания: %(count)s поле — прочитано неуверенно или упомянуто в замечаниях."
    plural = "Требуют внимания: %(count)s полей — прочитаны неуверенно или упомянуты в замечаниях."
    ru, kk = i18n.translations("ru"), i18n.translations("kk")
    assert [ru.ngettext(message, plural, n) % {"count": n} for n in (1, 3, 5, 21)] == [
        "Требует внимания: 1 поле — прочитано неуверенно или упомянуто в замечаниях.",
        "Требуют внимания: 3 поля — прочитаны неуверенно или упомянуты в замечаниях.",
        "Требуют внимания: 5 полей — прочитаны неуверенно или упомянуты в замечаниях.",
        "Требует внимания: 21 поле — прочитано неуверенно или упомянуто в замечаниях.",
    ]
    # Kazakh nouns do not agree with numerals: one form for every count.
    assert len({kk.ngettext(message, plural, n) for n in (1, 3, 5, 21)}) == 1
    assert "өріс" in kk.ngettext(message, plural, 5)


def test_a_missing_compiled_catalogue_is_compiled_from_the_po(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    po = i18n.LOCALE_DIR / "kk" / "LC_MESSAGES" / "messages.po"
    (tmp_path / "kk" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "kk" / "LC_MESSAGES" / "messages.po").write_bytes(po.read_bytes())
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("kk").gettext("Все досье") == "Барлық досье"
        assert not (tmp_path / "kk" / "LC_MESSAGES" / "messages.mo").exists()
    finally:
        monkeypatch.undo()
        i18n.translations.cache_clear()


def test_the_language_of_a_first_visit_follows_accept_language() -> None:
    assert i18n.from_accept_language("kk-KZ,kk;q=0.9,ru;q=0.8") == "kk"
    assert i18n.from_accept_language("ru-RU,ru;q=0.9,kk;q=0.8") == "ru"
    assert i18n.from_accept_language("en-US,kk;q=0.5,ru;q=0.7") == "ru"
    assert i18n.from_accept_language("en-US,kk;q=0.7,ru;q=0.5") == "kk"
    assert i18n.from_accept_language("de-DE,en;q=0.8") == "ru"
    assert i18n.from_accept_language(None) == "ru"
    assert i18n.from_accept_language("kk;q=0") == "ru"


def _sample_finding(code: str) -> tuple[Finding, dict[str, str]]:
    """A finding of ``code`` with a distinct sample value for every placeholder either language names."""
    spec, kazakh = catalogue().spec(code), kk_catalogue().codes[code]
    names = _placeholders(spec.message) | _placeholders(kazakh.message)
    values = {name: f"<{name}-7>" for name in sorted(names) if name not in ("file", "duplicate_of", "note")}
    finding = make_finding(
        code,
        file="doc_7.pdf",
        doc_type="invoice",
        duplicate_of="doc_1.pdf",
        **values,
        **({"note": " <note-7>"} if "note" in names else {}),
    )
    return finding, values


@pytest.mark.parametrize("code", sorted(catalogue().codes))
def test_every_finding_code_reads_in_kazakh_from_its_parameters(code: str) -> None:
    assert code in kk_catalogue().codes, f"{code} has no Kazakh text in findings.kk.yaml"
    finding, values = _sample_finding(code)
    text = finding_message(finding, "kk")
    assert text != finding.message
    assert "{" not in text and "}" not in text and "?" not in text, text
    for name, value in values.items():
        if name == "label" and finding.doc_type:  # a missing document is named by its type, in Kazakh
            assert "шот-фактура" in text, text
        else:
            assert value in text, (name, text)
    assert finding_message(finding, "ru") == finding.message
    assert finding_label(code, "kk") != catalogue().label(code)
    assert finding_label(code, "ru") == catalogue().label(code)


def test_a_finding_stored_without_parameters_keeps_its_russian_message() -> None:
    finding, _ = _sample_finding("VAT_MISCALCULATED")
    stored_before = finding.model_dump(mode="json")
    del stored_before["params"]
    old = Finding.model_validate(stored_before)
    assert old.params == {}
    assert finding_message(old, "kk") == finding.message
    partial = finding.model_copy(update={"params": {"vat": "1,00 тенге"}})
    assert finding_message(partial, "kk") == finding.message


def test_names_and_fixed_phrases_in_parameters_are_given_in_kazakh() -> None:
    translation = make_finding(
        "MISSING_TRANSLATION", file="vertrag.pdf", language_name=catalogue().language_name("de")
    )
    assert finding_message(translation, "kk") == (
        "«vertrag.pdf» құжаты неміс тілінде жасалған, бірақ оның қазақ немесе орыс тіліне аудармасы қоса берілмеген."
    )
    late = make_finding(
        "PAYMENT_AFTER_APPLICATION",
        file="pp_9.pdf",
        subject="Платежное поручение",
        when="от 01.02.2024",
        application_date="15.01.2024",
        consequence="Платеж не учтен в расчете возмещения.",
    )
    text = finding_message(late, "kk")
    assert text.startswith("Төлем тапсырмасы «pp_9.pdf»") and text.endswith("Төлем өтеуді есептеуде ескерілмеді."), text
    doubt = make_finding(
        "UNVERIFIED_FIELD",
        file="pp_1240.pdf",
        subject="Платежное поручение «pp_1240.pdf»",
        check="сумму прописью",
        reason="значение «четыре миллиона» прочитано неуверенно (0.45)",
    )
    assert finding_message(doubt, "kk") == (
        "Төлем тапсырмасы «pp_1240.pdf»: жазбаша соманы тексеру мүмкін болмады — "
        "«четыре миллиона» мәні сенімсіз оқылды (0.45)."
    )
    # Prose the Kazakh catalogue does not know stays as the check wrote it.
    unknown = doubt.model_copy(update={"params": {**doubt.params, "reason": "особый случай"}})
    assert finding_message(unknown, "kk").endswith("тексеру мүмкін болмады — особый случай.")
    vat = make_finding(
        "VAT_MISCALCULATED", file="akt.pdf", vat="320 400,00 тенге", rate_pct="12", base="2 502 000,00 тенге",
        expected="300 240,00 тенге", date="20.01.2023", diff="20 160,00 тенге",
    )
    assert finding_message(vat, "kk").startswith("«akt.pdf» құжатында ҚҚС 320 400,00 теңге деп көрсетілген"), vat
    mismatch = make_finding(
        "AMOUNT_MISMATCH",
        doc_type="act_of_work",
        what="актов выполненных работ",
        files="akt_98.pdf",
        total="13 476 050,00 тенге",
        contract="№ ДУ-2023/110 от 22.04.2023",
        contract_total="13 140 000,00 тенге",
        diff="336 050,00 тенге",
    )
    assert finding_message(mismatch, "kk") == (
        "Орындалған жұмыстар актілерінің сомасы — 13 476 050,00 теңге (akt_98.pdf) — 22.04.2023 жылғы "
        "№ ДУ-2023/110 шартының сомасымен (13 140 000,00 теңге) сәйкес келмейді; айырмасы 336 050,00 теңге."
    )
    for table in ("language_names", "role_labels", "doc_type_labels", "topic_labels"):
        assert set(getattr(kk_catalogue(), table)) == set(getattr(catalogue(), table)), table
