"""What a document is about and its language.

The decision is the learned model's (``extractors.doctype``: n-grams of the whole text). One of its inputs is
the title vocabulary (``vocabulary.yaml: doc_types``), scored here: a match counts by where it is — in the
first lines of the first page, or in a line set in capitals or a larger font, it is a title; lower down it is
a mention (an application form lists "Договор", "Платежное поручение"… among its attachments; an act mentions
the report). OCR-damaged titles are matched fuzzily. The line of the chosen type's title, where there is
one, guides the reading of the number and date next to it.

Whether a document is a *translation* is not decided here: a translation is about what its original is
about (a translated contract is classified as a contract); ``extractors.translation`` pairs it with its
original at dossier level.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from extractors.doctype import LANGUAGE_HEAD, TYPE_HEAD, DoctypeModel, shipped_model
from extractors.language import detect_language, kazakh_russian_order
from extractors.prefilter import Literals, Needles, fold, may_match, needles
from extractors.view import DocView, VLine
from extractors.vocabulary import vocabulary
from models.domain import DocType

TITLE_LINES = 6  # lines at the top of page 1 that count as the title zone
CLASSIFY_LINES = 80  # lines of page 1 whose mentions are scored at all
FUZZY_TITLE_MIN = 80  # rapidfuzz ratio every word of an OCR-damaged title must reach

# Below this probability of its most likely type a document is left UNKNOWN (unreadable scans, foreign
# documents of a kind the model has not seen): a wrong type would raise findings about the wrong papers.
TYPE_MIN_PROBABILITY = 0.35
# A model's probability is never certainty: 1.0 is kept for types set with it (a reviewer's correction, a
# machine-readable ЭСФ), which the dossier-level pairing of translations does not re-decide.
MODEL_CONFIDENCE_CAP = 0.99


@dataclass
class Classification:
    doc_type: DocType  # what the document is about (never TRANSLATION: that is decided with the dossier)
    confidence: float  # the model's probability of ``doc_type``
    language: str = "ru"
    language_confidence: float = 0.0
    scores: dict[str, float] = field(default_factory=dict)  # title vocabulary, per type
    probabilities: dict[str, float] = field(default_factory=dict)  # the model's, per type
    title_line: int | None = None  # view line index where the chosen type's title was read


_LIST_ITEM = re.compile(r"^\s*(?:\d{1,2}(?:\.\d{1,2})*[.)]|[-•–])\s+")


def _in_capitals(line: VLine) -> bool:
    letters = [c for c in line.text if c.isalpha()]
    return len(letters) >= 4 and sum(1 for c in letters if c.isupper()) / len(letters) > 0.7


def _is_big(view: DocView, line: VLine) -> bool:
    return line.height >= 1.15 * view.median_height


def _line_weight(view: DocView, line: VLine, rank: int) -> float:
    """How much a match on this line counts: the title zone and big or capitalised lines count most."""
    weight = 0.15
    if rank > 0 and _LIST_ITEM.match(line.text):
        return weight  # "1. Договор" in a list of attachments is a mention, not a title
    if rank < TITLE_LINES:
        weight = 1.0 - 0.06 * rank
    elif rank < 3 * TITLE_LINES:
        weight = 0.35
    if _in_capitals(line):
        weight = max(weight, 0.8) * 1.4
    if _is_big(view, line):
        weight *= 1.3
    return weight


@dataclass(frozen=True)
class _TypePatterns:
    """A type's title patterns, with what makes matching them cheap (same results as one by one)."""

    any_match: re.Pattern[str]  # all patterns as one alternation: matches where any of them does
    spanning: list[re.Pattern[str]]  # the patterns that can match a space (only they cross a line break)
    any_spanning: re.Pattern[str] | None
    # Literal text every match of some pattern contains (case-folded as the regex engine folds); a
    # text holding none of them cannot match. None: a pattern has no such literal (always search).
    needles: Needles
    spanning_needles: Needles


# Pattern syntax through which a regex may match a space; a pattern with none of it cannot cross the
# space that joins two lines. Conservative: "\\S" and the like only cost a needless check.
_SPACE_CAPABLE = (" ", "\\s", "\\S", ".", "\\W", "\\D", "\\B", "[^", "\\x", "\\u", "\\N", "\\0", "\\p", "(?x")


def _can_match_space(pattern: re.Pattern[str]) -> bool:
    return any(token in pattern.pattern for token in _SPACE_CAPABLE) or bool(pattern.flags & re.VERBOSE)


def _alternation(patterns: list[re.Pattern[str]]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), patterns[0].flags if patterns else 0)


def _needles(patterns: list[re.Pattern[str]]) -> Needles:
    """Any one of the patterns matching: the alternatives of all of them."""
    found = [needles(p) for p in patterns]
    if not found or any(n is None for n in found):
        return None
    return Literals.of(tuple(group for f in found if f is not None for group in f.groups))


@lru_cache(maxsize=1)
def _type_patterns() -> dict[str, _TypePatterns]:
    out = {}
    for doc_type, patterns in vocabulary().doc_types.items():
        spanning = [p for p in patterns if _can_match_space(p)]
        out[doc_type] = _TypePatterns(
            any_match=_alternation(patterns),
            spanning=spanning,
            any_spanning=_alternation(spanning) if spanning else None,
            needles=_needles(patterns),
            spanning_needles=_needles(spanning),
        )
    return out


def _type_scores(
    view: DocView, lines: list[VLine], weights: list[float], where: dict[str, tuple[float, int]]
) -> dict[str, float]:
    scores: dict[str, float] = {}
    texts = [re.sub(r"\s+", " ", line.text) for line in lines]

    def credit(doc_type: str, w: float, line: VLine) -> None:
        # One matching line is evidence; many mentions lower down add little.
        scores[doc_type] = max(scores.get(doc_type, 0.0), w) + 0.02
        if doc_type not in where or w > where[doc_type][0]:
            where[doc_type] = (w, line.index)

    types = _type_patterns()
    folded = [fold(text) for text in texts]  # folding is per character: joined texts fold the same
    for i, text in enumerate(texts):
        # A title wrapped over two or three lines ("СОГЛАСИЕ" / "на распространение … данных").
        joined = {
            span: (" ".join(texts[i : i + span]), " ".join(folded[i : i + span]))
            for span in (2, 3)
            if i + span <= len(texts)
        }
        widest = joined[max(joined)][1] if joined else None  # holds every literal the narrower ones do
        for doc_type, typed in types.items():
            if may_match(typed.needles, folded[i]) and typed.any_match.search(text):
                credit(doc_type, weights[i], lines[i])
                continue
            if typed.any_spanning is None or widest is None or not may_match(typed.spanning_needles, widest):
                continue
            for span, (wrapped, wrapped_folded) in joined.items():
                if not may_match(typed.spanning_needles, wrapped_folded) or not typed.any_spanning.search(wrapped):
                    continue  # no pattern matches at all, so none crosses the break
                # Only a match that crosses the line break counts here; one inside a single line
                # is that line's own evidence.
                if any(m.start() < len(text) < m.end() for p in typed.spanning for m in p.finditer(wrapped)):
                    credit(doc_type, min(weights[i : i + span]), lines[i])
                    break
    return scores


# Plain title phrases for fuzzy matching of OCR-damaged titles (the regexes need clean letters).
_FUZZY_TITLES = {
    "payment_order": ["платежное поручение", "заявление на перевод иностранной валюты", "төлем тапсырмасы"],
    "act_of_work": ["акт выполненных работ", "акт оказанных услуг", "орындалған жұмыстар актісі"],
    "invoice": ["счет-фактура", "шот-фактура"],
    "contract": ["договор", "трудовой договор"],
    "work_report": ["отчет о выполненных работах", "орындалған жұмыстар туралы есеп"],
    "payroll": ["расчетная ведомость", "есеп айырысу ведомосі"],
    "digital_strategy": ["цифровая стратегия"],
    "statistics_consent": [
        "согласие на распространение первичных статистических данных",
        "статистикалық деректерді таратуға келісім",
    ],
    "application_form": ["заявка", "өтінім"],
}


def _title_similarity(title: str, line_words: list[str], floor: float = 0.0) -> float:
    """Order-free similarity: every title word must have a close match among the line's words.

    Below ``floor`` the exact figure does not matter: the first title word without a match that good
    ends the comparison (its best, or 0, is returned).
    """
    best_per_word = []
    for tw in title.split():
        if len(tw) <= 2:
            continue
        found = process.extractOne(tw, line_words, scorer=fuzz.ratio, score_cutoff=floor) if line_words else None
        if found is None:
            return 0.0
        best_per_word.append(found[1])
    return min(best_per_word) if best_per_word else 0.0


def _fuzzy_scores(
    view: DocView, lines: list[VLine], weights: list[float], where: dict[str, tuple[float, int]]
) -> dict[str, float]:
    """Titles matched word by word with OCR-tolerant similarity, over one line or a title wrapped
    over two or three lines; a one-word title must be on one line."""
    scores: dict[str, float] = {}
    # The title zone, and headings lower down: a cover page often sets its title in the middle, under
    # an approval block ("УТВЕРЖДАЮ / Директор … / «17» мая 2023 г.") that fills the first lines.
    starts = [
        rank
        for rank, ln in enumerate(lines)
        if rank < TITLE_LINES or (_in_capitals(ln) or _is_big(view, ln)) and not _LIST_ITEM.match(ln.text)
    ]
    for rank in starts:
        # A fuzzy match scores below an exact one on the same line: types already read exactly with at least
        # this line's weight cannot gain here (this keeps clean text layers from paying for OCR tolerance).
        limit = 0.95 * weights[rank]
        open_types = [(t, titles) for t, titles in _FUZZY_TITLES.items() if where.get(t, (0.0, 0))[0] < limit]
        if not open_types:
            continue
        for span in (1, 2, 3):
            if rank + span > len(lines):
                break
            text = " ".join(ln.text for ln in lines[rank : rank + span])
            words = [w for w in re.split(r"[^\w-]+", text.lower()) if len(w) > 2]
            if not words:
                continue
            for doc_type, titles in open_types:
                for title in titles:
                    if span > 1 and len(title.split()) == 1:
                        continue
                    r = _title_similarity(title, words, floor=FUZZY_TITLE_MIN)
                    if r < FUZZY_TITLE_MIN:
                        continue
                    # Slightly below an exact match of the same line, so exact evidence wins ties.
                    w = 0.95 * (r / 100.0) * min(weights[rank : rank + span])
                    if w > scores.get(doc_type, 0.0):
                        scores[doc_type] = w
                        where[doc_type] = max(where.get(doc_type, (0.0, lines[rank].index)), (w, lines[rank].index))
    return scores


def title_scores(view: DocView) -> tuple[dict[str, float], dict[str, int]]:
    """Title vocabulary: each type's best weighted match on page 1, and the view line where it was read."""
    first_page = view.pages[0] if view.pages else 1
    # Titles are at the top; a long first page (a sheet, a scroll) is only read that far.
    lines = view.page_lines(first_page)[:CLASSIFY_LINES]
    where: dict[str, tuple[float, int]] = {}
    weights = [_line_weight(view, line, rank) for rank, line in enumerate(lines)]
    scores = _type_scores(view, lines, weights, where)
    for t, s in _fuzzy_scores(view, lines, weights, where).items():
        scores[t] = max(scores.get(t, 0.0), s)
    return scores, {t: line for t, (_, line) in where.items()}


def type_inputs(scores: dict[str, float]) -> dict[str, float]:
    """The title vocabulary's scores as the type model's extra inputs."""
    return {f"title:{t}": s for t, s in scores.items()}


def language_inputs(view: DocView) -> dict[str, float]:
    """The language model's extra inputs: the script-and-lexicon detector's guess for the whole text (the
    first lines counted three times), for the left half of the first page (a two-column bilingual form's
    first language) and the order of Kazakh and Russian in the lines that mix them."""
    title = "\n".join(ln.text for ln in view.header_lines(TITLE_LINES))
    whole = detect_language(view.text, title)
    lines = view.page_lines(view.pages[0])[:CLASSIFY_LINES] if view.pages else []
    left = [
        " ".join(w.text for w in ln.words if w.bbox.x0 + w.bbox.x1 < ln.page_width) for ln in lines
    ]
    left_lines = [t for t in left if t]
    left_guess = detect_language("\n".join(left_lines), "\n".join(left_lines[:TITLE_LINES]))
    inputs = {f"rule:{whole.language}": whole.confidence, f"left:{left_guess.language}": left_guess.confidence}
    inputs.update({f"order:{lang}": share for lang, share in kazakh_russian_order([ln.text for ln in lines]).items()})
    return inputs


def language_input_names(languages: Iterable[str]) -> list[str]:
    """Every input ``language_inputs`` can give, in a fixed order (the model's columns)."""
    langs = list(languages)
    return [f"rule:{x}" for x in langs] + [f"left:{x}" for x in langs] + ["order:ru", "order:kk"]


def classify(view: DocView, model: DoctypeModel | None = None) -> Classification:
    """What the document is about and its language, from its whole text (``extractors.doctype``)."""
    model = model or shipped_model()
    scores, title_lines = title_scores(view)
    predicted = model.predict(
        model.features.vector(view.text), {TYPE_HEAD: type_inputs(scores), LANGUAGE_HEAD: language_inputs(view)}
    )
    kind, language = predicted[TYPE_HEAD], predicted[LANGUAGE_HEAD]
    doc_type = DocType(kind.label) if kind.confidence >= TYPE_MIN_PROBABILITY else DocType.UNKNOWN
    return Classification(
        doc_type=doc_type,
        confidence=round(min(kind.confidence, MODEL_CONFIDENCE_CAP), 3),
        language=language.label,
        language_confidence=round(language.confidence, 3),
        scores=scores,
        probabilities=kind.probabilities,
        title_line=title_lines.get(doc_type.value),
    )
