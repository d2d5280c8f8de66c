"""Amounts written in words -> numbers (Russian, Kazakh, English, French, German), robust to mild OCR noise.

``words_to_number("Два миллиона восемьсот двадцать две тысячи четыреста тенге 00 тиын")`` gives
``Decimal("2822400.00")``. The parser returns ``None`` whenever it is not sure (an unknown word in the
middle of the number, words in an impossible order), because a wrong parse would accuse the applicant
of a mismatch: the caller then skips the check.

Structure understood: ``<integer in words> [<currency>] [<fraction in digits or words> <minor unit>]``,
e.g. "... теңге 00 тиын", "... yuan and 00 fen", "... долларов США 00 центов", "... евро 00 евроцентов",
"deux mille trois cent quarante-cinq euros et 50 centimes", "zweitausenddreihundertfünfundvierzig Euro".
French tens above sixty ("soixante-dix", "quatre-vingt-dix-neuf") and German compounds ("fünfundvierzig":
units before tens, written as one word) are rewritten into the order the parser reads before parsing.

Why one file: the amount in words is parsed by one grammar per language (Russian, Kazakh, English, French,
German) sharing the number-word tables; split by language the tables would be repeated.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import Enum

from rapidfuzz import fuzz, process

from extractors.vocabulary import KAZAKH_FOLD

# --------------------------------------------------------------------------- vocabulary

_UNITS_RU = {
    "ноль": 0,
    "один": 1,
    "одна": 1,
    "одно": 1,
    "два": 2,
    "две": 2,
    "три": 3,
    "четыре": 4,
    "пять": 5,
    "шесть": 6,
    "семь": 7,
    "восемь": 8,
    "девять": 9,
    "десять": 10,
    "одиннадцать": 11,
    "двенадцать": 12,
    "тринадцать": 13,
    "четырнадцать": 14,
    "пятнадцать": 15,
    "шестнадцать": 16,
    "семнадцать": 17,
    "восемнадцать": 18,
    "девятнадцать": 19,
    "двадцать": 20,
    "тридцать": 30,
    "сорок": 40,
    "пятьдесят": 50,
    "шестьдесят": 60,
    "семьдесят": 70,
    "восемьдесят": 80,
    "девяносто": 90,
    "сто": 100,
    "двести": 200,
    "триста": 300,
    "четыреста": 400,
    "пятьсот": 500,
    "шестьсот": 600,
    "семьсот": 700,
    "восемьсот": 800,
    "девятьсот": 900,
}
_UNITS_KK = {
    "нөл": 0,
    "бір": 1,
    "екі": 2,
    "үш": 3,
    "төрт": 4,
    "бес": 5,
    "алты": 6,
    "жеті": 7,
    "сегіз": 8,
    "тоғыз": 9,
    "он": 10,
    "жиырма": 20,
    "отыз": 30,
    "қырық": 40,
    "елу": 50,
    "алпыс": 60,
    "жетпіс": 70,
    "сексен": 80,
    "тоқсан": 90,
}
_UNITS_EN = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_UNITS_FR = {
    "zéro": 0,
    "zero": 0,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
    "vingt": 20,
    "vingts": 20,
    "trente": 30,
    "quarante": 40,
    "cinquante": 50,
    "soixante": 60,
    # written as one token by _french_tens: 70-79, 80, 90-99 (see _tokens)
    "quatrevingt": 80,
    **{
        f"{head}{tail}": base + value
        for head, base in (("soixante", 60), ("quatrevingt", 80))
        for tail, value in (
            ("dix", 10), ("onze", 11), ("douze", 12), ("treize", 13), ("quatorze", 14), ("quinze", 15),
            ("seize", 16), ("dixsept", 17), ("dixhuit", 18), ("dixneuf", 19),
        )
    },
}
_UNITS_DE = {
    "null": 0,
    "ein": 1,
    "eins": 1,
    "eine": 1,
    "einen": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "fuenf": 5,
    "sechs": 6,
    "sieben": 7,
    "acht": 8,
    "neun": 9,
    "zehn": 10,
    "elf": 11,
    "zwölf": 12,
    "zwoelf": 12,
    "dreizehn": 13,
    "vierzehn": 14,
    "fünfzehn": 15,
    "sechzehn": 16,
    "siebzehn": 17,
    "achtzehn": 18,
    "neunzehn": 19,
    "zwanzig": 20,
    "dreißig": 30,
    "dreissig": 30,
    "vierzig": 40,
    "fünfzig": 50,
    "sechzig": 60,
    "siebzig": 70,
    "achtzig": 80,
    "neunzig": 90,
}
# Words that multiply the preceding digit by a hundred (Kazakh, English, German and French say "nine
# hundred").
_HUNDRED_WORDS = {"жүз", "hundred", "hundert"}
# French "cent(s)" is a hundred before the currency and the English minor unit after it (see _parse).
_CENT = {"cent", "cents"}
_SCALES = {
    **{w: 10**3 for w in ("тысяча", "тысячи", "тысяч", "мың", "thousand", "tausend", "mille")},
    **{w: 10**6 for w in ("миллион", "миллиона", "миллионов", "million", "millions", "millionen")},
    **{w: 10**9 for w in ("миллиард", "миллиарда", "миллиардов", "billion", "milliard", "milliards",
                          "milliarde", "milliarden")},
}
_MAJOR_UNITS = {
    "тенге",
    "теңге",
    "тг",
    "kzt",
    "tenge",
    "юань",
    "юаня",
    "юаней",
    "юани",
    "юаны",
    "yuan",
    "renminbi",
    "rmb",
    "cny",
    "доллар",
    "доллара",
    "долларов",
    "dollar",
    "dollars",
    "usd",
    "евро",
    "euro",
    "euros",
    "eur",
    "рубль",
    "рубля",
    "рублей",
    "ruble",
    "rubles",
    "rub",
    "лира",
    "лиры",
    "лир",
    "lira",
    "liras",
    "try",
}
_MINOR_UNITS = {
    "тиын",
    "тиына",
    "тиынов",
    "тиыны",
    "тийын",
    "tiyn",
    "фэнь",
    "фэня",
    "фэней",
    "фень",
    "феня",
    "феней",
    "fen",
    "цент",
    "цента",
    "центов",
    "евроцент",
    "евроцента",
    "евроцентов",
    "cent",
    "cents",
    "копейка",
    "копейки",
    "копеек",
    "kopeck",
    "kopecks",
    "куруш",
    "kuruş",
    "kurus",
    "centime",
    "centimes",
}
# Words that may stand between the parts without changing the value.
_FILLERS = {"и", "and", "et", "und", "d", "de", "сша", "us", "usa", "американских", "китайских", "народных", "рк",
            "республики"}

# OCR often drops the Kazakh letters' diacritics and mixes Latin look-alikes into Cyrillic words;
# both the vocabulary and the input are folded the same way before lookup.
_LATIN_TO_CYR = str.maketrans("aceopxyki", "асеорхуки")


def _fold(token: str) -> str:
    t = token.lower().replace("ё", "е")
    if re.search(r"[а-яәғқңөұүһі]", t):
        t = t.translate(_LATIN_TO_CYR)
    return t.translate(KAZAKH_FOLD)


class _Kind(Enum):
    NUMBER = "number"
    HUNDRED = "hundred"
    SCALE = "scale"
    MAJOR = "major"
    MINOR = "minor"
    FILLER = "filler"


_VOCAB: dict[str, tuple[_Kind, int]] = {}
for _words, _kind in (
    ({**_UNITS_RU, **_UNITS_KK, **_UNITS_EN, **_UNITS_FR, **_UNITS_DE}, _Kind.NUMBER),
    ({w: 100 for w in _HUNDRED_WORDS}, _Kind.HUNDRED),
    (_SCALES, _Kind.SCALE),
    ({w: 0 for w in _MAJOR_UNITS}, _Kind.MAJOR),
    ({w: 0 for w in _MINOR_UNITS}, _Kind.MINOR),
    ({w: 0 for w in _FILLERS}, _Kind.FILLER),
):
    for _w, _v in _words.items():
        _VOCAB[_fold(_w)] = (_kind, _v)
_FUZZY_KEYS = [k for k in _VOCAB if len(k) >= 5]
_FUZZY_MIN_SCORE = 85.0
_FUZZY_MIN_LEN = 5


def _lookup(token: str) -> tuple[_Kind, int] | None:
    key = _fold(token)
    hit = _VOCAB.get(key)
    if hit is not None or len(key) < _FUZZY_MIN_LEN:
        return hit
    # OCR noise ("чегыреста"): accept a close match only when it is unambiguous.
    best = process.extract(key, _FUZZY_KEYS, scorer=fuzz.ratio, limit=2, score_cutoff=_FUZZY_MIN_SCORE)
    if not best:
        return None
    if len(best) == 2 and _VOCAB[best[0][0]] != _VOCAB[best[1][0]] and best[0][1] - best[1][1] < 5:
        return None
    return _VOCAB[best[0][0]]


class _Unsure(Exception):
    """The words do not form a number we can trust."""


class _Accumulator:
    """Builds an integer from number words, rejecting impossible orders ("пять двадцать")."""

    def __init__(self) -> None:
        self.total = 0
        self.group = 0  # the part below the last scale word
        self.last_scale: int | None = None
        self.seen = False

    def number(self, v: int) -> None:
        low = self.group % 100
        if v >= 100:  # Russian hundreds are single words
            if self.group:
                raise _Unsure
        elif v >= 10:
            if low:
                raise _Unsure
        elif v >= 1 and (low % 10 or 11 <= low <= 19):
            raise _Unsure
        self.group += v
        self.seen = True

    def hundred(self) -> None:
        if self.group >= 10:
            raise _Unsure
        self.group = (self.group or 1) * 100
        self.seen = True

    def scale(self, s: int) -> None:
        if self.last_scale is not None and s >= self.last_scale:
            raise _Unsure
        self.total += (self.group or 1) * s
        self.group = 0
        self.last_scale = s
        self.seen = True

    @property
    def value(self) -> int:
        return self.total + self.group


# French 70-79 and 90-99 say "sixty-ten", "four-twenty-ten": one token each, so that the parser does not
# see a ten after a ten ("soixante-dix-sept" -> "soixantedixsept", "quatre-vingts" -> "quatrevingt").
_FRENCH_TENS = re.compile(
    r"\b(soixante|quatre[\s-]+vingts?)(?:[\s-]+et)?[\s-]+"
    r"(dix[\s-]+(?:sept|huit|neuf)|dix|onze|douze|treize|quatorze|quinze|seize)\b"
)
_FRENCH_EIGHTY = re.compile(r"\bquatre[\s-]+vingts?\b")


def _french_tens(text: str) -> str:
    text = _FRENCH_TENS.sub(lambda m: re.sub(r"[\s-]+|s$", "", m.group(1)).replace("vingts", "vingt")
                            + re.sub(r"[\s-]+", "", m.group(2)), text)
    return _FRENCH_EIGHTY.sub("quatrevingt", text)


# German writes numbers below a million as one word: "zweitausenddreihundertfünfundvierzig".
_GERMAN_PARTS = sorted(
    [w for w in _UNITS_DE if w != "einen"] + ["hundert", "tausend", "und"], key=len, reverse=True
)
_GERMAN_UNITS = {w for w, v in _UNITS_DE.items() if 1 <= v <= 9}
_GERMAN_TENS = {w for w, v in _UNITS_DE.items() if v >= 20}
_GERMAN_COMPOUND_MIN = 6  # "einhundert", "zweiund…": shorter words are single number words


def _german_parts(word: str) -> list[str] | None:
    """A German number compound split into its parts ("fünfundvierzig" -> fünf, und, vierzig), or None."""
    if len(word) < _GERMAN_COMPOUND_MIN or word in _VOCAB or not word.isascii() and not re.search("[äöüß]", word):
        return None

    def split(rest: str) -> list[str] | None:
        if not rest:
            return []
        for part in _GERMAN_PARTS:
            if rest.startswith(part):
                tail = split(rest[len(part) :])
                if tail is not None:
                    return [part, *tail]
        return None

    parts = split(word)
    return parts if parts and len(parts) > 1 else None


def _german_order(tokens: list[str]) -> list[str]:
    """German says the unit before the tens ("fünf und vierzig"): put the tens first, as the parser reads."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if i + 2 < len(tokens) and tokens[i] in _GERMAN_UNITS and tokens[i + 1] == "und" and tokens[i + 2] in _GERMAN_TENS:
            out += [tokens[i + 2], tokens[i]]
            i += 3
        else:
            out.append(tokens[i])
            i += 1
    return out


# The minor units as a fraction of a hundred ("... thousand and 00/100 dollars", a cheque's and invoice's habit).
_HUNDREDTHS = re.compile(r"\b(\d{1,2})\s*/\s*100\b")


def _tokens(text: str) -> list[str]:
    text = _HUNDREDTHS.sub(r"\1", text)
    words = re.findall(r"\d+|[^\W\d_]+", _french_tens(text.lower().replace("ё", "е")))
    split: list[str] = []
    for w in words:
        split.extend(_german_parts(w) or [w])
    return _german_order(split)


def words_to_number(text: str | None) -> Decimal | None:
    """The amount that ``text`` spells out, or None when it cannot be read with confidence."""
    if not text or not text.strip():
        return None
    try:
        return _parse(_tokens(text))
    except _Unsure:
        return None


def _parse(tokens: list[str]) -> Decimal | None:
    integer = _Accumulator()
    fraction = _Accumulator()
    fraction_digits: str | None = None
    state = "integer"
    unknown_after_number = False

    for i, tok in enumerate(tokens):
        if tok.isdigit():
            if state == "integer" and not integer.seen:
                continue  # the figure printed before the words: "9 408 000 (Девять миллионов ...)"
            if fraction_digits is not None or fraction.seen or len(tok) > 2:
                raise _Unsure
            fraction_digits = tok
            state = "fraction"
            continue
        hit = _lookup(tok)
        kind = hit[0] if hit else None
        if tok in _CENT and state == "integer" and i + 1 < len(tokens):
            kind = _Kind.HUNDRED  # French "deux cents euros"; at the end or after the currency: English cents
        if state == "integer":
            if kind is None:
                if integer.seen:
                    # an unknown currency, or garbage inside the number: decided by what follows
                    unknown_after_number = True
                continue
            if kind in (_Kind.NUMBER, _Kind.HUNDRED, _Kind.SCALE) and unknown_after_number:
                raise _Unsure
            if kind is _Kind.NUMBER:
                integer.number(hit[1])  # type: ignore[index]
            elif kind is _Kind.HUNDRED:
                integer.hundred()
            elif kind is _Kind.SCALE:
                integer.scale(hit[1])  # type: ignore[index]
            elif kind is _Kind.MAJOR and integer.seen:
                state = "fraction"
            elif kind is _Kind.MINOR:
                if not unknown_after_number:
                    # A minor unit right after the number words, no currency between: the phrase lost its middle
                    # ("Десять миллионов сто" + "тиын" of a wrapped cell whose middle line went elsewhere).
                    raise _Unsure
                break
        elif state == "fraction":
            if kind is _Kind.MINOR:
                break
            if kind is _Kind.NUMBER and fraction_digits is None:
                fraction.number(hit[1])  # type: ignore[index]
            elif kind in (_Kind.FILLER, _Kind.MAJOR) or kind is None:
                continue
            else:
                raise _Unsure
    if not integer.seen:
        return None
    cents = int(fraction_digits) if fraction_digits is not None else fraction.value
    if cents > 99:
        raise _Unsure
    return Decimal(integer.value) + Decimal(cents) / 100


def words_lost_leading_part(total: float, spelt: float) -> bool:
    """Words whose value is the figure's tail ("четыре миллиона …" for 104 208 000): OCR dropped the
    first word(s) of the phrase, at the line start next to its label; the figures stand."""
    figure, words = f"{total:.2f}", f"{spelt:.2f}"
    return len(words) < len(figure) and figure.endswith(words)
