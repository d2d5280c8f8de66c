"""The main language of a document: ru, kk, en, de, tr, zh.

Decided by script first (CJK, Cyrillic, Latin letters), then within a script by letters and
function words. Kazakh is told from Russian by the share of words written with Kazakh letters
(ә ғ қ ң ө ұ ү һ і) or Kazakh function words, so that a Russian document quoting a Kazakh bank name,
or a Kazakh document with Russian addresses and names, keeps its own language. Lines near the top
(title, labels) weigh more than the body.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from extractors.vocabulary import vocabulary

_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)
_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CYR_RE = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
_LAT_RE = re.compile(r"[A-Za-zÄäÖöÜüßŞşĞğİıÇç]")

# Share of Cyrillic words that must look Kazakh for a Cyrillic document to be Kazakh.
KK_WORD_SHARE = 0.12


@dataclass(frozen=True)
class LanguageGuess:
    language: str
    confidence: float
    scores: dict[str, float]


@lru_cache(maxsize=1)
def _cues() -> dict[str, frozenset[str] | str]:
    raw = vocabulary().raw["language"]
    return {
        "kk_letters": raw["kk_letters"],
        "kk_words": frozenset(raw["kk_words"]),
        "ru_words": frozenset(raw["ru_words"]),
        "en_words": frozenset(raw["en_words"]),
        "de_words": frozenset(raw["de_words"]),
        "tr_words": frozenset(raw["tr_words"]),
        "de_letters": raw["de_letters"],
        "tr_letters": raw["tr_letters"],
    }


# Names in quotes ("АО «Қазақстан Халық Банкі»", "«Zhetysu Glass» ЖШС") say nothing about the
# language the document is written in.
_QUOTED = re.compile(r"[«“„\"][^«»“”„\"\n]{1,80}[»”\"]")


def detect_language(text: str, title: str = "") -> LanguageGuess:
    """Guess the language of ``text``; ``title`` (the first lines) is counted three times more."""
    weighted = _QUOTED.sub(" ", (title + "\n") * 3 + text)
    cjk = len(_CJK_RE.findall(weighted))
    cyr = len(_CYR_RE.findall(weighted))
    lat = len(_LAT_RE.findall(weighted))
    total = cjk + cyr + lat
    if total == 0:
        return LanguageGuess("ru", 0.0, {})
    # A CJK character carries a word's worth of meaning: weigh it like ~2.5 letters.
    cjk_w = cjk * 2.5
    scripts = {"cjk": cjk_w, "cyr": float(cyr), "lat": float(lat)}
    script = max(scripts, key=lambda k: scripts[k])
    share = scripts[script] / sum(scripts.values())
    if script == "cjk":
        return LanguageGuess("zh", min(1.0, share + 0.2), scripts)
    words = [w.lower() for w in _WORD_RE.findall(weighted)]
    if script == "cyr":
        return _cyrillic(words, share)
    return _latin(words, weighted, share)


def _cyrillic(words: list[str], script_share: float) -> LanguageGuess:
    cues = _cues()
    kk_letters = set(str(cues["kk_letters"]))
    kk_words: frozenset[str] = cues["kk_words"]  # type: ignore[assignment]
    ru_words: frozenset[str] = cues["ru_words"]  # type: ignore[assignment]
    cyr_words = [w for w in words if _CYR_RE.search(w)]
    if not cyr_words:
        return LanguageGuess("ru", 0.3, {})
    kk = sum(1 for w in cyr_words if (set(w) & kk_letters) or w in kk_words)
    ru = sum(1 for w in cyr_words if w in ru_words)
    kk_share = kk / len(cyr_words)
    ru_share = ru / len(cyr_words)
    # Russian prose is dense in short function words (и, в, на, по...); Kazakh has none of them.
    is_kk = kk_share >= KK_WORD_SHARE and kk_share > 0.6 * ru_share
    margin = abs(kk_share - KK_WORD_SHARE) / KK_WORD_SHARE
    conf = min(1.0, 0.6 + 0.4 * min(1.0, margin)) * min(1.0, script_share + 0.3)
    return LanguageGuess("kk" if is_kk else "ru", conf, {"kk_share": kk_share, "ru_share": ru_share})


def _latin(words: list[str], text: str, script_share: float) -> LanguageGuess:
    cues = _cues()
    lat_words = [w for w in words if _LAT_RE.search(w)]
    counts: Counter[str] = Counter()
    for lang in ("en", "de", "tr"):
        vocab: frozenset[str] = cues[f"{lang}_words"]  # type: ignore[assignment]
        counts[lang] = sum(1 for w in lat_words if w in vocab)
    counts["de"] += 2 * sum(text.count(c) for c in str(cues["de_letters"]))
    counts["tr"] += 3 * sum(text.count(c) for c in str(cues["tr_letters"]))
    if not sum(counts.values()):
        return LanguageGuess("en", 0.3, dict(counts))
    lang, best = counts.most_common(1)[0]
    conf = best / max(1, sum(counts.values()))
    return LanguageGuess(lang, min(1.0, conf * min(1.0, script_share + 0.3)), dict(counts))


# --------------------------------------------------------------------------- bilingual documents
# A bilingual document's language is the one printed first: its left column, or the first of each pair
# ("Отправитель денег / Ақша жіберуші"). Two cues for the language model (``extractors.classify``); the
# weight each deserves against the whole text is learned.

MIN_MIXED_LINES = 3  # fewer lines mixing Kazakh and Russian say nothing about which comes first


def kazakh_russian_order(lines: list[str]) -> dict[str, float]:
    """Among lines that mix Kazakh and Russian words, the shares that start in Russian and in Kazakh.

    A word is Kazakh by its letters or a Kazakh function word; Russian words have no Kazakh letters (Kazakh
    words may have none either, so a line counts as Russian-first only when words without Kazakh letters
    come before its Kazakh words and it ends in Kazakh, as a "Russian / Kazakh" pair does).
    """
    cues = _cues()
    kk_letters = set(str(cues["kk_letters"]))
    kk_words: frozenset[str] = cues["kk_words"]  # type: ignore[assignment]
    votes: Counter[str] = Counter()
    for line in lines:
        words = [w.lower() for w in _WORD_RE.findall(line) if len(w) >= 3 and _CYR_RE.search(w)]
        if len(words) < 2:
            continue
        kazakh = [bool(set(w) & kk_letters) or w in kk_words for w in words]
        if not any(kazakh) or all(kazakh):
            continue
        first = kazakh.index(True)
        if first >= 1 and kazakh[-1]:
            votes["ru"] += 1
        elif first == 0 and not all(kazakh[len(kazakh) // 2 :]):
            votes["kk"] += 1
    mixed = sum(votes.values())
    return {lang: n / mixed for lang, n in votes.items()} if mixed >= MIN_MIXED_LINES else {}

