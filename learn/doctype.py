"""Document type and language: training the shipped model, and leave-one-family-out evaluation.

    python -m learn doctype train --family dev=../shared/corpus/dev --family dev-b=../shared/corpus/dev-b \\
        --family builder=/work/families/builder_s303 --out extractors/models
    python -m learn doctype lofo --family dev=../shared/corpus/dev --family dev-b=../shared/corpus/dev-b ...

Every document of every family is read by the pipeline itself (``learn.corpus.load_family``: the OCR and the
stage caches are shared, a second run costs no OCR). A sample is what ``extractors.classify`` gives the model
at run time — the text, the title vocabulary's scores, the script-and-lexicon language guess — labelled from
``expected.json``: the language as recorded, and the *content* type: a translation is labelled with the type
of the document it translates (the model says what a document is about; ``extractors.translation`` decides
at dossier level whether it is a translation).

``lofo`` fits on all families but one and scores the one held out, for each family in turn:

* the classifier alone — content type and language accuracy, per file format and per language;
* the whole extraction on the held-out dossiers (``extract_document`` with the fold's model, then
  ``link_translations``) — the document type as ``score.py`` counts it (translations included) and the
  precision / recall of ``translation_of``.

Reading a family runs the pipeline, and so the shipped model; ``train`` needs a model in place to start
from (the one in the repository), whatever it is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from extractors.classify import language_input_names, language_inputs, title_scores, type_inputs
from extractors.doctype import (
    LANGUAGE_HEAD,
    TYPE_HEAD,
    DoctypeModel,
    Head,
    TextFeatures,
    TextSettings,
)
from extractors.model_files import SHIPPED_MODEL_DIR
from extractors.view import DocView
from foundation.settings import Settings
from learn.corpus import LabelledDossier, load_family, parse_family_args
from models.domain import DocType, DocumentText

CONTENT_TYPES = tuple(t.value for t in DocType if t not in (DocType.TRANSLATION, DocType.UNKNOWN))
LANGUAGES = ("ru", "kk", "en", "de", "fr", "nl", "tr", "zh")
# Vocabulary: an n-gram seen in fewer documents than this is noise (a name, an OCR slip); the most
# frequent ones are kept up to a size that keeps the shipped model small.
MIN_DF = 2
MAX_FEATURES = {"char": 15000, "word": 5000}
# Inverse regularisation strength of both logistic regressions.
C = 10.0
# The language detector's guess is evidence of a language even when no family had a document in it: the
# language head also learns from this many inputs per language that carry nothing but that guess.
LANGUAGE_PRIOR_SAMPLES = 5
# The type head also learns every document without its title inputs (``without_titles``).
TITLE_DROPOUT = True
TITLE_DROPOUT_WEIGHT = 0.3  # a third of a document: the title, where there is one, still counts most
MAX_ITER = 5000


@dataclass
class Sample:
    family: str
    dossier: str
    file: str
    file_format: str
    content_type: str
    language: str
    doc_type: str  # as expected.json records it (translation included)
    text: str
    type_inputs: dict[str, float]
    language_inputs: dict[str, float]


def content_type(truth: dict[str, Any], documents: dict[str, Any]) -> str | None:
    """What a document is about: a translation is about what its original is."""
    doc_type = truth.get("doc_type")
    if doc_type == DocType.TRANSLATION.value:
        original = documents.get(str(truth.get("translation_of") or ""))
        return original.get("doc_type") if original else None
    return doc_type if doc_type in CONTENT_TYPES else None


def make_sample(
    family: str, dossier: str, file: str, text: DocumentText, truth: dict[str, Any], documents: dict[str, Any]
) -> Sample | None:
    """The model's inputs for one document, as ``extractors.classify`` computes them; None without text."""
    view = DocView(text)
    kind = content_type(truth, documents)
    if not view.lines or kind is None:
        return None
    scores, _ = title_scores(view)
    return Sample(
        family=family,
        dossier=dossier,
        file=file,
        file_format=str(truth.get("file_format") or "?"),
        content_type=kind,
        language=str(truth.get("language") or "?"),
        doc_type=str(truth.get("doc_type")),
        text=view.text,
        type_inputs=type_inputs(scores),
        language_inputs=language_inputs(view),
    )


def family_samples(dossiers: Iterable[LabelledDossier]) -> list[Sample]:
    out = []
    for d in dossiers:
        documents = d.expected.get("documents", {})
        for doc in d.documents:
            s = make_sample(d.family, f"{d.path.parent.name}/{d.dossier}", doc.file, doc.text, doc.truth, documents)
            if s is not None:
                out.append(s)
    return out


# --------------------------------------------------------------------------- fitting


def _design(features: TextFeatures, samples: Sequence[Sample], extra_names: Sequence[str], which: str) -> Any:
    from scipy import sparse

    rows, cols, vals = [], [], []
    for i, s in enumerate(samples):
        v = features.vector(s.text)
        rows.append(np.full(len(v.index), i))
        cols.append(v.index)
        vals.append(v.value)
        extra = s.type_inputs if which == TYPE_HEAD else s.language_inputs
        for j, name in enumerate(extra_names):
            if extra.get(name):
                rows.append(np.array([i]))
                cols.append(np.array([features.size + j]))
                vals.append(np.array([extra[name]]))
    shape = (len(samples), features.size + len(extra_names))
    return sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=shape, dtype=np.float64
    )


def language_prior() -> list[Sample]:
    """Inputs with no text and the detector's guess of each language (``LANGUAGE_PRIOR_SAMPLES`` each)."""
    return [
        Sample("prior", "", "", "", "", lang, "", "", {}, {f"rule:{lang}": 1.0})
        for lang in LANGUAGES
        for _ in range(LANGUAGE_PRIOR_SAMPLES)
    ]


def without_titles(samples: Sequence[Sample]) -> list[Sample]:
    """The samples once more with no title input: the text alone must then tell the type, so that a document
    whose title is elsewhere, unusual or unreadable is still known by what it says."""
    return [replace(s, type_inputs={}) for s in samples]


def _fit_head(features: TextFeatures, samples: Sequence[Sample], which: str, extra_names: Sequence[str]) -> Head:
    from sklearn.linear_model import LogisticRegression

    weights = [1.0] * len(samples)
    if which == LANGUAGE_HEAD:
        prior = language_prior()
        samples, weights = [*samples, *prior], [*weights, *[1.0] * len(prior)]
    elif TITLE_DROPOUT:
        samples, weights = [*samples, *without_titles(samples)], [*weights, *[TITLE_DROPOUT_WEIGHT] * len(samples)]
    labels = [s.content_type if which == TYPE_HEAD else s.language for s in samples]
    X = _design(features, samples, extra_names, which)
    clf = LogisticRegression(C=C, max_iter=MAX_ITER)
    clf.fit(X, labels, sample_weight=np.array(weights))
    coef = clf.coef_.T
    intercept = clf.intercept_
    if len(clf.classes_) == 2:  # scikit-learn keeps one column for two classes: make it a softmax pair
        coef = np.hstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    return Head(tuple(str(c) for c in clf.classes_), tuple(extra_names), coef, intercept)


def fit(samples: Sequence[Sample], families: Sequence[str] = ()) -> DoctypeModel:
    """Vocabularies and idf from the samples' texts (scikit-learn's TfidfVectorizer), then both heads."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    settings = TextSettings()
    texts = [settings.model_text(s.text) for s in samples]
    vocabularies: dict[str, list[str]] = {}
    idf: dict[str, np.ndarray] = {}
    for block in settings.blocks:
        vec = TfidfVectorizer(
            lowercase=False,
            sublinear_tf=True,
            min_df=MIN_DF,
            max_features=MAX_FEATURES[block],
            analyzer=settings.analyzer(block),
        )
        vec.fit(texts)
        terms = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
        vocabularies[block] = terms
        idf[block] = vec.idf_
    features = TextFeatures(vocabularies, idf, settings)
    heads = {
        TYPE_HEAD: _fit_head(features, samples, TYPE_HEAD, [f"title:{t}" for t in CONTENT_TYPES]),
        LANGUAGE_HEAD: _fit_head(features, samples, LANGUAGE_HEAD, language_input_names(LANGUAGES)),
    }
    import sklearn

    meta = {
        "trained": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d"),
        "scikit_learn": sklearn.__version__,
        "families": {f: sum(1 for s in samples if s.family == f) for f in families},
        "samples": len(samples),
        "content_types": dict(Counter(s.content_type for s in samples)),
        "languages": dict(Counter(s.language for s in samples)),
        "min_df": MIN_DF,
        "max_features": MAX_FEATURES,
        "C": C,
    }
    return DoctypeModel(meta, features, heads)


# --------------------------------------------------------------------------- evaluation


@dataclass
class Tally:
    right: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.right += int(ok)
        self.total += 1

    def __str__(self) -> str:
        return f"{self.right / self.total:.3f} ({self.right}/{self.total})" if self.total else "—"


@dataclass
class FamilyScore:
    family: str
    content_type: Tally = field(default_factory=Tally)
    language: Tally = field(default_factory=Tally)
    by_format: dict[str, tuple[Tally, Tally]] = field(default_factory=lambda: defaultdict(lambda: (Tally(), Tally())))
    by_language: dict[str, tuple[Tally, Tally]] = field(
        default_factory=lambda: defaultdict(lambda: (Tally(), Tally()))
    )
    doc_type: Tally = field(default_factory=Tally)  # after the dossier's translations are paired
    translation_tp: int = 0
    translation_predicted: int = 0
    translation_expected: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def translation_precision(self) -> float:
        return self.translation_tp / self.translation_predicted if self.translation_predicted else 1.0

    @property
    def translation_recall(self) -> float:
        return self.translation_tp / self.translation_expected if self.translation_expected else 1.0


def score_classifier(model: DoctypeModel, samples: Sequence[Sample], into: FamilyScore) -> None:
    """Content type and language of each sample, against its labels."""
    for s in samples:
        predicted = model.predict(
            model.features.vector(s.text), {TYPE_HEAD: s.type_inputs, LANGUAGE_HEAD: s.language_inputs}
        )
        kind, lang = predicted[TYPE_HEAD].label, predicted[LANGUAGE_HEAD].label
        into.content_type.add(kind == s.content_type)
        into.language.add(lang == s.language)
        for tallies in (into.by_format[s.file_format], into.by_language[s.language]):
            tallies[0].add(kind == s.content_type)
            tallies[1].add(lang == s.language)
        if kind != s.content_type or lang != s.language:
            into.errors.append(
                f"{s.dossier}/{s.file} [{s.file_format}]: type {s.content_type}→{kind}, language {s.language}→{lang}"
            )


def score_dossiers(model: DoctypeModel, dossiers: Sequence[LabelledDossier], into: FamilyScore) -> None:
    """The whole extraction with ``model``, translations paired per dossier: doc_type and translation_of."""
    from extractors import extract_document, link_translations

    for d in dossiers:
        texts = {doc.file: doc.text for doc in d.documents}
        extractions = [extract_document(doc.text, model) for doc in d.documents]
        link_translations(extractions, dict(texts))
        where = f"{d.path.parent.name}/{d.dossier}"
        for x, doc in zip(extractions, d.documents):
            into.doc_type.add(x.doc_type.value == doc.truth.get("doc_type"))
            expected_of = doc.truth.get("translation_of")
            into.translation_expected += int(bool(expected_of))
            into.translation_predicted += int(bool(x.translation_of))
            into.translation_tp += int(bool(x.translation_of) and x.translation_of == expected_of)
            if x.doc_type.value != doc.truth.get("doc_type") or x.translation_of != expected_of:
                into.errors.append(
                    f"{where}/{doc.file}: doc_type {doc.truth.get('doc_type')}→{x.doc_type.value}, "
                    f"translation_of {expected_of}→{x.translation_of}"
                )


def _load(families: Sequence[tuple[str, Path]], settings: Settings, jobs: int) -> dict[str, list[LabelledDossier]]:
    """Families by name; folders given under one name (two seeds of one generator) are one family."""
    loaded: dict[str, list[LabelledDossier]] = {}
    for name, root in families:
        print(f"reading {name} ({root}) …", file=sys.stderr, flush=True)
        loaded.setdefault(name, []).extend(load_family(name, root, settings, jobs))
    return loaded


def lofo(loaded: dict[str, list[LabelledDossier]]) -> list[FamilyScore]:
    samples = {name: family_samples(ds) for name, ds in loaded.items()}
    scores = []
    for held, held_dossiers in loaded.items():
        train = [s for name, ss in samples.items() if name != held for s in ss]
        print(f"fold {held}: fitting on {len(train)} documents of the other families …", file=sys.stderr, flush=True)
        model = fit(train, [n for n in loaded if n != held])
        score = FamilyScore(held)
        score_classifier(model, samples[held], score)
        score_dossiers(model, held_dossiers, score)
        scores.append(score)
    return scores


def print_lofo(scores: Sequence[FamilyScore], verbose: bool) -> None:
    print("## Leave one family out: document type and language (fit on the other families)")
    print()
    print("| family held out | content type | language | doc_type (with translations) | translation_of P | R |")
    print("|---|---|---|---|---|---|")
    for s in scores:
        print(
            f"| {s.family} | {s.content_type} | {s.language} | {s.doc_type} | "
            f"{s.translation_precision:.3f} ({s.translation_tp}/{s.translation_predicted}) | "
            f"{s.translation_recall:.3f} ({s.translation_tp}/{s.translation_expected}) |"
        )
    for title, attr in (("file format", "by_format"), ("language", "by_language")):
        print()
        print(f"### Per {title}: content type / language accuracy, family held out")
        print()
        keys = sorted({k for s in scores for k in getattr(s, attr)})
        print("| " + title + " | " + " | ".join(s.family for s in scores) + " |")
        print("|---|" + "---|" * len(scores))
        for k in keys:
            cells = []
            for s in scores:
                t = getattr(s, attr).get(k)
                cells.append(f"{t[0]} / {t[1]}" if t else "")
            print(f"| {k} | " + " | ".join(cells) + " |")
    if verbose:
        for s in scores:
            if s.errors:
                print(f"\n{s.family}: {len(s.errors)} errors")
                for e in s.errors:
                    print(f"  {e}")


def _scores_json(scores: Sequence[FamilyScore]) -> list[dict[str, Any]]:
    def t(x: Tally) -> dict[str, int]:
        return {"right": x.right, "total": x.total}

    return [
        {
            "family": s.family,
            "content_type": t(s.content_type),
            "language": t(s.language),
            "doc_type": t(s.doc_type),
            "translation_of": {
                "tp": s.translation_tp, "predicted": s.translation_predicted, "expected": s.translation_expected
            },
            "by_format": {k: [t(a), t(b)] for k, (a, b) in s.by_format.items()},
            "by_language": {k: [t(a), t(b)] for k, (a, b) in s.by_language.items()},
            "errors": s.errors,
        }
        for s in scores
    ]


# --------------------------------------------------------------------------- command line


# The OCR cache the team's machines share; elsewhere the settings' own (DOCPROC_OCR_CACHE_DIR or the data dir's).
SHARED_OCR_CACHE = Path("/work/cache/ocr")


def learn_settings(data_dir: Path, ocr_cache_dir: Path | None) -> Settings:
    if ocr_cache_dir is None and SHARED_OCR_CACHE.is_dir():
        ocr_cache_dir = SHARED_OCR_CACHE
    return Settings(data_dir=data_dir, ocr_cache_dir=ocr_cache_dir) if ocr_cache_dir else Settings(data_dir=data_dir)


def add_parser(subparsers: Any) -> None:
    """``python -m learn doctype …`` (``learn/__main__.py``)."""
    parser = subparsers.add_parser("doctype", help="document type and language model: train, leave-one-family-out")
    _add_actions(parser)


def _add_actions(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    for action, text in (
        ("train", "fit on every family given and write the model the package ships"),
        ("lofo", "for each family: fit on the others, score it held out"),
    ):
        p = actions.add_parser(action, help=text)
        p.add_argument("--family", action="append", required=True, metavar="NAME=PATH",
                       help="a family of dossiers with expected.json (repeat; folders under one name are one family)")
        p.add_argument("--data-dir", type=Path, default=Path("var/learn"), help="pipeline data (stage caches)")
        p.add_argument("--ocr-cache-dir", type=Path, default=None,
                       help=f"OCR cache (default: {SHARED_OCR_CACHE} where it exists, else the settings')")
        p.add_argument("--jobs", type=int, default=1, help="documents read in parallel (OCR)")
        if action == "train":
            p.add_argument("--out", type=Path, default=SHIPPED_MODEL_DIR, help="where to write doctype.json/.npz")
        else:
            p.add_argument("--json", type=Path, help="also write the scores here")
            p.add_argument("--verbose", action="store_true", help="list every misclassified document")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    families = parse_family_args(args.family)
    settings = learn_settings(args.data_dir, args.ocr_cache_dir)
    loaded = _load(families, settings, args.jobs)
    if args.action == "train":
        samples = [s for ds in loaded.values() for s in family_samples(ds)]
        model = fit(samples, list(loaded))
        model.save(args.out)
        print(f"model written to {args.out}: {len(samples)} documents of {', '.join(loaded)}")
        print(json.dumps({k: v for k, v in model.meta.items()}, ensure_ascii=False))
        return 0
    scores = lofo(loaded)
    print_lofo(scores, args.verbose)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(_scores_json(scores), ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m learn.doctype train|lofo …``: the same commands (``learn.lofo`` retrains every shipped model
    by its module's ``train``)."""
    parser = argparse.ArgumentParser(prog="python -m learn.doctype", description=__doc__.split("\n\n")[0])
    _add_actions(parser)
    parser.set_defaults(run=run)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
