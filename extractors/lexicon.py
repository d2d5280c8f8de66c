"""The multilingual field label lexicon (``lexicon.yaml``) and a fast fuzzy matcher over it.

Given the few words printed left of or above a candidate value, :func:`label_similarity` tells how much
they look like the label of each field, in [0, 1]. It feeds the candidate scorer: "Итого к оплате:",
"TOTAL TTC", "Gesamtbetrag", "Төлеуге барлығы" all score high for ``total``; "Плательщик" for ``payer``.

Matching is case-, punctuation- and diacritic-insensitive and tolerant of OCR damage:

* both sides are normalised the same way (:func:`normalise`): casefolded, marks stripped ("Fälligkeit" ≡
  "Falligkeit"), Kazakh letters folded to their Russian look-alikes ("ҚҚС" ≡ "ККС"), Latin letters inside
  a Cyrillic word read as Cyrillic and back ("БИH" with a Latin H ≡ "БИН"), punctuation dropped;
* long phrases are compared with the spaces removed, so a word split by OCR ("Плат ельщик", "о тправитель")
  still matches, and fuzzily (rapidfuzz), so a lost or misread letter costs a little, not everything;
* a context longer than the phrase matches when it *contains* the phrase ("Итого к оплате по счёту"),
  a little less the less of the context the phrase covers (so that "Итого без НДС" prefers the phrase
  "итого без ндс" to "итого"), and less again when the match starts inside a word ("subtotal" for "total");
* short phrases (acronyms: "НДС", "VAT", "BIN", "Nr") must match whole words: fuzzy three-letter matches
  fire everywhere; Chinese phrases must occur as written (no word boundaries to check).

Speed: a character-trigram index picks the few phrases that can match at all, rapidfuzz scores only those,
and results are cached per context string (labels repeat on every page). ``bench/lexicon_bench.py``
prints the cost per call.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz

from extractors.vocabulary import KAZAKH_FOLD

LEXICON_FILE = Path(__file__).with_name("lexicon.yaml")

# Contexts repeat across the candidates of a page and the pages of a dossier.
CONTEXT_CACHE_SIZE = 65536
# The longest run of words a short phrase may have ("р / с", "в т ч").
_SHORT_MAX_WORDS = 3
_NO_MATCH = (0.0, -1)

# --------------------------------------------------------------------------- normalisation

# Kazakh letters without their tails, and the Turkish dotless ı, compare as their look-alikes.
_FOLD: dict[int, str | int | None] = {**KAZAKH_FOLD, ord("ı"): "и"}
# Letters OCR confuses across the two scripts (lower case, after casefolding: "H" read for "Н" is "h").
_LATIN_TO_CYRILLIC = str.maketrans("aceopxykmhtbirnu", "асеорхукмнтвигпи")
_CYRILLIC_TO_LATIN = str.maketrans("асеорхукмнтвигп", "aceopxykmhtbirn")
_CYRILLIC = re.compile(r"[а-яё]")
_LATIN = re.compile(r"[a-z]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Letters, digits and the number sign survive; everything else separates words.
_NON_WORD = re.compile(r"[^\w#]+|_")
_SIGNS = re.compile(r"(#)")


_MARKS = re.compile(r"[\u0300-\u036f]")
_MIXED_SCRIPT = re.compile(r"[a-z][^\W\d_]*[а-я]|[а-я][^\W\d_]*[a-z]")


def _strip_marks(text: str) -> str:
    """Diacritics dropped ("fälligkeit" -> "falligkeit", "é" -> "e"); also "й" -> "и", on both sides alike."""
    return _MARKS.sub("", unicodedata.normalize("NFKD", text)) if not text.isascii() else text


# OCR reads the letter O as a zero inside words ("ИТОГ0", "T0TAL"); a word of letters keeps its letters.
_ZERO_IN_WORD_MIN_LETTERS = 3


# Inside a word of two scripts, letters that look alike in any case; a word wholly in Latin may also have
# lost "г", "п", "и" to "r", "n", "u" (lower case only, so not used for mixed words: "IВАN" stays IBAN).
_CYRILLIC_LOOKALIKES = set("асеорхукмнтви")
_LATIN_LOOKALIKES = set("aceopxykmhtbi")
_LATIN_READ_AS_CYRILLIC = set("aceopxykmhtbirnu")
# A word of this many Latin look-alikes may be a Russian word OCR read entirely in Latin ("Bcero" for
# "Всего", "HOMEP" for "НОМЕР"): the context is also matched with such words read in Cyrillic.
_ALL_LOOKALIKE_MIN = 3
# OCR reads the sign "№" as "Ме", "Мо" or "Хо" (also in values.NUMBER_SIGN).
_NUMBER_SIGN_MISREADS = {"ме", "мо", "хо"}


def _fix_script(token: str) -> str:
    """A word OCR wrote in two scripts, read in the script all its letters can be read in ("БИH" with a
    Latin H is "бин", "IВАN" with Cyrillic В and А is "iban"); when both can, in the script of most."""
    cyr = _CYRILLIC.findall(token)
    lat = _LATIN.findall(token)
    if "0" in token and len(cyr) + len(lat) >= _ZERO_IN_WORD_MIN_LETTERS and token.replace("0", "").isalpha():
        token = token.replace("0", "о" if len(cyr) >= len(lat) else "o")
    if not cyr or not lat:
        return token
    can_be_latin = _CYRILLIC_LOOKALIKES.issuperset(cyr)
    can_be_cyrillic = _LATIN_LOOKALIKES.issuperset(lat)
    if can_be_latin != can_be_cyrillic:
        to_cyrillic = can_be_cyrillic
    else:
        to_cyrillic = len(cyr) >= len(lat)
    return token.translate(_LATIN_TO_CYRILLIC) if to_cyrillic else token.translate(_CYRILLIC_TO_LATIN)


def normalise(text: str) -> list[str]:
    """The words of ``text`` as the matcher compares them (see the module docstring)."""
    # "№" first: Unicode decomposes it to "No"; it is the number sign "#" here, as OCR often prints it
    s = _strip_marks(text.casefold().replace("№", "#")).translate(_FOLD)
    s = _SIGNS.sub(r" \1 ", s)
    s = _NON_WORD.sub(" ", s)
    if "0" not in s and not _MIXED_SCRIPT.search(s):
        return s.split()
    return [_fix_script(t) for t in s.split()]


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Phrase:
    field: str
    lang: str
    text: str  # as written in lexicon.yaml
    squashed: str  # normalised, without spaces
    kind: str  # "short" (whole words), "cjk" (exact), "long" (fuzzy)


@dataclass(frozen=True)
class LabelMatch:
    """The best phrase of one field for a context."""

    field: str
    score: float
    phrase: str
    lang: str


@dataclass(frozen=True)
class MatcherSettings:
    short_phrase_chars: int
    fuzzy_floor: float
    min_score: float
    coverage_weight: float
    mid_word_factor: float
    trigram_share: float
    max_context_chars: int
    anchor_chars: float


def _trigrams(s: str) -> set[str]:
    return {s[i : i + 3] for i in range(len(s) - 2)}


@dataclass(frozen=True)
class _Context:
    squashed: str
    word_offsets: tuple[int, ...]  # where each word starts in ``squashed``
    word_starts: frozenset[int]
    words: tuple[str, ...]
    has_cjk: bool


def _context_of(words: list[str], has_cjk: bool) -> _Context:
    starts, pos = [], 0
    for w in words:
        starts.append(pos)
        pos += len(w)
    return _Context("".join(words), tuple(starts), frozenset(starts), tuple(words), has_cjk)


def _contexts(text: str, max_chars: int) -> list[_Context]:
    """The context as normalised, and (when it has words OCR may have read in the wrong script) read the
    other way too."""
    words = ["#" if w in _NUMBER_SIGN_MISREADS else w for w in normalise(text[-max_chars:])]
    has_cjk = bool(_CJK.search(text))
    out = [_context_of(words, has_cjk)]
    if any(len(w) >= _ALL_LOOKALIKE_MIN and _LATIN_READ_AS_CYRILLIC.issuperset(w) for w in words):
        other = [
            w.translate(_LATIN_TO_CYRILLIC)
            if len(w) >= _ALL_LOOKALIKE_MIN and _LATIN_READ_AS_CYRILLIC.issuperset(w)
            else w
            for w in words
        ]
        out.append(_context_of(other, has_cjk))
    return out


class Lexicon:
    """Phrases per field and language, indexed for matching. Build it with :func:`lexicon`."""

    def __init__(self, raw: dict[str, Any]) -> None:
        m = raw["matcher"]
        self.settings = MatcherSettings(
            short_phrase_chars=int(m["short_phrase_chars"]),
            fuzzy_floor=float(m["fuzzy_floor"]),
            min_score=float(m["min_score"]),
            coverage_weight=float(m["coverage_weight"]),
            mid_word_factor=float(m["mid_word_factor"]),
            trigram_share=float(m["trigram_share"]),
            max_context_chars=int(m["max_context_chars"]),
            anchor_chars=float(m["anchor_chars"]),
        )
        self.version = raw.get("version")
        self.fields: tuple[str, ...] = tuple(raw["fields"])
        self._field_index = {f: i for i, f in enumerate(self.fields)}
        phrases: list[Phrase] = []
        seen: set[tuple[str, str, str]] = set()
        for field, by_lang in raw["fields"].items():
            for lang, texts in by_lang.items():
                for text in texts:
                    squashed = "".join(normalise(str(text)))
                    if not squashed:
                        raise ValueError(f"lexicon.yaml: {field}/{lang}: phrase {text!r} has no letters")
                    if (field, lang, squashed) in seen:
                        continue  # "n°" and "no" normalise alike
                    seen.add((field, lang, squashed))
                    if _CJK.search(squashed):
                        kind = "cjk"
                    elif len(squashed) <= self.settings.short_phrase_chars:
                        kind = "short"
                    else:
                        kind = "long"
                    phrases.append(Phrase(field, str(lang), str(text), squashed, kind))
        self.phrases: tuple[Phrase, ...] = tuple(phrases)
        self._phrase_field = [self._field_index[p.field] for p in phrases]
        self._short: dict[str, list[int]] = defaultdict(list)
        self._cjk: list[int] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._needed: dict[int, int] = {}
        for i, p in enumerate(phrases):
            if p.kind == "short":
                self._short[p.squashed].append(i)
            elif p.kind == "cjk":
                self._cjk.append(i)
            else:
                grams = _trigrams(p.squashed)
                for g in grams:
                    self._postings[g].append(i)
                self._needed[i] = max(1, math.ceil(self.settings.trigram_share * len(grams)))
        # rapidfuzz skips work below its cutoff: nothing at or under the floor can count
        self._cut = self.settings.fuzzy_floor * 100.0 + 1e-6
        self._best = lru_cache(maxsize=CONTEXT_CACHE_SIZE)(self._best_uncached)

    # ------------------------------------------------------------------ public

    def similarity(self, context: str, anchored_end: bool = False) -> dict[str, float]:
        """Field -> similarity of ``context`` to its labels, in [0, 1]; 0 for fields nothing matches.

        ``anchored_end``: the value follows the context ("Итого к оплате: ▯"), so a label counts less the
        farther from the context's end it stands (halved ``anchor_chars`` letters away)."""
        best = self._best(context, anchored_end)
        return {f: score for f, (score, _) in zip(self.fields, best, strict=True)}

    def vector(self, context: str, anchored_end: bool = False) -> tuple[float, ...]:
        """The similarities in the order of :attr:`fields` (for feature vectors)."""
        return tuple(score for score, _ in self._best(context, anchored_end))

    def matches(self, context: str, anchored_end: bool = False) -> dict[str, LabelMatch]:
        """The best phrase of each field that matches ``context`` at all, with its score and language."""
        out = {}
        for field, (score, idx) in zip(self.fields, self._best(context, anchored_end), strict=True):
            if idx >= 0:
                p = self.phrases[idx]
                out[field] = LabelMatch(field, score, p.text, p.lang)
        return out

    def best(self, context: str, anchored_end: bool = False) -> LabelMatch | None:
        """The field whose label ``context`` looks most like, or None."""
        found = self.matches(context, anchored_end)
        return max(found.values(), key=lambda m: m.score) if found else None

    def cache_clear(self) -> None:
        self._best.cache_clear()

    # ------------------------------------------------------------------ matching

    def _best_uncached(self, text: str, anchored_end: bool) -> tuple[tuple[float, int], ...]:
        best: list[tuple[float, int]] = [_NO_MATCH] * len(self.fields)
        floor, anchor = self.settings.min_score, self.settings.anchor_chars
        for ctx in _contexts(text, self.settings.max_context_chars):
            n = len(ctx.squashed)
            if not n:
                continue
            for idx, score, end in self._scored(ctx):
                if anchored_end:
                    score /= 1.0 + (n - end) / anchor
                f = self._phrase_field[idx]
                if score >= floor and score > best[f][0]:
                    best[f] = (round(score, 4), idx)
        return tuple(best)

    def _rescaled(self, ratio: float) -> float:
        """A rapidfuzz ratio (0..100) as similarity above chance: 0 at the floor, 1 for an exact match."""
        floor = self.settings.fuzzy_floor
        return max(0.0, (ratio / 100.0 - floor) / (1.0 - floor))

    def _weighted(self, similarity: float, phrase_len: int, context_len: int, at_word_start: bool) -> float:
        w = self.settings.coverage_weight
        coverage = min(1.0, phrase_len / context_len)
        score = similarity * ((1.0 - w) + w * coverage)
        return score if at_word_start else score * self.settings.mid_word_factor

    def _scored(self, ctx: _Context) -> list[tuple[int, float, int]]:
        """(phrase, score, where the match ends in the squashed context) of every phrase that matches."""
        out: list[tuple[int, float, int]] = []
        n = len(ctx.squashed)
        # short phrases: whole words, or a run of up to three words ("р/с", "в т.ч.")
        words = ctx.words
        for i in range(len(words)):
            joined = ""
            for j in range(i, min(i + _SHORT_MAX_WORDS, len(words))):
                joined += words[j]
                if len(joined) > self.settings.short_phrase_chars:
                    break
                for idx in self._short.get(joined, ()):
                    out.append((idx, self._weighted(1.0, len(joined), n, True), ctx.word_offsets[i] + len(joined)))
        if ctx.has_cjk:
            for idx in self._cjk:
                p = self.phrases[idx].squashed
                at = ctx.squashed.rfind(p)
                if at >= 0:
                    out.append((idx, self._weighted(1.0, len(p), n, True), at + len(p)))
        # long phrases: those sharing enough trigrams, then fuzzy
        postings = self._postings
        counts = Counter(chain.from_iterable(postings.get(g, ()) for g in _trigrams(ctx.squashed)))
        cut, needed = self._cut, self._needed
        for idx, shared in counts.items():
            if shared < needed[idx]:
                continue
            p = self.phrases[idx].squashed
            if n < len(p):
                # the context is shorter than the phrase: it is (a damaged copy of) the phrase or not at all
                r = fuzz.ratio(p, ctx.squashed, score_cutoff=cut)
                if r:
                    out.append((idx, self._weighted(self._rescaled(r), len(p), n, True), n))
                continue
            al = fuzz.partial_ratio_alignment(p, ctx.squashed, score_cutoff=cut)
            if al is None:
                continue
            start = al.dest_start
            at_start = start in ctx.word_starts or (start - 1) in ctx.word_starts
            out.append((idx, self._weighted(self._rescaled(al.score), len(p), n, at_start), al.dest_end))
        return out


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The lexicon of ``lexicon.yaml``, loaded and indexed once per process."""
    return Lexicon(yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8")))


def label_similarity(context: str, anchored_end: bool = False) -> dict[str, float]:
    """Field -> similarity in [0, 1] of the words left of / above a value to the field's labels."""
    return lexicon().similarity(context, anchored_end)


class LexiconMatcher:
    """The lexicon as a label matcher for candidate features: ``names`` are its fields, ``scores`` their
    similarities to a context in that order (the shape extractors' feature code asks of a label matcher)."""

    def __init__(self, lex: Lexicon | None = None) -> None:
        self._lexicon = lex or lexicon()
        self.names: tuple[str, ...] = self._lexicon.fields

    def scores(self, text: str, anchored_end: bool) -> tuple[float, ...]:
        return self._lexicon.vector(text, anchored_end)
