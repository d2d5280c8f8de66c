"""The payment purpose («Назначение платежа», «Төлемнің мақсаты», "Payment details") as one cell of text.

A payment order's purpose is a value of several lines, and its label is often centred against it: the value's first
line stands above the label's line and its last below. Read line by line, the label's words fall in the middle of the
sentence ("… в т.ч. НДС" / "Назначение платежа" / "12% 594 480,00"); the cell put together is what the purpose says,
where a contract it cites and the VAT it states are read.
"""

from __future__ import annotations

import re

from extractors.regions import find_hits
from extractors.view import DocView, Snippet, VLine, VWord


def purpose_cell(view: DocView) -> Snippet | None:
    """"Назначение платежа": the value cell right of the label — the rest of the label's line and the cell's other
    lines above and below it (a label is often centred against a value of several lines), up to the next row's label
    or the signature block."""
    for hit in find_hits(view, "purpose", only_label_like=False):
        line = hit.line
        h = line.height
        value_x0 = line.words[hit.last + 1].bbox.x0 if hit.last + 1 < len(line.words) else hit.x1 + h

        above: list[list[VWord]] = []
        top = line.top
        for prev in reversed(view.lines[max(0, line.index - 2) : line.index]):
            words = _value_row(prev, line, value_x0)
            if words is None or top - prev.bottom > 1.5 * h:
                break
            above.insert(0, words)
            top = prev.top
        rows = [*above, line.words[hit.last + 1 :]]
        bottom = line.bottom
        for nxt in view.lines[line.index + 1 : line.index + 4]:
            words = _value_row(nxt, line, value_x0)
            if words is None or nxt.top - bottom > 1.5 * h:
                break
            rows.append(words)
            bottom = nxt.bottom
        snippet = Snippet.from_lines([r for r in rows if r])
        if snippet:
            return snippet
    return None


def _value_row(ln: VLine, label_line: VLine, value_x0: float) -> list[VWord] | None:
    """The line's words when it only continues the value cell (nothing in the label column), else None."""
    if ln.page != label_line.page or "__" in ln.text or _SIGNATURE.search(ln.text):
        return None
    if any(w.bbox.x0 < value_x0 - 2 * label_line.height for w in ln.words):
        return None
    return list(ln.words)


_SIGNATURE = re.compile(r"руководител|бухгалтер|басшы|подпись|қолы|М\.П\.|Отметка банка|белгісі", re.IGNORECASE)
