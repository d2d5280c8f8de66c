"""The document type and language model: what a document is from its whole text, not from a title at a fixed place."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from docproc.pipeline import process_document
from extractors.doctype import DoctypeModel, shipped_model
from foundation.settings import Settings
from ingest.dossier import ingest_bytes
from models.domain import DocType, DocumentExtraction
from tests.test_service_support import APPLICANT_BIN, SUPPLIER_BIN, render_pdf

APPLICANT = "ТОО «Костанай Агромаш»"
SUPPLIER = "ТОО «Техсервис Наладка»"


def _extract(tmp_path: Path, name: str, pages: list[list[str]]) -> DocumentExtraction:
    settings = Settings(data_dir=tmp_path / "var", stage_cache=False)
    return process_document(ingest_bytes(name, render_pdf(pages), settings.limits), settings).extraction


# An act whose first lines are an approval block, the parties and the contract it follows; that it is an act
# is said in its body ("составили настоящий акт о том, что …"), in no title.
ACT_WITHOUT_A_TITLE_ON_TOP = [
    "УТВЕРЖДАЮ",
    f"Директор {APPLICANT}",
    "_______________ Ахметов Т.М.",
    "«20» января 2023 г.",
    "г. Костанай",
    f"Заказчик: {APPLICANT}, БИН {APPLICANT_BIN}",
    f"Исполнитель: {SUPPLIER}, БИН {SUPPLIER_BIN}",
    "по договору № 15/22 от 01.03.2022 (заявка № 4)",
    ("Мы, нижеподписавшиеся, представитель Заказчика и представитель Исполнителя, составили настоящий акт о том, "
    "что Исполнитель выполнил, а Заказчик принял следующие работы:"),
    "1. Пусконаладочные работы линии розлива    2 520 000,00",
    "Итого без НДС 2 520 000,00; НДС 12% 302 400,00; всего 2 822 400,00 тенге.",
    ("Работы выполнены в полном объеме и в срок. Заказчик претензий по объему, качеству и срокам оказания услуг "
    "не имеет."),
    "Сдал (Исполнитель): _______________        Принял (Заказчик): _______________",
]

# An online-banking print-out: the bank's header fills the top of the page and names the invoice paid; the
# payment order's own title comes ninth, in lower case.
PAYMENT_ORDER_UNDER_A_BANK_HEADER = [
    "АО «Народный Банк Казахстана»",
    "Интернет-банкинг для юридических лиц",
    "Основание: счет на оплату № 45 от 05.01.2023, договор № 15/22 от 01.03.2022",
    "Документ сформирован: 10.01.2023 14:22",
    "Статус: исполнен",
    "Референс: 2301100000412",
    "Канал: Homebank Business",
    "БИК HSBKKZKX",
    "Платежное поручение № 1284 от 10.01.2023",
    f"Отправитель денег: {APPLICANT}, ИИН/БИН {APPLICANT_BIN}, ИИК KZ818563260060105101",
    f"Бенефициар: {SUPPLIER}, ИИН/БИН {SUPPLIER_BIN}, ИИК KZ468562510974806505",
    "Сумма: 2 822 400,00 KZT",
    "Назначение платежа: оплата по договору № 15/22 от 01.03.2022, в т.ч. НДС 12% 302 400,00",
    "КНП 859    Код 17    Кбе 17",
]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [(ACT_WITHOUT_A_TITLE_ON_TOP, DocType.ACT_OF_WORK), (PAYMENT_ORDER_UNDER_A_BANK_HEADER, DocType.PAYMENT_ORDER)],
    ids=["act-said-in-its-body", "payment-order-under-a-bank-header"],
)
def test_the_type_does_not_depend_on_a_title_at_the_top(tmp_path: Path, lines: list[str], expected: DocType) -> None:
    x = _extract(tmp_path, "doc04.pdf", [lines])
    assert (x.doc_type, x.language) == (expected, "ru")


def test_run_time_features_are_scikit_learns(tmp_path: Path) -> None:
    # The model is trained on scikit-learn's TF-IDF; at run time the same vector is computed without it.
    from sklearn.feature_extraction.text import TfidfVectorizer

    from learn.doctype import CONTENT_TYPES, LANGUAGES, Sample, fit

    texts = ["\n".join(ACT_WITHOUT_A_TITLE_ON_TOP), "\n".join(PAYMENT_ORDER_UNDER_A_BANK_HEADER)]
    samples = [
        Sample("f", "d", f"{i}.pdf", "pdf_text", CONTENT_TYPES[i], "ru", CONTENT_TYPES[i], t, {}, {"rule:ru": 1.0})
        for i, t in enumerate(texts * 2)
    ]
    model = fit(samples)
    model.save(tmp_path)
    loaded = DoctypeModel.load(tmp_path)
    assert set(loaded.heads["language"].classes) == set(LANGUAGES)  # every language has its prior
    text = loaded.features.settings
    assert text.blocks["char"] == {"analyzer": "char_wb", "ngram_range": [3, 5]}  # read back from the file
    for block, spec in text.blocks.items():
        sk = TfidfVectorizer(
            lowercase=False,
            sublinear_tf=True,
            vocabulary=loaded.features.terms[block],
            **{k: tuple(v) if isinstance(v, list) else v for k, v in spec.items()},
        ).fit([text.model_text(t) for t in texts * 2])
        expected = sk.transform([text.model_text(texts[0])]).toarray()[0] / np.sqrt(len(text.blocks))
        v = loaded.features.vector(texts[0])
        offset, size = loaded.features.offsets[block], len(loaded.features.terms[block])
        got = np.zeros(size)
        in_block = (v.index >= offset) & (v.index < offset + size)
        got[v.index[in_block] - offset] = v.value[in_block]
        assert np.allclose(got, expected, atol=1e-6)


def test_the_shipped_model_is_loaded_lazily_and_once() -> None:
    # Importing the package loads nothing (the CLI, the API and tests that extract nothing stay quick).
    probe = (
        "import extractors, docproc.pipeline; from extractors.doctype import shipped_model; "
        "print(shipped_model.cache_info().currsize)"
    )
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout == "0\n"
    assert shipped_model() is shipped_model()
    assert {"doc_type", "language"} <= set(shipped_model().heads)


@pytest.mark.parametrize("block", ["char", "word"])
def test_the_n_grams_are_scikit_learns(block: str) -> None:
    # Reading a document does not import scikit-learn; its n-grams must still be exactly those it was trained on.
    from sklearn.feature_extraction.text import CountVectorizer

    settings = shipped_model().features.settings
    spec = {k: tuple(v) if isinstance(v, list) else v for k, v in settings.blocks[block].items()}
    reference = CountVectorizer(lowercase=False, **spec).build_analyzer()
    texts = [
        "\n".join(ACT_WITHOUT_A_TITLE_ON_TOP),
        "a  bb\tccc\n\n dddd  ĘĘ 00.00.0000 № 0/00-а «ТОО»",
        "төлем тапсырмасы / платежное поручение 服务合同 合同编号：000/0000 x",
        "",
        "I",
    ]
    for text in texts:
        normalised = settings.model_text(text)
        assert settings.analyzer(block)(normalised) == reference(normalised)


def test_a_leave_one_family_out_run_points_the_extractors_at_its_own_model(tmp_path: Path) -> None:
    # learn.lofo sets DOCPROC_EXTRACTOR_MODEL_DIR to models trained without the family it scores.
    DoctypeModel(
        {**shipped_model().meta, "families": {"only-this-fold": 1}}, shipped_model().features, shipped_model().heads
    ).save(tmp_path)
    probe = "from extractors.doctype import shipped_model; print(list(shipped_model().meta['families']))"
    env = {**os.environ, "DOCPROC_EXTRACTOR_MODEL_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == "['only-this-fold']"
