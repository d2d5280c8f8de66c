"""Domain models shared by every stage.

These pydantic models are the contract between the stages: ``ingest`` produces
``SourceFile``; ``ocr`` turns it into ``DocumentText`` (words with boxes, per page);
``extractors`` turn that into ``DocumentExtraction`` (typed fields with provenance);
``validators`` turn a dossier's extractions plus the ``Application`` into findings and
the reimbursement computation. Each stage can be run and tested with hand-made
instances of its input model.

Why one file: these models are the one contract between the stages; keeping them together shows the whole
shape a document and a dossier take from ingest to the report.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from models.doc_types import DocType
from models.program_rules import RuleSet, RulesNotInForce, default_rules

# Characters no text may hold: NUL and the other C0 controls except tab and line breaks, DEL, and lone
# surrogates. PostgreSQL refuses NUL in text and psycopg cannot encode a surrogate: such input is a
# 422 with the field named, never a 500 from the database.
INVALID_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def invalid_text_at(value: Any, path: str = "") -> str | None:
    """The path of the first string (key or value) in ``value`` holding an invalid character, or None."""
    if isinstance(value, str):
        return path or "(значение)" if INVALID_TEXT.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and INVALID_TEXT.search(key):
                return where
            found = invalid_text_at(item, where)
            if found:
                return found
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = invalid_text_at(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


class CleanText(BaseModel):
    """A model whose input may hold no invalid characters anywhere (see ``INVALID_TEXT``)."""

    @model_validator(mode="before")
    @classmethod
    def _no_invalid_text(cls, data: Any) -> Any:
        where = invalid_text_at(data)
        if where is not None:
            raise PydanticCustomError(
                "invalid_text",
                "поле «{field}» содержит недопустимый символ (нулевой байт или управляющий символ)",
                {"field": where},
            )
        return data

# --------------------------------------------------------------------------- enums


class FileKind(StrEnum):
    """What a file is, decided from its content (magic bytes), never from its name."""

    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"
    TIFF = "tiff"
    XLSX = "xlsx"
    DOCX = "docx"
    XML = "xml"
    ZIP = "zip"
    UNKNOWN = "unknown"


class SourceFile(BaseModel):
    """One accepted document: its name inside the dossier, its bytes and what they are."""

    model_config = ConfigDict(frozen=True)

    name: str
    data: bytes = Field(repr=False)
    sha256: str
    kind: FileKind
    size: int


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class TextSource(StrEnum):
    """Where the words of a page came from."""

    TEXT_LAYER = "text_layer"  # the PDF's own text (pdfplumber)
    OCR = "ocr"  # tesseract (or another engine) on a rendered / photographed page
    STRUCTURED = "structured"  # XLSX cells, DOCX paragraphs, XML elements


# --------------------------------------------------------------------------- geometry and text


class BBox(BaseModel):
    """A box in page coordinates (points for PDFs, pixels for images, cell grid for sheets).

    Origin top-left, y grows downwards.
    """

    model_config = ConfigDict(frozen=True)

    x0: float
    y0: float
    x1: float
    y1: float

    def union(self, other: BBox) -> BBox:
        return BBox(
            x0=min(self.x0, other.x0),
            y0=min(self.y0, other.y0),
            x1=max(self.x1, other.x1),
            y1=max(self.y1, other.y1),
        )


class Word(BaseModel):
    text: str
    bbox: BBox
    confidence: float = Field(1.0, ge=0.0, le=1.0)
    block: int = 0  # engine's block / line ids where it has them (tesseract), else 0
    line: int = 0


class SealText(BaseModel):
    """What a round seal (stamp) on a page says, kept apart from the page's words.

    Seal lettering is left out of ``PageText.words`` because it pollutes the lines it crosses; a
    party's BIN printed only in its seal is still worth knowing, so extractors may read it here as a
    weaker fallback.
    """

    bbox: BBox
    # Lettering set along the seal's circles, each read clockwise; the outer circle first.
    rings: list[str] = Field(default_factory=list)
    # Straight lettering inside the seal ("БИН 111040086517", "М.П."), in reading order.
    words: list[Word] = Field(default_factory=list)

    @property
    def centre_text(self) -> str:
        return " ".join(w.text for w in self.words)


class PageText(BaseModel):
    page_no: int  # 1-based
    width: float
    height: float
    unit: Literal["pt", "px", "cell"] = "pt"
    source: TextSource
    words: list[Word] = Field(default_factory=list)
    # Reading-order lines as plain text; each entry lists the indexes of its words in ``words``.
    lines: list[list[int]] = Field(default_factory=list)
    # Tables as rows of cell strings, where the source has them (XLSX, DOCX); text-layer PDFs leave it
    # empty (no extractor reads ruled tables: rows are read from the words and lines).
    tables: list[list[list[str | None]]] = Field(default_factory=list)
    # Round seals whose lettering was taken out of ``words`` (PDF text layers); a fallback layer only.
    seals: list[SealText] = Field(default_factory=list)
    mean_confidence: float = 1.0
    rotation: int = 0  # degrees the page image was turned before OCR
    ocr_engine: str | None = None  # e.g. "tesseract 5.3.0 rus+kaz+eng psm 3"

    def line_text(self, index: int) -> str:
        return " ".join(self.words[i].text for i in self.lines[index])

    def line_bbox(self, index: int) -> BBox | None:
        idx = self.lines[index]
        if not idx:
            return None
        box = self.words[idx[0]].bbox
        for i in idx[1:]:
            box = box.union(self.words[i].bbox)
        return box

    @property
    def text(self) -> str:
        return "\n".join(self.line_text(i) for i in range(len(self.lines)))


class DocumentText(BaseModel):
    """Everything a document says, page by page, with word boxes."""

    file: str  # the file name inside the dossier
    kind: FileKind
    sha256: str
    pages: list[PageText] = Field(default_factory=list)
    # For XML e-invoices (ЭСФ) and similar machine-readable inputs: the parsed key/values.
    structured: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        return "\n\f\n".join(p.text for p in self.pages)

    @property
    def needed_ocr(self) -> bool:
        return any(p.source == TextSource.OCR for p in self.pages)


# --------------------------------------------------------------------------- extraction


class Provenance(BaseModel):
    page: int  # 1-based
    bbox: BBox | None = None


class ExtractedValue(BaseModel):
    """One value read from a document, with where it came from and how sure we are."""

    value: Any
    raw: str | None = None
    confidence: float = Field(1.0, ge=0.0, le=1.0)
    provenance: Provenance | None = None


class Party(BaseModel):
    role: str
    name: ExtractedValue | None = None
    bin: ExtractedValue | None = None  # as printed (12 digits), may fail the check digit
    iban: ExtractedValue | None = None
    bic: ExtractedValue | None = None


class Amounts(BaseModel):
    total: ExtractedValue | None = None
    vat: ExtractedValue | None = None
    amount_without_vat: ExtractedValue | None = None
    currency: ExtractedValue | None = None
    vat_rate: ExtractedValue | None = None  # as a fraction, e.g. 0.12


class ContractRef(BaseModel):
    number: ExtractedValue | None = None
    date: ExtractedValue | None = None


class PayrollRow(BaseModel):
    name: str
    accrued: float | None = None
    withheld: float | None = None
    net: float | None = None
    provenance: Provenance | None = None
    # Below 0.5 when the row is not internally consistent (accrued − withheld ≠ net): an OCR misparse
    # that dossier checks should not sum.
    confidence: float = Field(1.0, ge=0.0, le=1.0)


class PayrollTotals(BaseModel):
    accrued: ExtractedValue | None = None
    withheld: ExtractedValue | None = None
    net: ExtractedValue | None = None


class DocumentExtraction(BaseModel):
    """What the extractors read from one document."""

    file: str
    sha256: str | None = None
    doc_type: DocType = DocType.UNKNOWN
    doc_type_confidence: float = 0.0
    language: str | None = None  # ru, kk, en, zh, de, tr …
    number: ExtractedValue | None = None
    date: ExtractedValue | None = None
    parties: list[Party] = Field(default_factory=list)
    amounts: Amounts | None = None
    amount_words: ExtractedValue | None = None
    contract_ref: ContractRef | None = None
    # For translations: what the translated original says about itself, to pair it later.
    translated_doc_type: DocType | None = None
    translation_of: str | None = None  # file name of the original, set at dossier level
    # What a translation says (numbers, dates, amounts, names, source language), to pair it with its
    # original; set by the extractors, read by ``link_translations``. Not part of the corpus shape.
    translation_hints: dict[str, Any] = Field(default_factory=dict)
    period: ExtractedValue | None = None  # payroll month "YYYY-MM"
    payroll_rows: list[PayrollRow] = Field(default_factory=list)
    payroll_totals: PayrollTotals | None = None
    payment_purpose: ExtractedValue | None = None
    knp: ExtractedValue | None = None
    file_format: str | None = None  # pdf_text | pdf_scan | image_jpg | image_png | xlsx | docx | xml
    pages: int = 0
    # Set when the document could not be read at all; the reason is user-facing (Russian).
    unreadable_reason: str | None = None
    unreadable_code: str | None = None  # stable machine code of the reason (e.g. encrypted_pdf)


# --------------------------------------------------------------------------- the dossier


class Applicant(BaseModel):
    name: str
    bin: str
    address: str | None = None


class CurrencyRate(BaseModel):
    file: str
    date: dt.date | None = None
    currency: str
    rate_kzt: float = Field(strict=True, allow_inf_nan=False)

    @field_validator("rate_kzt")
    @classmethod
    def _positive_rate(cls, value: float, info: ValidationInfo) -> float:
        return positive_amount(value, info)


class EligibilityDeclarations(BaseModel):
    """What the applicant declares about its eligibility (optional; the reviewer confirms each item).

    The keys are those named by ``validators/rules/eligibility.yaml`` (``declaration``); others are kept.
    """

    model_config = ConfigDict(extra="allow")

    is_sme: bool | None = None
    state_share_below_50: bool | None = None
    # The product (name or code) on the list of priority goods (Order No. 306).
    priority_product: str | None = None
    no_tax_arrears: bool | None = None
    in_producer_register: bool | None = None


def positive_amount(value: float, info: ValidationInfo) -> float:
    """A declared amount: a number (strict: no strings, no booleans), finite, above zero."""
    if not math.isfinite(value) or value <= 0:
        raise PydanticCustomError(
            "amount_not_positive",
            "поле «{field}»: сумма должна быть числом больше нуля, указано {value}",
            {"field": info.field_name, "value": value},
        )
    return value


def _program_rules() -> RuleSet:
    # Read through the rules loader (validators/rules/measures.yaml is the source of truth).
    return default_rules()


class Application(CleanText):
    """The applicant's declaration: the shape of the corpus's ``application.json``.

    Refused (a 422 in the API, exit code 2 in ``docproc check``, a refused dossier in ``docproc batch``)
    with the field named: amounts that are not numbers above zero, a date before the program's rules
    took effect or in the future, a measure or cost type the rules do not know, a cost type of another
    measure, invalid characters in any text.
    """

    model_config = ConfigDict(extra="allow")

    dossier_id: str
    applicant: Applicant
    measure: str
    measure_name: str | None = None
    cost_type: str
    cost_name: str | None = None
    application_date: dt.date
    claimed_eligible_costs_kzt: float = Field(strict=True, allow_inf_nan=False)
    claimed_reimbursement_kzt: float = Field(strict=True, allow_inf_nan=False)
    # N: sales revenue for the months before the measure. A number when given; missing, zero or negative is a
    # finding (the counter-obligation N + 2Q cannot be set), not a refusal at intake (issue 12).
    prior_revenue_n_kzt: float | None = Field(None, strict=True, allow_inf_nan=False)
    currency_rates: list[CurrencyRate] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    # For a measure whose rate depends on a condition (measures.yaml ``rate_condition``): whether the
    # applicant declares the condition met; None when not declared.
    increased_rate_condition_met: bool | None = None
    declarations: EligibilityDeclarations = Field(default_factory=EligibilityDeclarations)

    @field_validator("claimed_eligible_costs_kzt", "claimed_reimbursement_kzt")
    @classmethod
    def _positive_amounts(cls, value: float, info: ValidationInfo) -> float:
        return positive_amount(value, info)

    @field_validator("measure")
    @classmethod
    def _known_measure(cls, value: str) -> str:
        known = sorted({name for version in _program_rules().measures for name in version.measures})
        if value not in known:
            raise PydanticCustomError(
                "unknown_measure",
                "поле «measure»: мера «{value}» не предусмотрена правилами; допустимо: {known}",
                {"value": value, "known": ", ".join(known)},
            )
        return value

    @field_validator("cost_type")
    @classmethod
    def _cost_type_of_the_measure(cls, value: str, info: ValidationInfo) -> str:
        measure = info.data.get("measure")
        if measure is None:
            return value  # the measure itself is refused
        allowed = sorted(
            {
                name
                for version in _program_rules().measures
                if measure in version.measures
                for name in version.measures[measure].cost_types
            }
        )
        if value not in allowed:
            raise PydanticCustomError(
                "cost_type_not_of_measure",
                "поле «cost_type»: вид затрат «{value}» не относится к мере «{measure}»; допустимо: {allowed}",
                {"value": value, "measure": measure, "allowed": ", ".join(allowed)},
            )
        return value

    @field_validator("application_date")
    @classmethod
    def _plausible_date(cls, value: dt.date) -> dt.date:
        first = min(version.effective_from for version in _program_rules().measures)
        # A day ahead of UTC: Kazakhstan's date runs ahead of the server's clock in the evening.
        latest = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
        if value < first:
            raise PydanticCustomError(
                "application_date_implausible",
                "поле «application_date»: дата {value} раньше начала действия правил ({first})",
                {"value": value.isoformat(), "first": first.isoformat()},
            )
        if value > latest:
            raise PydanticCustomError(
                "application_date_implausible",
                "поле «application_date»: дата {value} ещё не наступила",
                {"value": value.isoformat()},
            )
        return value

    @model_validator(mode="after")
    def _in_force_on_the_date(self) -> Application:
        try:
            measures = _program_rules().for_date(self.application_date).measures
        except RulesNotInForce:
            return self  # a gap between rule versions is the validators' finding, not a refusal
        rule = measures.measures.get(self.measure)
        if rule is None or self.cost_type not in rule.cost_types:
            raise PydanticCustomError(
                "not_in_force",
                "поля «measure»/«cost_type»: мера «{measure}» с видом затрат «{cost_type}» не действует "
                "на дату заявки {date} (правила {version})",
                {
                    "measure": self.measure,
                    "cost_type": self.cost_type,
                    "date": self.application_date.isoformat(),
                    "version": measures.version,
                },
            )
        return self



class PriorReimbursement(BaseModel):
    """A reimbursement already recorded for the same applicant and measure (another application)."""

    dossier_id: str
    application_date: dt.date
    measure: str
    reimbursement_kzt: float


class Evidence(BaseModel):
    file: str | None = None
    field: str | None = None
    value: Any = None
    provenance: Provenance | None = None
    note: str | None = None


class Finding(BaseModel):
    code: str
    severity: Severity
    message: str  # Russian, understandable without the code
    file: str | None = None
    doc_type: str | None = None
    duplicate_of: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    # The values the message template was filled with (validators.findings.make_finding), so that the
    # message can be rendered again in another language (validators.finding_texts). Empty in results
    # stored before they were kept: those findings show their Russian message.
    params: dict[str, Any] = Field(default_factory=dict)


class ComputedResult(BaseModel):
    rate: float
    cap: float
    period_months: int
    period_start: dt.date
    # The corpus's "claimed costs": the sum of the cost documents (payment orders / payroll sheets).
    claimed_costs_kzt: float
    claimed_reimbursement_kzt: float
    eligible_costs_kzt: float
    reimbursement_kzt: float
    # N and N + 2Q; None when N is missing, zero or negative (a finding says so).
    prior_revenue_n: float | None
    counter_obligation_kzt: float | None
    # payroll: salaries carry no VAT
    vat_basis: Literal["without_vat", "with_vat", "not_applicable"] = "without_vat"
    # What the applicant declared (application.json) against what the documents confirm.
    declared_costs_kzt: float | None = None
    costs_difference_kzt: float | None = None  # declared − confirmed (eligible)
    # Which term of Q = min(rate × eligible, cap left, claimed) set Q: rate | cap | claim.
    reimbursement_limited_by: Literal["rate", "cap", "claim"] | None = None
    # How the rate was chosen (Russian), when the measure's rate depends on a declared condition.
    rate_note: str | None = None
    # Reimbursements already recorded for the same BIN and measure that count against the cap.
    cap_used_kzt: float = 0.0
    cap_left_kzt: float | None = None
    # The counter-obligation is monitored for this many months after the reimbursement agreement.
    monitoring_months: int | None = None
    rules_version: str | None = None
    # Step-by-step lines for the report: which payment counted, how much, why not.
    steps: list[dict[str, Any]] = Field(default_factory=list)


class ChecklistItem(BaseModel):
    doc_type: str
    label: str  # Russian
    required: bool
    status: Literal["present", "missing", "unreadable", "not_required"]
    files: list[str] = Field(default_factory=list)


class EligibilityCheckItem(BaseModel):
    """A condition of participation a reviewer must confirm, with the applicant's declaration."""

    key: str
    label: str  # Russian
    declared: Any = None  # from application.json ``declarations``; None when not declared


class DossierResult(BaseModel):
    dossier_id: str
    applicant: Applicant | None = None
    measure: str
    measure_name: str | None = None
    cost_type: str
    cost_name: str | None = None
    application_date: dt.date
    clean: bool
    documents: list[DocumentExtraction]
    findings: list[Finding]
    computed: ComputedResult | None
    checklist: list[ChecklistItem] = Field(default_factory=list)
    # Conditions of participation the service cannot check; a reviewer confirms each.
    eligibility: list[EligibilityCheckItem] = Field(default_factory=list)
    # What must still be checked by hand when the documents raise nothing (Russian).
    manual_checks: list[str] = Field(default_factory=list)
    pipeline_version: str | None = None
