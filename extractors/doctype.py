"""Document type and language from the text as a whole: a linear model on character and word n-grams.

What a document *is* shows in all of its text — the words of a contract's clauses, an act's table, a payment
order's bank fields — not only in a title at a fixed place. The model reads:

* the text (its first ``HEAD_CHARS`` and last ``TAIL_CHARS`` characters, lower-cased, digits folded to ``0``:
  a number's shape says what a document is, its value does not) as TF-IDF weighted character n-grams within
  words (2–5, robust to OCR noise and to inflection) and word uni- and bigrams;
* for the type, the title vocabulary's scores (``extractors.classify.title_scores``: one input among others,
  its weight learned like any other);
* for the language, the script-and-lexicon detector's guess (``extractors.language``).

Two multinomial logistic regressions (scikit-learn, ``python -m learn doctype train``) sit on these
features: the content type (the nine types a document can be about; whether it is a *translation* is decided
with the dossier, ``extractors.translation``) and the language. The trained model ships in
``extractors/models/doctype.json`` (vocabularies, classes, settings) + ``doctype.npz`` (idf, coefficients) — no
pickle; it is loaded once per process, on first use.

Featurisation lives here only: training (``learn/doctype.py``) turns text into features with these very
functions, so a model sees at run time what it saw when it was fitted.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

MODEL_DIR = Path(__file__).resolve().parent / "models"
MODEL_NAME = "doctype"
FORMAT = "docproc.doctype/1"

# How much of a document the model reads: a long contract says what it is in its first pages and its
# signature block; reading all of it costs time and adds nothing.
HEAD_CHARS = 4000
TAIL_CHARS = 1000

# The n-gram blocks, each TF-IDF weighted (sublinear tf) and L2-normalised on its own, then scaled so that
# the text part of a vector has unit length whatever the number of blocks.
NGRAM_BLOCKS: dict[str, dict[str, Any]] = {
    "char": {"analyzer": "char_wb", "ngram_range": (2, 5)},
    "word": {"analyzer": "word", "ngram_range": (1, 2), "token_pattern": r"(?u)\b\w\w+\b"},
}
TYPE_HEAD = "doc_type"
LANGUAGE_HEAD = "language"

_DIGIT = re.compile(r"\d")


def model_text(text: str) -> str:
    """The part of a document's text the model reads, normalised."""
    if len(text) > HEAD_CHARS + TAIL_CHARS:
        text = text[:HEAD_CHARS] + "\n" + text[-TAIL_CHARS:]
    return _DIGIT.sub("0", text.lower())


def block_analyzer(block: str) -> Callable[[str], list[str]]:
    """scikit-learn's own n-gram analyzer of a block (``model_text`` has lower-cased already)."""
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(lowercase=False, **NGRAM_BLOCKS[block]).build_analyzer()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Head:
    """One linear classifier: classes, and per class a weight for every text feature and every extra input."""

    classes: tuple[str, ...]
    extra_inputs: tuple[str, ...]  # names of the inputs after the text features ("title:contract", "rule:ru")
    # (text features + extra inputs, classes): one row per input, so a document's few features are a row gather
    weights: np.ndarray
    intercept: np.ndarray  # (classes,)

    def probabilities(self, text_index: np.ndarray, text_value: np.ndarray, extra: np.ndarray) -> np.ndarray:
        n_text = self.weights.shape[0] - len(self.extra_inputs)
        logits = text_value @ self.weights[text_index] + extra @ self.weights[n_text:] + self.intercept
        logits = logits - logits.max()
        p = np.exp(logits)
        return p / p.sum()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class TextVector:
    """A document's text features as a sparse vector (column indices, values)."""

    index: np.ndarray
    value: np.ndarray


class TextFeatures:
    """Vocabularies and idf of the n-gram blocks: text → sparse TF-IDF vector."""

    def __init__(self, vocabularies: Mapping[str, Sequence[str]], idf: Mapping[str, np.ndarray]) -> None:
        self.blocks = [b for b in NGRAM_BLOCKS if b in vocabularies]
        self.vocabularies = {b: {term: i for i, term in enumerate(vocabularies[b])} for b in self.blocks}
        self.terms = {b: list(vocabularies[b]) for b in self.blocks}
        self.idf = {b: np.asarray(idf[b], dtype=np.float64) for b in self.blocks}
        offsets, offset = {}, 0
        for b in self.blocks:
            offsets[b] = offset
            offset += len(self.terms[b])
        self.offsets = offsets
        self.size = offset
        self._analyzers = {b: block_analyzer(b) for b in self.blocks}
        self._scale = 1.0 / math.sqrt(len(self.blocks)) if self.blocks else 1.0

    def vector(self, text: str) -> TextVector:
        """``text`` is the raw document text; ``model_text`` is applied here."""
        normalised = model_text(text)
        indices: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for b in self.blocks:
            counts = Counter(self._analyzers[b](normalised))
            # map(dict.get) and one mask: this runs for every document, in C as far as it can
            column = np.fromiter(
                map(self.vocabularies[b].get, counts.keys(), repeat(-1)), dtype=np.int64, count=len(counts)
            )
            known = column >= 0
            if not known.any():
                continue
            idx = column[known]
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))[known]
            weight = (1.0 + np.log(tf)) * self.idf[b][idx]  # sublinear tf × idf, as scikit-learn's TfidfTransformer
            norm = float(np.sqrt(weight @ weight))
            indices.append(idx + self.offsets[b])
            values.append(weight / norm * self._scale)
        if not indices:
            return TextVector(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
        return TextVector(np.concatenate(indices), np.concatenate(values))


@dataclass(frozen=True)
class Prediction:
    label: str
    confidence: float  # the model's probability of ``label``
    probabilities: dict[str, float]


class DoctypeModel:
    def __init__(self, meta: dict[str, Any], features: TextFeatures, heads: dict[str, Head]) -> None:
        self.meta = meta
        self.features = features
        self.heads = heads

    def predict(self, head: str, text: TextVector, extra: dict[str, float]) -> Prediction:
        h = self.heads[head]
        inputs = np.array([extra.get(name, 0.0) for name in h.extra_inputs], dtype=np.float64)
        p = h.probabilities(text.index, text.value, inputs)
        best = int(np.argmax(p))
        return Prediction(h.classes[best], float(p[best]), {c: float(v) for c, v in zip(h.classes, p)})

    # ------------------------------------------------------------------ storage (no pickle)

    def save(self, directory: Path, name: str = MODEL_NAME) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {}
        for b in self.features.blocks:
            arrays[f"idf_{b}"] = self.features.idf[b].astype(np.float32)
        heads_meta = {}
        for hname, h in self.heads.items():
            arrays[f"weights_{hname}"] = h.weights.astype(np.float32)
            arrays[f"intercept_{hname}"] = h.intercept.astype(np.float32)
            heads_meta[hname] = {"classes": list(h.classes), "extra_inputs": list(h.extra_inputs)}
        meta = {
            **self.meta,
            "format": FORMAT,
            "head_chars": HEAD_CHARS,
            "tail_chars": TAIL_CHARS,
            "ngram_blocks": {b: {k: list(v) if isinstance(v, tuple) else v for k, v in NGRAM_BLOCKS[b].items()}
                             for b in self.features.blocks},
            "vocabularies": {b: self.features.terms[b] for b in self.features.blocks},
            "heads": heads_meta,
        }
        (directory / f"{name}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=0), encoding="utf-8")
        np.savez_compressed(directory / f"{name}.npz", **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, directory: Path = MODEL_DIR, name: str = MODEL_NAME) -> DoctypeModel:
        meta = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"{directory / name}.json: unknown model format {meta.get('format')!r}")
        settings = (meta["head_chars"], meta["tail_chars"], meta["ngram_blocks"])
        expected = (HEAD_CHARS, TAIL_CHARS, {b: {k: list(v) if isinstance(v, tuple) else v
                                                   for k, v in s.items()} for b, s in NGRAM_BLOCKS.items()
                                               if b in meta["ngram_blocks"]})
        if settings != expected:
            raise ValueError(f"{directory / name}.json was trained with other text settings: retrain it")
        with np.load(directory / f"{name}.npz") as arrays:
            vocabularies = meta.pop("vocabularies")
            features = TextFeatures(vocabularies, {b: arrays[f"idf_{b}"] for b in vocabularies})
            heads = {
                hname: Head(
                    classes=tuple(h["classes"]),
                    extra_inputs=tuple(h["extra_inputs"]),
                    weights=np.ascontiguousarray(arrays[f"weights_{hname}"], dtype=np.float64),
                    intercept=arrays[f"intercept_{hname}"].astype(np.float64),
                )
                for hname, h in meta["heads"].items()
            }
        return cls(meta, features, heads)


@lru_cache(maxsize=1)
def shipped_model() -> DoctypeModel:
    """The model shipped with the package, loaded once per process on first use."""
    return DoctypeModel.load()
