"""Skip regex searches that cannot match: literal text every match must contain, checked with ``in``.

Vocabulary patterns are searched line by line, document after document, and almost always find
nothing; ``re.IGNORECASE`` patterns get none of the engine's literal-prefix speed-ups. A match of a
pattern always contains certain plain text (``needles``): the longest run of literal characters in
its top-level sequence, or, for an alternation, one such run per branch. A line whose case-folded
text holds none of them cannot match, and the search is skipped. The answers are the same as
searching every line: the folding is the engine's own (simple lower case plus its table of extra
equivalences), and a pattern that has no such literal is always searched.
"""

from __future__ import annotations

import _sre
import re
from dataclasses import dataclass
from functools import lru_cache

try:  # the regex engine's own parser and case table
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
    from re._casefix import _EXTRA_CASES
    from re._constants import BRANCH, LITERAL, SUBPATTERN
except ImportError:  # another Python: no needles, every search is run
    _sre_parse = None
    _EXTRA_CASES = {}
    BRANCH = LITERAL = SUBPATTERN = None


@dataclass(frozen=True)
class Literals:
    """Alternatives, each a group of (folded) literals that a match contains all of."""

    groups: tuple[tuple[str, ...], ...]
    # The longest literal of each group as one alternation (the engine scans for literals in C): a
    # text it does not find cannot hold any whole group.
    screen: re.Pattern[str]

    @classmethod
    def of(cls, groups: tuple[tuple[str, ...], ...]) -> Literals:
        longest = sorted({max(group, key=len) for group in groups}, key=len, reverse=True)
        return cls(groups, re.compile("|".join(re.escape(n) for n in longest)))

    def found_in(self, folded: str) -> bool:
        if self.screen.search(folded) is None:
            return False
        for group in self.groups:
            for literal in group:
                if literal not in folded:
                    break
            else:
                return True
        return False


Needles = Literals | None  # None: nothing is certain, the pattern must be searched


class _CaseFold(dict[int, str]):
    """``str.translate`` table folding each character as ``re.IGNORECASE`` compares it (simple lower
    case, then one representative of the engine's extra equivalences, e.g. "s" for "ſ")."""

    def __missing__(self, code: int) -> str:
        lower = _sre.unicode_tolower(code)
        folded = self[code] = chr(min((lower, *_EXTRA_CASES.get(lower, ()))))
        return folded


_FOLD = _CaseFold()


def fold(text: str) -> str:
    """Case-fold per character (length and offsets unchanged), as ``re.IGNORECASE`` compares."""
    return text.translate(_FOLD)


def may_match(needles: Needles, folded: str) -> bool:
    return needles is None or needles.found_in(folded)


@lru_cache(maxsize=1024)
def needles(pattern: re.Pattern[str]) -> Needles:
    """What every match of ``pattern`` contains (see ``Needles``), folded; None when nothing is certain."""
    if _sre_parse is None or not pattern.flags & re.IGNORECASE or pattern.flags & (re.VERBOSE | re.LOCALE):
        return None
    try:
        items = list(_sre_parse.parse(pattern.pattern, pattern.flags))
    except Exception:  # noqa: BLE001 - a private parser: without it, no shortcut
        return None
    found = _sequence_needles(items)
    return Literals.of(tuple(tuple(fold(n) for n in group) for group in found)) if found else None


def _sequence_needles(items: list[tuple[object, object]]) -> list[tuple[str, ...]] | None:
    """For a sequence, every item of which is matched once and in order: all its runs of literal
    characters (one alternative); without any, the alternatives of the first group or alternation
    whose every branch has needles of its own."""
    runs: list[str] = []
    run: list[str] = []
    nested: list[tuple[str, ...]] | None = None
    for op, av in items:
        if op is LITERAL:
            run.append(chr(av))  # type: ignore[arg-type]
            continue
        if run:
            runs.append("".join(run))
            run = []
        if nested is not None:
            continue
        if op is SUBPATTERN:
            nested = _sequence_needles(list(av[-1]))  # type: ignore[index]
        elif op is BRANCH:
            branches = [_sequence_needles(list(branch)) for branch in av[1]]  # type: ignore[index]
            if branches and all(branches):
                nested = [group for branch in branches for group in branch]  # type: ignore[union-attr]
    if run:
        runs.append("".join(run))
    if runs:
        return [tuple(runs)]
    return nested
