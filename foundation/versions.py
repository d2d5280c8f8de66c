"""The pipeline's stages and their versions: what a cached result of each stage depends on.

Bump a stage's number in the same commit as a change to its code that changes its output (a new
field, a better parser, a fixed check). Cached results of that stage and of every stage after it
are then recomputed — and only those: after an extractor upgrade the documents are extracted again
from their cached text, never read (OCR'd) again.

Besides its number, each stage's output depends on data and settings that change without a code
change; they enter the stage's fingerprint as a digest (``detail``):

* reader — ``ocr/`` and the ingest limits: document bytes → ``DocumentText``. Detail: the OCR
  settings, the OCR engine and its version (a new tesseract reads differently), the limits.
* extractor — ``extractors/``: ``DocumentText`` → ``DocumentExtraction`` (and the pairing of
  translations at dossier level). Detail: the vocabularies and lexicon (``extractors/*.yaml``) and the models
  the extractors ship (``extractors/models/``: the document type and language model, the field scorer).
* validator — ``validators/``: extractions + application → findings, checklist, reimbursement.
  Detail: the programme rules (``validators/rules/*.yaml``) and the finding texts.

``PIPELINE_VERSION`` is derived from the numbers here; the service's per-content cache key
(``document_stages_key``, ``casework.queues.pipeline_key``) from the reader and extractor fingerprints.
The reader's detail names the OCR engine and its version; the engine is a stage, so ``ocr.engine.reader_detail``
computes it and the callers pass it in (this package imports no stage).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

RELEASE = "0.1.0"
# Reader history: 2 seal lettering of text layers kept apart (PageText.seals); 3 text layers read from
# pdfium's characters (word boxes within 0.64 pt of pdfplumber's, ruled tables no longer read); 4 scans:
# grey seal rings painted out, colour seals read as a layer, doubtful runs of words read again; 5 the
# glyph height measured once per page, only text-like doubtful runs read again.
READER_VERSION = 5
# Extractor history: 2 seal BINs, requisites blocks, OCR-torn labels, VAT share, payroll headers;
# 3 translation pairing weighs party requisites as one name match; 4 item rows summed when the totals
# row is unreadable, a lost contract number taken from the dossier's citations, translations prefer
# an original of the declared type; 5 a basis field ("Основание № … от …") as a contract reference;
# 6 a contract date after a wrapped label cell, the Kazakh basis order (date before "№"); 7 OCR-damaged
# titles matched on headings below the title zone, the item-rows sum kept below the trust threshold;
# 8 seal names matched ignoring spaces (OCR spaces ring letters apart); 9 a party's BIN that a document
# does not print is inferred from a sibling naming the same party (marked inferred, never accusing); 10 a party
# name OCR misread takes the form a text layer of the dossier prints (same letters once folded, same legal form);
# 11 no currency guessed from a country: a document printing none takes its contract's printed currency;
# 12 value parsers for every common format (dates with month names of seven languages, amounts in every locale
# format, currencies by sign or code), amounts in words in French and German, the multilingual label lexicon;
# 13 the learned candidate scorer fills number, date, contract reference and amounts the label readers leave empty;
# 14 a number wider than the header above it is read whole; 15 a text layer's printed price stands against words
# that spell another sum; 16 party labels also from the lexicon's unambiguous phrases, numbered and SWIFT-tagged
# form fields, a side block's name after its account line and within its own row; 17 document type and language
# from a learned model of the whole text (extractors/models/doctype.*), translations paired by content wherever
# the certificate stands; 18 a reference number past the keyword's window read whole, a scanned contract's date
# that two citations contradict inferred from them, a party block's name row («Наименование», «Атауы»), compound
# Latin legal forms (GmbH & Co. KG) and family-name particles (Van der Meer); 19 a VAT no larger than the highest
# rate of the base when no total is read, a contract date the citations and its own text agree on; 20 words with a
# minor unit right after the number and no currency between are not read (a wrapped phrase's middle line lost);
# 21 a label printed in two languages is one label ("Ақша жөнелтуші / Отправитель денег"), a SWIFT MT103 copy's tagged
# fields (:20:, :32A:, :50K:, :59:), Indian digit grouping, "and 00/100" fractions in words, an unlabelled share of a
# sum in tenge is a VAT at Kazakhstan's rates only, a VAT stated in a purpose cell its label splits, a merged two-row
# payroll header's group totals, numbered section headings heading a role's block, SWIFT tags no evidence of a
# translation, two columns of prose read one after the other, English defined terms, an annex's dated column not the
# document's date, a bank's registration number of a currency contract is not the contract cited, a contract number without a
# sign when a date follows ("CONTRACT KZ-2024-106 DATED …", "DD").
EXTRACTOR_VERSION = 21
# Validator history: 2 OCR-shifted BINs unverified; 3 VAT of foreign-currency documents not judged by KZ rates,
# implausible OCR VAT unverified; 4 findings rest only on figures their own document backs (validators/consistency.py);
# 5 program rules as the operator applies them (Q capped by the claim, N and the SME limit, eligibility, the
# holidays calendar, the cap across applications, payments after the application, VAT from siblings, wording);
# 6 a BIN failing its check digit on a scan is INVALID_BIN only when read confidently; 7 a scanned contract
# citation accuses only when read as confidently, payroll rows that do not add up themselves are not summed;
# 8 a text layer's total taken from the words or glued from two cells (digit groups at unequal gaps) accuses nobody;
# 9 a scanned figure standing alone accuses only with its VAT line read; 10 words spelling the figure's tail are a
# partial reading on text layers too, a VAT against a base subtracted from a glued total is not judged; 11 wording:
# «исключён», counts of payroll rows agree with their noun; 12 findings keep their message parameters
# (Finding.params) for the Kazakh texts; 13 a scanned contract's party BIN that other documents contradict alike is
# not the reference for them (could not verify, both readings).
VALIDATOR_VERSION = 13

STAGES = ("reader", "extractor", "validator")
# Russian names of the stages, for messages (``docproc batch --dry-run``).
STAGE_LABELS = {"reader": "чтение (OCR)", "extractor": "извлечение данных", "validator": "проверки"}

_ROOT = Path(__file__).resolve().parents[1]
_EXTRACTOR_DATA = ("extractors/*.yaml", "extractors/models/*")
_VALIDATOR_DATA = ("validators/findings.yaml", "validators/rules/**/*.yaml")


def pipeline_version() -> str:
    return f"{RELEASE}+r{READER_VERSION}.e{EXTRACTOR_VERSION}.v{VALIDATOR_VERSION}"


# The release plus every stage's version: results and caches name it.
PIPELINE_VERSION = pipeline_version()


@dataclass(frozen=True)
class StageFingerprint:
    version: int
    detail: str  # digest of the data and settings the stage's output depends on

    @property
    def key(self) -> str:
        return f"{self.version}:{self.detail}"


def _digest(parts: list[bytes]) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(hashlib.sha256(part).digest())
    return hasher.hexdigest()[:16]


@lru_cache(maxsize=4)
def _data_digest(patterns: tuple[str, ...]) -> str:
    # Read once per process: the package's data files do not change while it runs.
    files = sorted(path for pattern in patterns for path in _ROOT.glob(pattern))
    return _digest([f"{path.relative_to(_ROOT)}".encode() + b"\0" + path.read_bytes() for path in files])


def settings_digest(relevant: dict[str, object]) -> str:
    """A short digest of the settings (JSON-able) a stage's output depends on."""
    return _digest([json.dumps(relevant, sort_keys=True).encode()])


def document_stages_key(fingerprints: dict[str, StageFingerprint]) -> str:
    """What a document's reading and extraction depend on: the reader and extractor fingerprints
    (``stage_fingerprints``), not the validator's.

    The service keys its per-content cache with it (``casework.queues.pipeline_key``): a validator
    upgrade re-checks dossiers without reading any document again; a new tesseract, other OCR
    settings or limits, an extractor upgrade or new extractor data read them again.
    """
    reader, extractor = fingerprints["reader"], fingerprints["extractor"]
    digest = _digest([reader.key.encode(), extractor.key.encode()])
    return f"{RELEASE}+r{reader.version}.e{extractor.version}-{digest}"


def stage_fingerprints(reader_detail: str) -> dict[str, StageFingerprint]:
    """The current fingerprint of every stage (versions are read at call time: tests may patch them).

    ``reader_detail``: ``ocr.engine.reader_detail(settings)`` (the OCR settings, limits and engine version).
    """
    return {
        "reader": StageFingerprint(READER_VERSION, reader_detail),
        "extractor": StageFingerprint(EXTRACTOR_VERSION, _data_digest(_EXTRACTOR_DATA)),
        "validator": StageFingerprint(VALIDATOR_VERSION, _data_digest(_VALIDATOR_DATA)),
    }
