"""A party's BIN read from its round seal, when the party's own block on the page prints none.

Seal lettering is kept out of the page's words (``PageText.seals``, filled by the text-layer reader)
because it crosses other lines. Many seals print the organisation's name along the ring and its
BIN in the centre ("ТОО «X» * г. Алматы" around "БИН 111040086517"), and on work reports, strategies
and signature pages the seal is often the only place the BIN appears. A seal counts for a party only
when the name on its ring is that party's name (fuzzy: legal forms, quotes and the ring's arbitrary
starting point do not matter) and fits no other party of the document better; its BIN is then used with
a lower confidence than a BIN printed in the party's requisites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from extractors.found import Found
from extractors.id_values import parse_bins
from extractors.identifiers import is_valid_bin
from extractors.names import core_name
from extractors.view import DocView, VWord
from models.domain import BBox, Word

# rapidfuzz partial_ratio (0..100) between a party's name and a seal's ring text that makes them one.
SEAL_NAME_MIN_SCORE = 85.0
# Names shorter than this (after the legal form is dropped) match too many rings by chance.
SEAL_NAME_MIN_CHARS = 3
# How much a BIN read from a seal is believed compared with one in the party's requisites.
SEAL_BIN_FACTOR = 0.8
# Lettering such as "БИН111040086517": the label glued to the digits still marks a BIN.
_GLUED_LABEL = re.compile(r"(?<=[^\W\d_])(?=\d)")


@dataclass(frozen=True)
class SealReading:
    page: int
    bbox: BBox
    ring: str  # the ring lettering without legal forms, lower-case
    bin: str
    bin_word: Word  # where the BIN is printed (the seal's box when it sits on the ring)


def seal_readings(view: DocView) -> list[SealReading]:
    """Seals of the document that print exactly one BIN (two different ones: whose is whose is unknown)."""
    out: list[SealReading] = []
    for page in view.doc.pages:
        for seal in page.seals:
            found: dict[str, Word] = {}
            for word in seal.words:
                for value in _valid_bins(word.text):
                    found.setdefault(value, word)
            for ring in seal.rings:
                for value in _valid_bins(ring):
                    found.setdefault(value, Word(text=value, bbox=seal.bbox))
            if len(found) != 1:
                continue
            (value, word), = found.items()
            ring_text = " ".join(core_name(r) for r in seal.rings)
            out.append(SealReading(page.page_no, seal.bbox, ring_text, value, word))
    return out


def _valid_bins(text: str) -> list[str]:
    """BINs in seal lettering. A fallback must not invent a wrong BIN: the check digit has to hold."""
    return [value for _, _, value, _ in parse_bins(_GLUED_LABEL.sub(" ", text)) if is_valid_bin(value)]


def name_score(name: str, seal: SealReading) -> float:
    """How well a party's name matches the seal's ring (0..100). A ring has no start: read it twice."""
    core = core_name(name)
    if len(core.replace(" ", "")) < SEAL_NAME_MIN_CHARS or not seal.ring:
        return 0.0
    ring = f"{seal.ring} {seal.ring}"
    # Ring lettering is spaced out along the circle: OCR of a scanned seal splits its words into
    # letters ("Т О О « Э к о Э н е р г о") or runs them together, so spaces prove nothing either way.
    return float(
        max(fuzz.partial_ratio(core, ring), fuzz.partial_ratio(core.replace(" ", ""), ring.replace(" ", "")))
    )


def seal_bin(view: DocView, name: str, other_names: list[str], taken_bins: set[str]) -> Found | None:
    """The BIN on the seal that bears ``name`` (and not a name in ``other_names`` at least as well)."""
    best: tuple[float, SealReading] | None = None
    for seal in seal_readings(view):
        if seal.bin in taken_bins:
            continue
        score = name_score(name, seal)
        if score < SEAL_NAME_MIN_SCORE:
            continue
        if any(name_score(other, seal) >= score for other in other_names if core_name(other) != core_name(name)):
            continue
        if best is None or score > best[0]:
            best = (score, seal)
    if best is None:
        return None
    seal = best[1]
    word = VWord(page=seal.page, line=-1, pos=0, word=seal.bin_word)
    return Found(value=seal.bin, raw=seal.bin_word.text, words=[word], factor=SEAL_BIN_FACTOR)
