"""The parties of a document: role, name as printed, BIN/IIN, IBAN, BIC.

Several independent readings propose (role, name) candidates, and the best-supported name wins per role:

* label (``extractors.party_labels``): a role label used as a label ("Заказчик:", "Отправитель денег:",
  "Өнім беруші:", "Seller", "甲方") with a name right of it or in the cell / column under it; its
  identifiers are read in the label's band (the rows under it, within its column, until the next role label);
* designation: a name followed by its role in the preamble ("ТОО «X», именуемое в дальнейшем
  «Заказчик»", "hereinafter the "Contractor"", "ЖК Сейткали Р.Б. (Орындаушы)");
* prose: a role word in running text directly followed by a name ("специалистом Ван Вэй");
* first organisation: for one-party documents (application, consent, strategy, payroll).

A party's BIN is the one in its label band, else one printed right after its name anywhere in the
document ("ТОО «X» (БИН 111040086517)"), else the one on the seal that bears its name (a weaker
fallback, ``extractors.seals``). Foreign parties usually have none: then bin stays None.
"""

from __future__ import annotations

import re
from functools import lru_cache

from extractors.found import Found
from extractors.id_values import parse_bins
from extractors.identifiers import bic_for_iban
from extractors.names import NameMatch, find_org_names, name_at_start, name_before, normalise_for_compare
from extractors.ner import persons
from extractors.party_candidates import (
    BANK,
    W_ADDRESSEE,
    W_DESIGNATION,
    W_FIRST_ORG,
    W_LETTERHEAD,
    W_PROSE,
    Candidate,
)
from extractors.party_labels import label_candidates
from extractors.regions import find_hits, first_value, right_region
from extractors.seals import seal_bin
from extractors.swift_mt import MtMessage
from extractors.swift_mt import party_candidates as message_parties
from extractors.view import DocView, VLine
from extractors.vocabulary import vocabulary
from models.domain import DocType, Party

ROLE_SETS: dict[DocType, tuple[str, ...]] = {
    DocType.CONTRACT: ("customer", "supplier"),
    DocType.PAYMENT_ORDER: ("payer", "beneficiary"),
    DocType.ACT_OF_WORK: ("supplier", "customer"),
    DocType.INVOICE: ("supplier", "customer"),
    DocType.WORK_REPORT: ("supplier", "customer"),
    DocType.PAYROLL: ("employer",),
    DocType.APPLICATION_FORM: ("applicant",),
    DocType.STATISTICS_CONSENT: ("applicant",),
    DocType.DIGITAL_STRATEGY: ("applicant",),
}
EMPLOYMENT_ROLES = ("employer", "employee")
_EMPLOYMENT = re.compile(
    r"трудов\w+\s+договор|еңбек\s+шарт|employment\s+(?:contract|agreement)|arbeitsvertrag|i[şs]\s+s[öo]zle[şs]mesi",
    re.IGNORECASE,
)

# Letterhead: the issuer's name starts one of the first lines of the first page, above the title.
LETTERHEAD_LINES = 3
# Documents issued by the supplier to the customer: a letterhead names the supplier, an addressee the customer.
ISSUED_BY_SUPPLIER = (DocType.INVOICE, DocType.ACT_OF_WORK, DocType.WORK_REPORT)

AMBIGUOUS_FACTOR = 0.75
_ID_LABEL = re.compile(
    r"(?:ИИН|БИН|ЖСН|БСН|BIN|IIN)(?:\s*/\s*(?:ИИН|БИН|ЖСН|БСН|BIN|IIN))?\s*[:№]?\s*$", re.IGNORECASE
)


def roles_for(doc_type: DocType, view: DocView) -> tuple[str, ...]:
    roles = ROLE_SETS.get(doc_type, ())
    if doc_type in (DocType.CONTRACT, DocType.WORK_REPORT) and _is_employment(view):
        return EMPLOYMENT_ROLES
    return roles


def _is_employment(view: DocView) -> bool:
    if not _EMPLOYMENT.search(view.text):
        return False
    voc = vocabulary()
    return bool(voc.label("employer").search(view.text) or voc.label("employee").search(view.text))


def extract_parties(view: DocView, doc_type: DocType, message: MtMessage | None = None) -> list[Party]:
    """The document's parties; ``message``: a SWIFT message copy on the page (``extractors.swift_mt``), whose
    ordering customer and beneficiary are candidates too."""
    roles = roles_for(doc_type, view)
    if not roles:
        return []
    candidates: list[Candidate] = []
    unnamed_bins: dict[str, Found] = {}
    candidates += label_candidates(view, roles, unnamed_bins)
    candidates += _designation_candidates(view, roles)
    candidates += _prose_candidates(view, roles)
    if message is not None:
        candidates += message_parties(view, message, roles)
    if len(roles) == 1 or "employer" in roles:
        candidates += _first_org_candidates(view, roles)
    if doc_type in ISSUED_BY_SUPPLIER and "supplier" in roles:
        candidates += _letterhead_candidates(view)
        candidates += _addressee_candidates(view)
    chosen = _choose(candidates, roles)
    taken = {g[0].key for g in chosen.values() if g}
    parties: list[Party] = []
    for role in roles:
        group = chosen.get(role)
        if not group:
            # The name is unreadable (a torn OCR line) but the BIN under the role's label is not:
            # the party is still identified by it.
            if role in unnamed_bins:
                parties.append(Party(role=role, bin=unnamed_bins[role].to_value()))
            continue
        best = max(c.weight for c in group)
        # Another name offered for the same role with similar support makes the choice ambiguous.
        rivals = [c for c in candidates if c.role == role and c.key not in taken and c.weight >= 0.9 * best]
        party = _party_from_group(view, role, group, single_party=len(roles) == 1, band_bin=unnamed_bins.get(role))
        if rivals and party.name is not None:
            party.name.confidence = round(party.name.confidence * AMBIGUOUS_FACTOR, 3)
        parties.append(party)
    _bins_from_seals(view, parties)
    return _without_repeated_bins(parties)


def _without_repeated_bins(parties: list[Party]) -> list[Party]:
    """A party known by its BIN alone is dropped when a named party already has that BIN."""
    named = {str(p.bin.value) for p in parties if p.name is not None and p.bin is not None}
    return [p for p in parties if p.name is not None or p.bin is None or str(p.bin.value) not in named]


def _bins_from_seals(view: DocView, parties: list[Party]) -> None:
    """A party whose requisites print no BIN takes the one on its own seal (see ``extractors.seals``)."""
    names = [str(p.name.value) for p in parties if p.name is not None]
    taken = {str(p.bin.value) for p in parties if p.bin is not None}
    for party in parties:
        if party.bin is not None or party.name is None:
            continue
        name = str(party.name.value)
        found = seal_bin(view, name, [n for n in names if n != name], taken)
        if found is not None:
            party.bin = found.to_value()
            taken.add(str(found.value))


# ---------------------------------------------------------------------- designation strategy

_DESIGNATION = re.compile(
    r"(?P<lead>именуем\w*(?:\s*\(\w{0,4}\))?\s+(?:в\s+дальнейшем\s+)?|далее\s*[-–—]?\s*|"
    r"hereinafter(?:\s+(?:referred\s+to\s+as|called))?(?:\s+the)?\s+|nachfolgend(?:\s+(?:als|der|die))?\s+|"
    r"бұдан\s+әрі\s+|bundan\s+(?:böyle|sonra)\s+|以下简称\s*)?"
    r"(?P<open>[«\"“„(（])\s*(?P<inner>(?:далее|hereinafter|nachfolgend|bundan\s+(?:böyle|sonra)|бұдан\s+әрі)\s*[-–—:]?\s*(?:the\s+)?[«\"“„]?|"
    # an English defined term: (the "Customer")
    r"the\s+[\"“„«])?"
    r"(?P<role>[^»\"”“)）]{2,30}?)\s*[»\"”“]?\s*[»\"”“)）]",
    re.IGNORECASE,
)


def _designation_candidates(view: DocView, roles: tuple[str, ...]) -> list[Candidate]:
    voc = vocabulary()
    text = view.text
    out: list[Candidate] = []
    clause_start = 0
    for m in _DESIGNATION.finditer(text):
        role_word = re.sub(r"\s+", " ", m.group("role")).strip()
        role = next((r for r in roles if voc.label(r).fullmatch(role_word)), None)
        if role is None:
            continue
        # "(далее – Исполнитель)" declares a role like "именуемое в дальнейшем «Исполнитель»" does.
        lead = m.group("lead") or m.group("inner")
        if not lead and m.group("open") not in "(（":
            continue
        anchor = m.start()
        window_start = max(clause_start, anchor - 400)
        window = text[window_start:anchor]
        name = _last_name_in(window)
        clause_start = m.end()
        if name is None:
            continue
        gap = window[name.end :]
        if not lead and not re.fullmatch(r"\s*(?:\([^()]{0,80}\)\s*)?", gap):
            continue  # "(Исполнитель)" must follow the name directly
        if lead and len(gap) > 260:
            continue
        s, e = window_start + name.start, window_start + name.end
        words = view.words_in(s, e)
        found = Found(value=name.name, raw=text[s:e], words=words, factor=1.0 if name.kind != "person" else 0.85)
        cand = Candidate(role, found, W_DESIGNATION, s)
        # "ТОО «X» (БИН …)" or "ТОО «X» (далее – Заказчик), БИН …"
        cand.bin = _bin_after(view, e) or _bin_after(view, m.end())
        out.append(cand)
    return out


def _last_name_in(window: str) -> NameMatch | None:
    """The party named last in a clause: an organisation if there is one, else a person (NER)."""
    names = find_org_names(window)
    if names:
        return names[-1]
    # A person is named with at least a first name and a surname.
    pers = [p for p in persons(window) if len(p.text.split()) >= 2]
    if pers:
        p = pers[-1]
        return NameMatch(p.start, p.end, p.text, "person")
    return None


# ---------------------------------------------------------------------- prose strategy


def _prose_candidates(view: DocView, roles: tuple[str, ...]) -> list[Candidate]:
    out: list[Candidate] = []
    for role in roles:
        for hit in find_hits(view, role, only_label_like=False):
            line_text = hit.line.text
            tail = line_text[hit.end :]
            # The name follows the role word after a space ("специалистом Ван Вэй"), not after
            # punctuation that closes a quoted or bracketed role.
            if not tail[:1].isspace() or len(tail) - len(tail.lstrip()) > 2:
                continue
            nm = name_at_start(tail, max_offset=2)
            if nm is None:
                continue
            s = hit.line.start + hit.end + nm.start
            e = hit.line.start + hit.end + nm.end
            found = Found(value=nm.name, raw=view.text[s:e], words=view.words_in(s, e), factor=0.9)
            cand = Candidate(role, found, W_PROSE, s)
            cand.bin = _bin_after(view, e)
            out.append(cand)
    return out


# ---------------------------------------------------------------------- first organisation


def _first_org_candidates(view: DocView, roles: tuple[str, ...]) -> list[Candidate]:
    role = "applicant" if "applicant" in roles else "employer" if "employer" in roles else roles[0]
    names = [n for n in find_org_names(view.text) if not BANK.search(n.name)]
    if not names:
        return []
    n = names[0]
    found = Found(value=n.name, raw=view.text[n.start : n.end], words=view.words_in(n.start, n.end), factor=0.9)
    cand = Candidate(role, found, W_FIRST_ORG, n.start)
    cand.bin = _bin_after(view, n.end)
    return [cand]


# ---------------------------------------------------------------------- letters: letterhead and addressee


def _letterhead_candidates(view: DocView) -> list[Candidate]:
    """The issuer printed at the top: a name starting one of the first lines, with no role label on it."""
    voc = vocabulary()
    role_labels = [voc.label(r) for r in ("customer", "supplier", "payer", "beneficiary")]
    for line in view.header_lines(LETTERHEAD_LINES):
        if any(p.search(line.text) for p in role_labels) or _addressee_pattern()[0].search(line.text):
            continue
        nm = name_at_start(line.text, allow_person=False, max_offset=2)
        if nm is None or BANK.search(nm.name):
            continue
        s, e = line.start + nm.start, line.start + nm.end
        found = Found(value=nm.name, raw=view.text[s:e], words=view.words_in(s, e), factor=0.85)
        cand = Candidate("supplier", found, W_LETTERHEAD, s)
        cand.bin = _bin_after(view, e)
        return [cand]
    return []


@lru_cache(maxsize=1)
def _addressee_pattern() -> tuple[re.Pattern[str], re.Pattern[str]]:
    raw = vocabulary().raw["addressee"]
    before = "|".join(f"(?:{p})" for p in raw["before_name"])
    after = "|".join(f"(?:{p})" for p in raw["after_name"])
    return (
        re.compile(rf"(?:^|(?<=\n))\s*(?:{before})\s+", re.IGNORECASE),
        re.compile(rf"\s+(?:{after})\b", re.IGNORECASE),
    )


def _addressee_candidates(view: DocView) -> list[Candidate]:
    """"Директору ТОО «X» (БИН …)" / "«X» ЖШС директорына": the customer a letter is addressed to."""
    before, after = _addressee_pattern()
    text = view.text
    out: list[Candidate] = []
    for m in before.finditer(text):
        nm = name_at_start(text[m.end() : m.end() + 200], allow_person=False, max_offset=2)
        if nm is None:
            continue
        out.append(_addressee(view, m.end() + nm.start, m.end() + nm.end, nm.name))
    for m in after.finditer(text):
        nm = name_before(text, m.start(), window=120)
        if nm is None or m.start() - nm.end > 2:
            continue
        out.append(_addressee(view, nm.start, nm.end, nm.name))
    return out


def _addressee(view: DocView, s: int, e: int, name: str) -> Candidate:
    found = Found(value=name, raw=view.text[s:e], words=view.words_in(s, e), factor=0.9)
    cand = Candidate("customer", found, W_ADDRESSEE, s)
    cand.bin = _bin_after(view, e)
    return cand


# ---------------------------------------------------------------------- identifiers near a name

# After a name: an optional identifier label (also OCR-damaged ones such as "BUH" for "БИН": any
# short letter group), then the 12 digits.
_BIN_AFTER = re.compile(
    r"^[\s,(（]*(?:[A-Za-zА-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүІі]{2,4}(?:\s*/\s*[A-Za-zА-Яа-яЁё]{2,4})?\s*[:№]?\s*)?"
    r"([0-9OОlI|ЗБ]{12})(?!\w)",
)


def _bin_after(view: DocView, end: int) -> Found | None:
    """A BIN printed right after a name: on the same line, or on the next line in the name's column."""
    tail = view.text[end : end + 60]
    m = _BIN_AFTER.match(tail)
    if not m:
        return None
    parsed = parse_bins(m.group(1))
    if not parsed:
        return None
    _, _, value, factor = parsed[0]
    s, e = end + m.start(1), end + m.end(1)
    words = view.words_in(s, e)
    if "\n" in tail[: m.start(1)]:
        name_words = view.words_in(max(0, end - 1), end)
        if not words or not name_words:
            return None
        nw, bw = name_words[-1], words[0]
        line = view.lines[nw.line]
        # The next line's BIN belongs to this name only if it sits under the name's column.
        name_line_first = line.words[line.segment_of(nw.pos)[0]]
        if abs(bw.bbox.x0 - name_line_first.bbox.x0) > 8 * line.height and bw.bbox.x0 > nw.bbox.x1:
            return None
        if bw.bbox.x1 < name_line_first.bbox.x0 - 2 * line.height:
            return None
    return Found(value=value, raw=view.text[s:e], words=words, factor=factor)


def _bin_near_occurrences(view: DocView, name: str) -> Found | None:
    """A BIN printed right after another occurrence of the same name (signature block, preamble)."""
    key = normalise_for_compare(name)
    for n in find_org_names(view.text):
        if normalise_for_compare(n.name) == key:
            found = _bin_after(view, n.end)
            if found is not None:
                return found
    return None


def _first_labelled_bin(view: DocView) -> Found | None:
    for hit in find_hits(view, "bin"):
        region = right_region(view, hit, continuation=1)
        found = first_value(region, parse_bins)
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------------- choosing


def _choose(candidates: list[Candidate], roles: tuple[str, ...]) -> dict[str, list[Candidate]]:
    by_role: dict[str, dict[str, list[Candidate]]] = {r: {} for r in roles}
    for c in candidates:
        if c.role in by_role and c.key:
            by_role[c.role].setdefault(c.key, []).append(c)

    def score(group: list[Candidate]) -> float:
        best = max(c.weight for c in group)
        return best + 0.1 * (len({c.weight for c in group}) - 1) - 1e-6 * min(c.offset for c in group)

    ranked = {r: sorted(groups.values(), key=score, reverse=True) for r, groups in by_role.items()}
    chosen: dict[str, list[Candidate]] = {}
    taken: dict[str, tuple[str, float]] = {}
    # Roles with the strongest evidence pick first; a name cannot play two roles.
    order = sorted(roles, key=lambda r: -(score(ranked[r][0]) if ranked[r] else -1))
    for role in order:
        for group in ranked[role]:
            key = group[0].key
            if key in taken:
                continue
            chosen[role] = group
            taken[key] = (role, score(group))
            break
    return chosen


def _party_from_group(
    view: DocView, role: str, group: list[Candidate], single_party: bool, band_bin: Found | None = None
) -> Party:
    group = sorted(group, key=lambda c: (-c.weight, c.offset))
    best = group[0]
    conf_boost = min(1.0, 0.85 + 0.1 * (len({c.weight for c in group}) - 1))
    best.name.factor *= conf_boost
    bin_found = next((c.bin for c in group if c.bin is not None), None)
    if bin_found is None:
        bin_found = _bin_near_occurrences(view, str(best.name.value))
    if bin_found is None:
        bin_found = band_bin
    if bin_found is None and single_party:
        bin_found = _first_labelled_bin(view)
    iban = next((c.iban for c in group if c.iban is not None), None)
    bic = next((c.bic for c in group if c.bic is not None), None)
    if iban is not None and bic is not None:
        expected_bic = bic_for_iban(str(iban.value))
        if expected_bic is not None and expected_bic != bic.value:
            bic.factor *= 0.6  # the IBAN's bank code names another bank
    return Party(
        role=role,
        name=best.name.to_value(),
        bin=bin_found.to_value() if bin_found else None,
        iban=iban.to_value() if iban else None,
        bic=bic.to_value() if bic else None,
    )


__all__ = ["ROLE_SETS", "VLine", "extract_parties", "roles_for"]
