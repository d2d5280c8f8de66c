"""Does natasha's navec ("meaning" of a Russian word) add anything to the label lexicon? Prints the figures.

Not a test. A held-out set of Russian labels that lexicon.yaml does *not* list (synonyms from other forms,
contracts and bank print-outs), each with the field it names, plus words that label no field of ours
("Адрес", "Телефон", "Количество"). For each, the field the lexicon alone gives (fuzzy spelling
similarity), and the field navec gives: the largest cosine between the label's words and the one-word
Russian phrases of each field (the held-out labels are taken out of the lexicon for this run even when
lexicon.yaml lists them). Printed: top-1 accuracy on the labels, how often a non-label gets a field
above the threshold, the cost of loading navec and of one look-up.

    .venv/bin/python bench/lexicon_navec.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml

from extractors.lexicon import LEXICON_FILE, Lexicon, normalise

# Labels seen on Russian-language forms and contracts that lexicon.yaml does not list.
HELD_OUT: list[tuple[str, str]] = [
    ("Инициатор платежа", "payer"),
    ("Владелец счета", "payer"),
    ("Перечислитель", "payer"),
    ("Адресат платежа", "beneficiary"),
    ("Взыскатель", "beneficiary"),
    ("Потребитель", "customer"),
    ("Приобретатель", "customer"),
    ("Арендатор", "customer"),
    ("Лицензиат", "customer"),
    ("Принципал", "customer"),
    ("Изготовитель", "supplier"),
    ("Производитель", "supplier"),
    ("Арендодатель", "supplier"),
    ("Лицензиар", "supplier"),
    ("Агент", "supplier"),
    ("Итог", "total"),
    ("Суммарно", "total"),
    ("Общий итог", "total"),
    ("Всего к уплате", "total"),
    ("Налог", "vat"),
    ("Составлено", "doc_date"),
    ("Служащий", "employee"),
    ("Наниматель", "employer"),
    ("Месяц", "period"),
    ("Соглашение", "contract_ref"),
    ("Срок платежа", "excluded_date"),
    ("Удержания из зарплаты", "payroll_withheld"),
    ("Выплачено", "payroll_net"),
]
NOT_LABELS = ["Адрес", "Телефон", "Количество", "Цена", "Наименование", "Единица измерения", "Подпись",
              "Печать", "Директор", "Бухгалтер", "Город", "Страница", "Примечание", "Описание"]
NAVEC_THRESHOLD = 0.4  # cosine above which navec names a field


def main() -> None:
    from natasha.data import NEWS_EMBEDDING
    from navec import Navec

    # the lexicon without the held-out labels (lexicon.yaml may list them by now)
    raw = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    held = {"".join(normalise(text)) for text, _ in HELD_OUT}
    for by_lang in raw["fields"].values():
        for lang, texts in by_lang.items():
            by_lang[lang] = [x for x in texts if "".join(normalise(str(x))) not in held]
    lex = Lexicon(raw)
    t0 = time.perf_counter()
    navec = Navec.load(NEWS_EMBEDDING)
    load_s = time.perf_counter() - t0

    # one-word Russian phrases per field, as navec knows them
    field_words: dict[str, list[np.ndarray]] = {}
    for p in lex.phrases:
        if p.lang != "ru":
            continue
        words = normalise(p.text)
        if len(words) == 1 and words[0] in navec:
            field_words.setdefault(p.field, []).append(navec[words[0]])
    row_field = [f for f, vs in field_words.items() for _ in vs]
    matrix = np.stack([v for vs in field_words.values() for v in vs])
    matrix = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)

    def navec_field(text: str) -> tuple[str | None, float]:
        best: tuple[str | None, float] = (None, 0.0)
        for w in normalise(text):
            if w not in navec:
                continue
            v = navec[w]
            cos = matrix @ (v / np.linalg.norm(v))
            i = int(cos.argmax())
            if cos[i] > best[1]:
                best = (row_field[i], float(cos[i]))
        return best

    def lexicon_field(text: str) -> tuple[str | None, float]:
        m = lex.best(text)
        return (m.field, m.score) if m else (None, 0.0)

    lex_ok = nav_ok = both_ok = 0
    print(f"{'label':28} {'truth':16} {'lexicon':26} {'navec':26}")
    for text, truth in HELD_OUT:
        lf, ls = lexicon_field(text)
        nf, ns = navec_field(text)
        lex_ok += lf == truth
        nav_ok += nf == truth and ns >= NAVEC_THRESHOLD
        combined = lf if ls >= 0.5 else (nf if ns >= NAVEC_THRESHOLD else lf)
        both_ok += combined == truth
        print(f"{text:28} {truth:16} {lf!s:16} {ls:5.2f}     {nf!s:16} {ns:5.2f}")
    fp_lex = sum(1 for t in NOT_LABELS if lexicon_field(t)[1] >= 0.5)
    fp_nav = sum(1 for t in NOT_LABELS if navec_field(t)[1] >= NAVEC_THRESHOLD)
    n = len(HELD_OUT)
    print()
    print(f"held-out labels: {n}; top-1 correct: lexicon {lex_ok}/{n}, navec {nav_ok}/{n}, "
          f"lexicon then navec {both_ok}/{n}")
    print(f"non-labels given a field: lexicon (score >= 0.5) {fp_lex}/{len(NOT_LABELS)}, "
          f"navec (cos >= {NAVEC_THRESHOLD}) {fp_nav}/{len(NOT_LABELS)}")
    t0 = time.perf_counter()
    for _ in range(20):
        for text, _ in HELD_OUT:
            navec_field(text)
    per_call = (time.perf_counter() - t0) / (20 * n) * 1e6
    print(f"navec: load {load_s:.2f} s; one look-up {per_call:.0f} µs")


if __name__ == "__main__":
    main()
