"""Party names as printed: "ТОО «Жезказган Промсервис»", "«QazFoodTech» АҚ", "Zhezkazgan Promservis LLP",
"江苏恒达机械设备有限公司", "ИП Сейткали Р.Б.", or a person's name ("Ван Вэй") after a role label.

``find_org_names`` finds every organisation name in a text; ``name_at_start`` reads the name that a
value region (the text right of / below a role label) begins with, stopping where the name ends
(closing quote, legal-form suffix) so addresses and identifiers that follow are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extractors.vocabulary import vocabulary

OPEN_Q = "«\"“„‘'"
CLOSE_Q = "»\"”“’'"
_UP = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІ"
_LOW = "a-zа-яёәғқңөұүһі"
_CJK = "\u3400-\u9fff"
_LAT = "A-Za-z0-9À-ÖØ-öø-ÿŞşĞğİıÇç"


@dataclass(frozen=True)
class NameMatch:
    start: int
    end: int
    name: str
    kind: str  # quoted | latin | cjk | person | entrepreneur


def _alt(items: list[str]) -> str:
    return "|".join(sorted(items, key=len, reverse=True))


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    voc = vocabulary()
    prefix = _alt([re.escape(p) for p in voc.legal_prefix])
    suffix = _alt([re.escape(s) for s in voc.legal_suffix])
    latin = _alt(voc.latin_suffix)
    cjk = _alt([re.escape(s) for s in voc.cjk_suffix])
    # The name inside quotes starts with a letter or digit: with ASCII quotes, the text between one
    # quoted word's closing quote and the next one's opening quote ('") ile X ("') is not a name.
    quoted_body = rf"[{OPEN_Q}](?=[\w])[^{CLOSE_Q}{OPEN_Q}\n]{{1,80}}(?:\n[^{CLOSE_Q}{OPEN_Q}\n]{{1,60}})?[{CLOSE_Q}]"
    return [
        # ТОО «X» / АО "X" (optionally followed by a Kazakh suffix as well)
        ("quoted", re.compile(rf"(?<![\w])(?:{prefix})\s*{quoted_body}(?:\s*(?:{suffix})(?![\w]))?")),
        # «X» ЖШС / «X» АҚ
        ("quoted", re.compile(rf"{quoted_body}\s*(?:{suffix})(?![\w])")),
        # Latin legal form ending a name ("… LLP", "… Co., Ltd.", "… GmbH"): the words before it are
        # collected by ``_latin_names`` walking back from the form.
        # ("Company No. 07654321" is a registration number, not a name)
        ("latin_suffix", re.compile(rf"(?<![\w])(?:{latin})(?![\w])(?!\s*(?:No\.?|Nr\.?|number|reg)\b)")),
        ("cjk", re.compile(rf"[{_CJK}（）()]{{2,40}}?(?:{cjk})")),
        # ИП / ЖК + surname and initials or a full name, without quotes
        (
            "entrepreneur",
            re.compile(
                rf"(?<![\w])(?:ИП|ЖК|IE)\s+[{_UP}][{_LOW}-]+(?:\s+[{_UP}]\.\s?[{_UP}]\.|(?:\s+[{_UP}][{_LOW}-]+){{1,2}})"
            ),
        ),
        # A quoted name without legal form ("«Технологический инжиниринг»")
        ("bare_quoted", re.compile(quoted_body)),
    ]


# OCR reads the Cyrillic legal forms ТОО / АО as their Latin look-alikes.
_LATIN_LOOKALIKE_FORMS = {"TOO": "ТОО", "AO": "АО", "AK": "АҚ", "AҚ": "АҚ", "TOO.": "ТОО"}


def _tidy(name: str) -> str:
    name = re.sub(r"\s*\n\s*", " ", name)
    # Only with guillemets, the Russian/Kazakh quoting: 'AO "Bank…"' in an English text stays Latin.
    m = re.match(r"^([A-Z]{2,3}\.?)(\s*«)", name)
    if m and m.group(1) in _LATIN_LOOKALIKE_FORMS:
        name = _LATIN_LOOKALIKE_FORMS[m.group(1)] + name[len(m.group(1)) :]
    tail = re.search(r"(»)\s*(AK|AҚ|TOO|AO)$", name)
    if tail:
        name = name[: tail.start(2)] + _LATIN_LOOKALIKE_FORMS[tail.group(2)]
    name = re.sub(r"\s+", " ", name).strip(" ,;:")
    # Quotes typed as ASCII or curly: keep as printed, but drop spaces inside them.
    name = re.sub(r"([«“„])\s+", r"\1", name)
    name = re.sub(r"\s+([»”])", r"\1", name)
    return name


@lru_cache(maxsize=1)
def _latin_stop() -> frozenset[str]:
    """Words that end a Latin name when walking back from its legal form (vocabulary.yaml)."""
    return frozenset(w.lower() for w in vocabulary().raw["latin_name_stopwords"])


_LATIN_WORD = re.compile(rf"^[{_LAT}&.'’-]+,?$")


@lru_cache(maxsize=1)
def _latin_particles() -> frozenset[str]:
    """Lower-case particles of family names (vocabulary.yaml ``latin_name_particles``)."""
    return frozenset(w.lower() for w in vocabulary().raw["latin_name_particles"])


def _particle_run_continues(text: str, particle_start: int) -> bool:
    """True when the particles ending at ``particle_start`` (walking back) follow a capitalised word on the same
    line: "Van der Meer", "Meyer von der Heide" continue; "mit der Weber" does not."""
    before = text[:particle_start].split("\n")[-1].split()
    while before and before[-1].lower() in _latin_particles() and before[-1][:1].islower():
        before.pop()
    if not before:
        return False
    word = before[-1]
    return word[:1].isupper() and bool(_LATIN_WORD.match(word)) and word.lower() not in _latin_stop()


@lru_cache(maxsize=1)
def _latin_suffix_re() -> re.Pattern[str]:
    return re.compile(_alt(vocabulary().latin_suffix))


def _latin_names(text: str, suffix: re.Match[str]) -> NameMatch | None:
    """Walk back from a Latin legal form over the words of the name (at most eight, within two lines)."""
    start = suffix.start()
    words: list[tuple[int, str]] = []
    pos = start
    lines_crossed = 0
    for tok in reversed(list(re.finditer(r"\S+", text[:start]))):
        gap = text[tok.end() : pos]
        lines_crossed += gap.count("\n")
        if lines_crossed > 1 or len(words) >= 8:
            break
        word = tok.group(0)
        # A token glued to other script ("：Zhezkazgan", "（BIN") contributes its Latin tail only.
        tail = re.search(rf"[{_LAT}&.'’-]+,?$", word)
        if tail is None:
            break
        if tail.start() > 0:
            words.append((tok.start() + tail.start(), tail.group(0)))
            break
        clean = word.rstrip(",")
        if _latin_suffix_re().fullmatch(clean):
            break  # another name's legal form: that name ended there
        if clean.lower() in _latin_particles() and _particle_run_continues(text, tok.start()):
            words.append((tok.start(), word))
            pos = tok.start()
            continue
        if not _LATIN_WORD.match(word) or clean.lower() in _latin_stop() or re.search(r"\d", clean) and not re.search(
            r"[A-Za-z]", clean
        ):
            break
        if word.endswith(",") and words:
            break  # "…, Wuxi, Jiangsu Ltd" — a comma ends the name unless it precedes the legal form
        if word.endswith((":", ";")):
            break
        words.append((tok.start(), word))
        pos = tok.start()
    while words and not words[-1][1][:1].isupper():
        words.pop()  # a name starts with a capital ("registration Company" is not one)
    if not words:
        return None
    first = words[-1][0]
    raw = text[first : suffix.end()]
    return NameMatch(first, suffix.end(), _tidy(raw), "latin")


def find_org_names(text: str) -> list[NameMatch]:
    """All organisation names in ``text``, left to right, without overlaps."""
    found: list[NameMatch] = []
    for kind, pattern in _patterns():
        if kind == "bare_quoted":
            continue
        for m in pattern.finditer(text):
            if kind == "latin_suffix":
                latin = _latin_names(text, m)
                if latin is not None:
                    found.append(latin)
                continue
            found.append(NameMatch(m.start(), m.end(), _tidy(m.group(0)), kind))
    found.sort(key=lambda n: (n.start, -(n.end - n.start)))
    out: list[NameMatch] = []
    for n in found:
        if out and n.start < out[-1].end:
            continue
        if n.kind == "latin" and not _plausible_latin(n.name):
            continue
        out.append(n)
    return out


def _plausible_latin(name: str) -> bool:
    words = name.split()
    # "BIN 111040086517, AO" or a bank line is not a company name.
    return len(words) >= 2 and not re.search(r"\d{6,}", name) and sum(w[0].isupper() for w in words) >= 1


_PERSON = re.compile(
    rf"^[{_UP}][{_LOW}'-]+(?:\s+[{_UP}][{_LOW}'-]+){{1,3}}(?![\w.])|^[{_UP}][{_LOW}-]+\s+[{_UP}]\.\s?[{_UP}]\."
)
# Words that start a new field right after a name: identifiers, addresses, banks.
_STOP = re.compile(
    r"(?:\b(?:ИИН|БИН|ЖСН|БСН|ИИК|ЖСК|БИК|БСК|IBAN|BIN|IIN|SWIFT|КБе|КОд|Кбе|ЖК\s+\d|БК\s+\d|паспорт|адрес|"
    r"мекенжай\w*|address|банк|bank)\b|\d{4,}|[,;(])",
    re.IGNORECASE,
)


def name_at_start(text: str, allow_person: bool = True, max_offset: int = 40) -> NameMatch | None:
    """The name a value region begins with (within ``max_offset`` characters of its first line).

    An organisation name may wrap onto the next lines (an open quote closes there); a name that
    starts on a later line belongs to something else (a bank under the payer, say).
    """
    lead = text.lstrip(" :\n-–—")
    offset = len(text) - len(lead)
    first_line = lead.split("\n", 1)[0]
    for n in find_org_names(lead):
        if n.start <= min(max_offset, len(first_line)):
            return NameMatch(n.start + offset, n.end + offset, n.name, n.kind)
        break
    m = _patterns()[-1][1].match(lead)  # bare quoted name right at the start
    if m:
        return NameMatch(offset + m.start(), offset + m.end(), _tidy(m.group(0)), "quoted")
    if allow_person:
        stop = _STOP.search(first_line)
        head = first_line[: stop.start()] if stop else first_line
        pm = _PERSON.match(head.strip())
        if pm:
            lead_ws = len(head) - len(head.lstrip())
            return NameMatch(offset + lead_ws, offset + lead_ws + pm.end(), _tidy(pm.group(0)), "person")
    return None


def name_before(text: str, end: int, window: int = 160) -> NameMatch | None:
    """The last organisation name that ends within ``window`` characters before ``end``."""
    lo = max(0, end - window)
    names = [n for n in find_org_names(text[lo:end])]
    if not names:
        return None
    n = names[-1]
    return NameMatch(n.start + lo, n.end + lo, n.name, n.kind)


def normalise_for_compare(name: str) -> str:
    """Lower-case letters and digits only: to match the same name across documents and scripts."""
    return re.sub(r"[^\w]+", " ", name.lower()).strip()


@lru_cache(maxsize=1)
def _legal_form_tokens() -> frozenset[str]:
    voc = vocabulary()
    forms = voc.legal_prefix + voc.legal_suffix + [re.sub(r"\\(.)", r"\1", s) for s in voc.latin_suffix]
    return frozenset(normalise_for_compare(f) for f in forms if normalise_for_compare(f))


def core_name(name: str) -> str:
    """A name without its legal form, for matching the same organisation written differently
    ("ТОО «Костанай Агромаш»", "«Костанай Агромаш» ЖШС", a seal's "КОСТАНАЙ АГРОМАШ * Г. КОСТАНАЙ")."""
    text = f" {normalise_for_compare(name)} "
    for form in sorted(_legal_form_tokens(), key=len, reverse=True):
        text = text.replace(f" {form} ", " ")
    return " ".join(text.split())
