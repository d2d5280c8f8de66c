"""A value found in a document together with the words it came from, and its conversion to the contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from extractors.view import VWord, confidence_of, provenance_of
from models.domain import ExtractedValue

# Confidence factors: how much a value's reliability drops for each reason.
CORRECTED_FACTOR = 0.75  # an OCR confusion had to be repaired (check digit then passed)
DERIVED_FACTOR = 0.85  # computed from other values (e.g. amount without VAT = total − VAT)
FALLBACK_FACTOR = 0.7  # found by a weaker strategy (unlabelled, far from its label)
DEFAULT_FACTOR = 0.8  # not printed at all, assumed from what the document says (e.g. "без НДС" → 0)


@dataclass
class Found:
    value: Any
    raw: str | None
    words: list[VWord] = field(default_factory=list)
    factor: float = 1.0  # strategy reliability in [0, 1]

    @property
    def confidence(self) -> float:
        ocr = confidence_of(self.words) if self.words else 1.0
        # Word confidences of 0.3-0.6 are common in good OCR; scale so that they do not dominate.
        ocr_factor = 0.5 + 0.5 * ocr
        return round(max(0.0, min(1.0, self.factor * ocr_factor)), 3)

    def to_value(self) -> ExtractedValue:
        return ExtractedValue(
            value=self.value,
            raw=self.raw,
            confidence=self.confidence,
            provenance=provenance_of(self.words),
        )


def ev(found: Found | None) -> ExtractedValue | None:
    return None if found is None else found.to_value()
