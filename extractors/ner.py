"""natasha's bundled Russian NER (persons, organisations), loaded lazily once per process.

Used where rules are not enough: a person named in running text ("гражданин Великобритании Дэвид
Харпер, ИИН …"), where capitalised country names and positions sit next to the name.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_lock = threading.Lock()


@dataclass(frozen=True)
class Entity:
    start: int
    end: int
    kind: str  # PER | ORG | LOC
    text: str


@lru_cache(maxsize=1)
def _models() -> tuple[Any, Any] | None:
    with _lock:
        try:
            from natasha import NewsEmbedding, NewsNERTagger, Segmenter
        except Exception:  # noqa: BLE001 - NER is a helper; extraction works without it
            return None
        return Segmenter(), NewsNERTagger(NewsEmbedding())


def entities(text: str) -> list[Entity]:
    models = _models()
    if models is None or not text.strip():
        return []
    from natasha import Doc

    segmenter, tagger = models
    doc = Doc(text)
    try:
        doc.segment(segmenter)
        doc.tag_ner(tagger)
    except Exception:  # noqa: BLE001 - odd input must not break extraction
        return []
    return [Entity(s.start, s.stop, s.type, s.text) for s in doc.spans]


def persons(text: str) -> list[Entity]:
    return [e for e in entities(text) if e.kind == "PER"]
