"""The label reading of a document's parties: a role label used as a label ("Заказчик:", "Отправитель денег:",
"Өнім беруші:", "Seller", "甲方") with a name right of it, in the cell under it or in a side block, and
its identifiers (BIN/IIN, IBAN, BIC) read in the label's band: the rows under it, within its column,
until the next role label. One of the readings ``extractors.parties`` weighs.
"""

from __future__ import annotations

import re

from extractors.found import Found
from extractors.id_values import parse_bics, parse_bins, parse_ibans, parse_known_bics
from extractors.identifiers import is_valid_bin
from extractors.names import name_at_start
from extractors.party_candidates import BANK, W_LABEL, Candidate
from extractors.regions import Region, continuation_rows, find_hits, first_value, label_like, right_region
from extractors.view import DocView, LabelHit, Snippet, VLine, VWord, iter_bounded
from extractors.vocabulary import vocabulary

BAND_MAX_LINES = 7
# A BIN under a role label that names no party (a signature block) is that role's, a little less surely.
UNNAMED_BAND_FACTOR = 0.85


def label_candidates(
    view: DocView, roles: tuple[str, ...], unnamed_bins: dict[str, Found] | None = None
) -> list[Candidate]:
    """Names (and their identifiers) right of or under role labels; ``unnamed_bins`` collects the BIN
    under a role label that introduces no name."""
    hits: list[tuple[str, LabelHit]] = []
    for role in roles:
        hits += [(role, h) for h in find_hits(view, role)]
        # A section heading ending with the role ("1. Сведения о заявителе") heads the role's block too.
        hits += [
            (role, h)
            for h in find_hits(view, role, only_label_like=False)
            if h.first > 0 and not label_like(h) and _heads_its_line(h.line, h)
        ]
    hits.sort(key=lambda rh: (rh[1].line.index, rh[1].first))
    # Any mention of a role, label or not ("Раздел C. Реквизиты получателя"), closes another role's band,
    # and so does a BIN printed just above another role's label (that BIN opens the other block).
    mentions = [(role, h) for role in roles for h in find_hits(view, role, only_label_like=False)]
    above = {id(hit): _bin_above(view, hit, roles) for _, hit in hits}
    out: list[Candidate] = []
    all_hits = [h for _, h in hits]
    for role, hit in hits:
        x_right = _band_right(hit, all_hits)
        name = _name_after(view, hit, x_right)
        # The band ends at another role's label; a repeated label of the same role
        # ("Тапсырыс берушінің ЖСН/БСН") continues it.
        others = [h for r, h in mentions if r != role]
        others += [opening[0] for r, h in hits if r != role and (opening := above[id(h)]) is not None]
        band = _band(view, hit, others, x_right)
        if name is None:
            if unnamed_bins is not None and role not in unnamed_bins:
                signed = _unnamed_band_bin(view, role, roles, hit, others, x_right)
                if signed is not None:
                    unnamed_bins[role] = signed
            continue
        cand = Candidate(role, name, W_LABEL, name.words[0].start if name.words else hit.line.start, from_band=True)
        _ids_from_band(cand, band)
        if cand.bin is None and (found_above := above[id(hit)]) is not None:
            cand.bin = found_above[1]
        out.append(cand)
    return out


ABOVE_MAX_LINES = 2
ABOVE_BIN_FACTOR = 0.9


def _bin_above(view: DocView, hit: LabelHit, roles: tuple[str, ...]) -> tuple[LabelHit, Found] | None:
    """A labelled BIN on the line(s) just above the role label, opening the same requisites block
    (the e-invoice form prints "6. БИН 150340246288" over "7. Поставщик АО «…»").

    A BIN that closes the previous party's block ("Поставщик: X" / "БИН: 1" / "Покупатель: Y") is not
    taken: above the BIN there must be a block heading that names a role ("Раздел C. Реквизиты
    получателя") or nothing at all, not another party's label. Returns the BIN's label and value.
    """
    line = hit.line
    lines = [ln for ln in view.lines[max(0, line.index - ABOVE_MAX_LINES) : line.index] if ln.page == line.page]
    bottom = line.top
    for ln in reversed(lines):
        if bottom - ln.bottom > 2.0 * max(line.height, ln.height):
            return None
        if any(find_hits(view, r, lines=[ln], only_label_like=False) for r in roles):
            return None
        for bin_hit in find_hits(view, "bin", lines=[ln]):
            found = first_value(right_region(view, bin_hit, continuation=0), parse_bins)
            if found is not None and _opens_a_block(view, ln, roles):
                found.factor *= ABOVE_BIN_FACTOR
                return bin_hit, found
        bottom = ln.top
    return None


BLOCK_HEADING_MAX_LINES = 12


def _opens_a_block(view: DocView, line: VLine, roles: tuple[str, ...]) -> bool:
    """Above ``line``: a heading that mentions a role, or no party label at all (the first block)."""
    start = max(0, line.index - BLOCK_HEADING_MAX_LINES)
    for ln in reversed([x for x in view.lines[start : line.index] if x.page == line.page]):
        if any(find_hits(view, r, lines=[ln]) for r in roles):
            return False  # another party's label: the BIN closes that party's block
        if any(find_hits(view, r, lines=[ln], only_label_like=False) for r in roles):
            return True
    return True


def _unnamed_band_bin(
    view: DocView, role: str, roles: tuple[str, ...], hit: LabelHit, others: list[LabelHit], x_right: float
) -> Found | None:
    """The BIN under a role label that introduces no name: a signature block ("Исполнитель: ____ /
    БИН 100940898331 / М.П.") names its party elsewhere, but the BIN under the label is that role's.

    Weaker evidence than requisites, so the column ends at any mention of another role on the label's
    line (a label or not: "Согласовано (Работодатель)"), and only a BIN whose check digit holds counts.
    """
    mentions = [
        h.x0
        for other in roles
        if other != role
        for h in find_hits(view, other, lines=[hit.line], only_label_like=False)
        if h.first > hit.last
    ]
    band = _band(view, hit, others, min([x_right, *mentions]))
    for s, e, value, factor in parse_bins(band.text):
        if is_valid_bin(value):
            return Found(value=value, raw=band.text[s:e], words=band.words_in(s, e), factor=factor * UNNAMED_BAND_FACTOR)
    return None


def _band_right(hit: LabelHit, others: list[LabelHit]) -> float:
    right = [o.x0 for o in others if o.line is hit.line and o.first > hit.last]
    return min(right) if right else hit.line.page_width


def _band_left(hit: LabelHit) -> float:
    first, _ = hit.line.segment_of(hit.first)
    return hit.line.words[first].bbox.x0 - 1.5 * hit.line.height


def _band(view: DocView, hit: LabelHit, others: list[LabelHit], x_right: float) -> Snippet:
    """The label's line right of it, then the rows below within its column, until the next role label."""
    x_left = _band_left(hit)
    line = hit.line
    rows: list[list[VWord]] = [[w for w in line.words[hit.last + 1 :] if w.bbox.x0 < x_right]]
    last_bottom = line.bottom
    for nxt in view.lines[line.index + 1 :]:
        if nxt.page != line.page or nxt.top - last_bottom > 3.0 * max(line.height, nxt.height):
            break
        if any(o.line is nxt and x_left <= o.x0 < x_right for o in others):
            break
        ws = [w for w in nxt.words if x_left <= w.xc < x_right]
        if ws:
            rows.append(ws)
            last_bottom = nxt.bottom
        if len(rows) > BAND_MAX_LINES:
            break
    return Snippet.from_lines(rows)


def _name_after(view: DocView, hit: LabelHit, x_right: float) -> Found | None:
    """The name a role label introduces: in the label's own cell, else the next cell, else underneath."""
    line = hit.line
    _, last = line.segment_of(hit.last)
    cell_right = min(x_right, line.segment_right_edge(hit.last))
    # 1. The rest of the label's cell, with the cell's wrapped continuation lines.
    region = right_region(view, hit, x_limit=cell_right, continuation=2)
    found = _name_in_region(region)
    if found is not None:
        return found
    # 2. The next cell on the line ("Наименование заявителя | ТОО «…»").
    if last < len(line.words) and line.words[last].bbox.x0 < x_right:
        nxt_first, nxt_last = line.segment_of(last)
        nxt_right = min(x_right, line.segment_right_edge(last))
        rows = [line.words[nxt_first:nxt_last]] + continuation_rows(view, line, last, x_limit=nxt_right, max_rows=2)
        found = _name_in_region(Region(Snippet.from_lines(rows), 0, "right"))
        if found is not None:
            return found
    # 3. Label alone in its cell ("Заказчик:"): the name is in the rows underneath.
    rows = continuation_rows(view, line, hit.first, x_limit=x_right, max_rows=3)
    found = _name_in_region(Region(Snippet.from_lines(rows), 0, "below")) if rows else None
    if found is not None:
        found.factor *= 0.95
        return found
    # 4. Label heading a block of label-value rows ("Отправитель денег" over "Наименование | ТОО «…»",
    #    "ИИН/БИН | …"): the value of the block's name row.
    found = _block_name_row(view, hit, x_right)
    if found is not None:
        return found
    # 5. Label alone in a left column, its value a multi-line cell to the right that the label sits
    #    vertically centred against (Р-1 act headers, "Bill to" blocks): the name starts the block.
    return _side_block_name(view, hit, x_right)


BLOCK_NAME_MAX_ROWS = 3  # the name row is among the first rows of a party's block
BLOCK_NAME_FACTOR = 0.95


def _block_name_row(view: DocView, hit: LabelHit, x_right: float) -> Found | None:
    """The name in a block the role label heads: one of the rows just under it starts with the generic name
    label (``party_name_field``) and the name follows in its cell or the next. Only when the role label stands
    alone on its line (a heading, perhaps numbered and worded around it: "1. Сведения о заявителе"), and only its first
    rows: a later name row belongs to another block."""
    line = hit.line
    if not _heads_its_line(line, hit):
        return None
    rows = [
        ln
        for ln in view.lines[line.index + 1 : line.index + 1 + BLOCK_NAME_MAX_ROWS]
        if ln.page == line.page and ln.top - line.bottom < (BLOCK_NAME_MAX_ROWS + 1) * 2.5 * line.height
    ]
    for row in rows:
        sub = next((h for h in find_hits(view, "party_name_field", [row], only_label_like=False) if h.first == 0), None)
        if sub is None:
            continue
        found = _name_in_region(right_region(view, sub, x_limit=x_right, continuation=1))
        if found is not None:
            found.factor *= BLOCK_NAME_FACTOR
        return found
    return None


# A section heading's words before the role: its number ("1.", "II.", "C)") and a few plain words ("Сведения о").
_SECTION_NUMBER = re.compile(r"^(?:\d{1,2}|[IVX]{1,4}|[A-ZА-Я])[.)]$")
HEADING_MAX_LEAD_WORDS = 4


def _heads_its_line(line: VLine, hit: LabelHit) -> bool:
    if hit.last != len(line.words) - 1:
        return False
    lead = [w.text for w in line.words[: hit.first]]
    words = [t for t in lead if not _SECTION_NUMBER.match(t)]
    if len(lead) > HEADING_MAX_LEAD_WORDS + 1 or len(words) > HEADING_MAX_LEAD_WORDS:
        return False
    return all(t.isalpha() for t in words)


SIDE_BLOCK_MAX_LINES = 4
SIDE_BLOCK_PITCH_HEIGHTS = 2.2  # wrapped lines of one cell are at most this many heights apart
SIDE_BLOCK_CENTRE_HEIGHTS = 1.2  # the block's nearest line is this close to the label's centre


def _side_block_name(view: DocView, hit: LabelHit, x_right: float) -> Found | None:
    line = hit.line
    h = line.height
    label_right = line.words[line.segment_of(hit.last)[1] - 1].bbox.x1

    def value_words(ln: VLine) -> list[VWord]:
        return [w for w in ln.words if label_right + 0.5 * h < w.bbox.x0 < x_right]

    def in_label_column(ln: VLine) -> bool:
        return any(w.bbox.x0 < label_right for w in ln.words)

    centre = (line.top + line.bottom) / 2
    near = [
        ln
        for ln in view.lines[max(0, line.index - 2) : line.index + 3]
        if ln is not line and ln.page == line.page and not in_label_column(ln) and value_words(ln)
    ]
    if not near:
        return None
    nearest = min(near, key=lambda ln: abs((ln.top + ln.bottom) / 2 - centre))
    if abs((nearest.top + nearest.bottom) / 2 - centre) > SIDE_BLOCK_CENTRE_HEIGHTS * h:
        return None
    col_x0 = value_words(nearest)[0].bbox.x0

    def continues(ln: VLine, neighbour_top: float) -> bool:
        ws = value_words(ln)
        return (
            ln.page == line.page
            and bool(ws)
            and abs(ln.top - neighbour_top) <= SIDE_BLOCK_PITCH_HEIGHTS * h
            and abs(ws[0].bbox.x0 - col_x0) <= 1.5 * h
        )

    # The block is the label's row: half way to the labels of the rows above and below it (a wrapped value of
    # the previous row, "центов" of an amount in words, is not this party's).
    earlier = [ln for ln in view.lines[max(0, line.index - SIDE_BLOCK_MAX_LINES - 2) : line.index]
               if ln.page == line.page and in_label_column(ln)]
    later = [ln for ln in view.lines[line.index + 1 : line.index + SIDE_BLOCK_MAX_LINES + 3]
             if ln.page == line.page and in_label_column(ln)]
    upper = ((earlier[-1].top + earlier[-1].bottom) / 2 + centre) / 2 if earlier else float("-inf")
    lower = ((later[0].top + later[0].bottom) / 2 + centre) / 2 if later else float("inf")
    above: list[VLine] = []
    top = line.top
    for ln in reversed(view.lines[max(0, line.index - SIDE_BLOCK_MAX_LINES) : line.index]):
        if in_label_column(ln) or not continues(ln, top) or (ln.top + ln.bottom) / 2 < upper:
            break
        above.insert(0, ln)
        top = ln.top
    below: list[VLine] = []
    top = line.top
    for ln in view.lines[line.index + 1 : line.index + 1 + SIDE_BLOCK_MAX_LINES]:
        if in_label_column(ln) or not continues(ln, top) or (ln.top + ln.bottom) / 2 > lower:
            break
        below.append(ln)
        top = ln.top
    own = value_words(line)
    rows = [value_words(ln) for ln in above] + ([own] if own else []) + [value_words(ln) for ln in below]
    # A payment form prints the party's account before its name ("/KZ729657280162849804" over "ALTAIKABEL LLP").
    while rows and _ACCOUNT_LINE.fullmatch(" ".join(w.text for w in rows[0])):
        rows = rows[1:]
    found = _name_in_region(Region(Snippet.from_lines(rows), 0, "side"))
    if found is not None:
        found.factor *= 0.9
    return found


_ACCOUNT_LINE = re.compile(r"/?(?:[A-Z]{2}\d{2}[A-Z0-9]{10,30}|\d{6,34})")


def _name_in_region(region: Region) -> Found | None:
    text = region.snippet.text
    tail = text[region.start :]
    nm = name_at_start(tail)
    if nm is None:
        return None
    # "Банк отправителя: АО «…»" under the payer is another field's value, not the payer's name
    # (the label's own colon does not count).
    lead = tail[: nm.start]
    lead = re.sub(r"^[\s)）:：|]*", "", lead)
    if ":" in lead or BANK.search(nm.name):
        return None
    s, e = region.start + nm.start, region.start + nm.end
    words = region.snippet.words_in(s, e)
    factor = 1.0 if nm.kind in ("quoted", "latin", "cjk", "entrepreneur") else 0.8
    return Found(value=nm.name, raw=text[s:e], words=words, factor=factor)


def _ids_from_band(cand: Candidate, band: Snippet) -> None:
    region = Region(band, 0, "band")
    cand.bin = first_value(region, parse_bins)
    cand.iban = first_value(region, parse_ibans)
    cand.bic = _labelled_bic(band) or first_value(region, parse_known_bics)


def _labelled_bic(snippet: Snippet) -> Found | None:
    for m in iter_bounded(vocabulary().label("bic"), snippet.text):
        region = Region(snippet, m.end(), "band")
        found = first_value(region, parse_bics)
        if found is not None:
            gap = snippet.text.find(found.raw or "", m.end()) - m.end()
            if 0 <= gap <= 6:
                return found
    return None
