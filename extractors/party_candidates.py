"""A party candidate as the readings of ``extractors.parties`` propose it, and how much each reading is believed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.found import Found
from extractors.names import normalise_for_compare

# Strategy weights: how much a candidate found this way is believed.
W_LABEL = 1.0
W_DESIGNATION = 0.9
W_PROSE = 0.55
W_FIRST_ORG = 0.45
W_ADDRESSEE = 0.8
W_LETTERHEAD = 0.5
# A bank's name (in a requisites block) is never a party's.
BANK = re.compile(r"\b(?:банк\w*|bank\w*|банкі\w*)\b", re.IGNORECASE)


@dataclass
class Candidate:
    role: str
    name: Found
    weight: float
    offset: int  # where the name sits in the document text (reading order)
    bin: Found | None = None
    iban: Found | None = None
    bic: Found | None = None
    from_band: bool = False
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.key = normalise_for_compare(str(self.name.value))
