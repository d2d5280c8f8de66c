"""Document type and language from the text as a whole: a linear model on character and word n-grams.

What a document *is* shows in all of its text — the words of a contract's clauses, an act's table, a payment
order's bank fields — not only in a title at a fixed place. The model reads:

* the text (its first ``HEAD_CHARS`` and last ``TAIL_CHARS`` characters, lower-cased, digits folded to ``0``:
  a number's shape says what a document is, its value does not) as TF-IDF weighted character n-grams within
  words (3–5, robust to OCR noise and to inflection; 2-grams cost a third of the time and added nothing
  measurable) and word uni- and bigrams;
* for the type, the title vocabulary's scores (``extractors.classify.title_scores``: one input among others,
  its weight learned like any other);
* for the language, the script-and-lexicon detector's guesses (``extractors.language``) for the whole text
  and for the left half of the first page, and the order of Kazakh and Russian in lines that mix them (a
  bilingual form's language is the one printed first).

Two multinomial logistic regressions (scikit-learn, ``python -m learn doctype train``) sit on these
features: the content type (the nine types a document can be about; whether it is a *translation* is decided
with the dossier, ``extractors.translation``) and the language. The trained model ships in
``extractors/models/doctype.json`` (vocabularies, classes, settings) + ``doctype.npz`` (idf, coefficients) — no
pickle; it is loaded once per process, on first use, and reading a document needs numpy only.

Featurisation lives here only: training (``learn/doctype.py``) turns text into features with these very
functions, so a model sees at run time what it saw when it was fitted.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np

from extractors.model_files import SHIPPED_MODEL_DIR, model_dir

# The directory a leave-one-family-out run points every extractor model at (the field models read it too).
MODEL_NAME = "doctype"
FORMAT = "docproc.doctype/1"

# How much of a document the model reads: a long contract says what it is in its first page and its
# signature block; reading all of it costs time (every page of the budget's 50 per second) and adds nothing.
HEAD_CHARS = 2500
TAIL_CHARS = 500

# The n-gram blocks, each TF-IDF weighted (sublinear tf) and L2-normalised on its own, then scaled so that
# the text part of a vector has unit length whatever the number of blocks.
NGRAM_BLOCKS: dict[str, dict[str, Any]] = {
    "char": {"analyzer": "char_wb", "ngram_range": [3, 5]},
    "word": {"analyzer": "word", "ngram_range": [1, 2], "token_pattern": r"(?u)\b\w\w+\b"},
}
TYPE_HEAD = "doc_type"
LANGUAGE_HEAD = "language"

_DIGIT = re.compile(r"\d")


def _char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """Character n-grams inside words padded with a space (scikit-learn's ``_char_wb_ngrams``)."""
    grams: list[str] = []
    append = grams.append
    for word in text.split():
        w = f" {word} "
        length = len(w)
        for n in range(low, high + 1):
            offset = 0
            append(w[offset : offset + n])
            while offset + n < length:
                offset += 1
                append(w[offset : offset + n])
            if offset == 0:  # a word shorter than n is counted once
                break
    return grams


def _word_ngrams(text: str, pattern: re.Pattern[str], low: int, high: int) -> list[str]:
    """Word n-grams of the tokens ``pattern`` finds (scikit-learn's ``_word_ngrams``, no stop words)."""
    tokens = pattern.findall(text)
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


@dataclass(frozen=True)
class TextSettings:
    """How text becomes n-grams. These defaults are what ``learn`` trains with; a saved model carries its own,
    so a model keeps reading text as it was trained to when the defaults change."""

    head_chars: int = HEAD_CHARS
    tail_chars: int = TAIL_CHARS
    blocks: dict[str, dict[str, Any]] = field(default_factory=lambda: dict(NGRAM_BLOCKS))

    def model_text(self, text: str) -> str:
        """The part of a document's text the model reads, normalised."""
        if len(text) > self.head_chars + self.tail_chars:
            text = text[: self.head_chars] + "\n" + text[-self.tail_chars :]
        return _DIGIT.sub("0", text.lower())

    def analyzer(self, block: str) -> Callable[[str], list[str]]:
        """A block's n-grams, exactly as scikit-learn's ``CountVectorizer`` makes them (``char_wb``, ``word``;
        ``model_text`` has lower-cased already). Written out here so that reading a document does not import
        scikit-learn (and SciPy): in a worker that costs memory and, measured, about a tenth of the text-layer
        throughput. ``tests/test_doctype_model.py`` holds it to scikit-learn's own output."""
        spec = self.blocks[block]
        low, high = spec["ngram_range"]
        if spec["analyzer"] == "char_wb":
            return partial(_char_wb_ngrams, low=low, high=high)
        if spec["analyzer"] == "word":
            return partial(_word_ngrams, pattern=re.compile(spec["token_pattern"]), low=low, high=high)
        raise ValueError(f"unknown n-gram analyzer {spec['analyzer']!r}")

    def as_json(self) -> dict[str, Any]:
        return {"head_chars": self.head_chars, "tail_chars": self.tail_chars, "ngram_blocks": self.blocks}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TextSettings:
        return cls(data["head_chars"], data["tail_chars"], data["ngram_blocks"])


@dataclass(frozen=True)
class Head:
    """One linear classifier: classes, and per class a weight for every text feature and every extra input."""

    classes: tuple[str, ...]
    extra_inputs: tuple[str, ...]  # names of the inputs after the text features ("title:contract", "rule:ru")
    # (text features + extra inputs, classes): one row per input, so a document's few features are a row gather
    weights: np.ndarray
    intercept: np.ndarray  # (classes,)

    @property
    def text_features(self) -> int:
        return self.weights.shape[0] - len(self.extra_inputs)

    def probabilities(self, text_logits: np.ndarray, extra: dict[str, float]) -> np.ndarray:
        """Softmax over the classes, given the text features' part of the logits (``DoctypeModel.predict``)."""
        inputs = np.array([extra.get(name, 0.0) for name in self.extra_inputs], dtype=np.float64)
        logits = text_logits + inputs @ self.weights[self.text_features :] + self.intercept
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

    def __init__(
        self,
        vocabularies: Mapping[str, Sequence[str]],
        idf: Mapping[str, np.ndarray],
        settings: TextSettings | None = None,
    ) -> None:
        self.settings = settings or TextSettings()
        self.blocks = [b for b in self.settings.blocks if b in vocabularies]
        self.vocabularies = {b: {term: i for i, term in enumerate(vocabularies[b])} for b in self.blocks}
        self.terms = {b: list(vocabularies[b]) for b in self.blocks}
        self.idf = {b: np.asarray(idf[b], dtype=np.float64) for b in self.blocks}
        offsets, offset = {}, 0
        for b in self.blocks:
            offsets[b] = offset
            offset += len(self.terms[b])
        self.offsets = offsets
        self.size = offset
        self._analyzers = {b: self.settings.analyzer(b) for b in self.blocks}
        self._scale = 1.0 / math.sqrt(len(self.blocks)) if self.blocks else 1.0

    def vector(self, text: str) -> TextVector:
        """``text`` is the raw document text; ``TextSettings.model_text`` is applied here."""
        normalised = self.settings.model_text(text)
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
        # Every head's text weights side by side, in single precision: a document's few thousand n-grams are
        # then one gather of short rows (the weights of all classes of all heads of an n-gram in one or two
        # cache lines), not one scattered gather per head.
        self._columns: dict[str, slice] = {}
        start = 0
        for name, h in heads.items():
            self._columns[name] = slice(start, start + len(h.classes))
            start += len(h.classes)
        self._text_weights = np.ascontiguousarray(
            np.hstack([h.weights[: h.text_features] for h in heads.values()]), dtype=np.float32
        )

    def predict(self, text: TextVector, extra: dict[str, dict[str, float]]) -> dict[str, Prediction]:
        """Every head's prediction; ``extra``: per head, its extra inputs by name."""
        text_logits = text.value.astype(np.float32) @ self._text_weights[text.index]
        out = {}
        for name, h in self.heads.items():
            p = h.probabilities(text_logits[self._columns[name]].astype(np.float64), extra.get(name, {}))
            best = int(np.argmax(p))
            out[name] = Prediction(h.classes[best], float(p[best]), {c: float(v) for c, v in zip(h.classes, p)})
        return out

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
            "text": self.features.settings.as_json(),
            "vocabularies": {b: self.features.terms[b] for b in self.features.blocks},
            "heads": heads_meta,
        }
        (directory / f"{name}.json").write_text(json.dumps(meta, ensure_ascii=False, indent=0), encoding="utf-8")
        np.savez_compressed(directory / f"{name}.npz", **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, directory: Path = SHIPPED_MODEL_DIR, name: str = MODEL_NAME) -> DoctypeModel:
        meta = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"{directory / name}.json: unknown model format {meta.get('format')!r}")
        with np.load(directory / f"{name}.npz") as arrays:
            vocabularies = meta.pop("vocabularies")
            settings = TextSettings.from_json(meta["text"])
            features = TextFeatures(vocabularies, {b: arrays[f"idf_{b}"] for b in vocabularies}, settings)
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
    """The model shipped with the package, loaded once per process on first use — or, in a leave-one-family-out
    run (``learn.lofo``), the one in ``DOCPROC_EXTRACTOR_MODEL_DIR`` (trained without the family scored)."""
    return DoctypeModel.load(model_dir())
