"""Request and response bodies of the API (what the OpenAPI document shows, with examples)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from casework.eligibility import EligibilityItemState
from models.domain import Application, ChecklistItem, CleanText, ComputedResult, DocumentExtraction, Finding

APPLICATION_EXAMPLE: dict[str, Any] = {
    "dossier_id": "dossier_0001",
    "applicant": {
        "name": "ТОО «Костанай Агромаш»",
        "bin": "210240012345",
        "address": "г. Костанай, ул. Абая, 12",
    },
    "measure": "technology",
    "measure_name": "Совершенствование технологических процессов",
    "cost_type": "commissioning",
    "cost_name": "Пусконаладочные работы",
    "application_date": "2024-05-17",
    "claimed_eligible_costs_kzt": 48000000.0,
    "claimed_reimbursement_kzt": 19200000.0,
    "prior_revenue_n_kzt": 5230000000.0,
    "currency_rates": [],
    "files": ["zayavka.pdf", "dogovor_15-22.pdf", "pp_1284.pdf"],
}


class ApplicationIn(Application):
    """The applicant's declaration: the shape of the corpus's ``application.json``.

    ``dossier_id`` may be omitted: the service then assigns one.
    """

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [APPLICATION_EXAMPLE]})

    dossier_id: str | None = Field(None, max_length=128)  # type: ignore[assignment]


class Progress(BaseModel):
    total: int = 0
    queued: int = 0
    processing: int = 0
    done: int = 0
    failed: int = 0


class DocumentSummary(BaseModel):
    id: str
    file_name: str
    sha256: str
    kind: str
    status: Literal["queued", "processing", "done", "failed"]
    failure_code: str | None = None
    failure_reason: str | None = Field(None, description="Почему документ не прочитан (по-русски).")
    doc_type: str | None = None
    language: str | None = None
    file_format: str | None = None
    page_count: int | None = None
    attempts: int = 0
    corrected: bool = False
    queued_at: dt.datetime | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None


class ApplicationSummary(BaseModel):
    id: str
    dossier_id: str
    applicant_name: str
    applicant_bin: str
    measure: str
    cost_type: str
    application_date: dt.date
    status: Literal["received", "processing", "done", "failed"]
    revision: int = Field(
        description="Номер раунда проверки: растёт при каждой загрузке, повторе, исправлении."
    )
    checked_revision: int | None = None
    clean: bool | None = None
    error_count: int | None = None
    finding_count: int | None = None
    failure_reason: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    checked_at: dt.datetime | None = None


class ApplicationDetail(ApplicationSummary):
    progress: Progress
    documents: list[DocumentSummary]
    checklist: list[ChecklistItem] | None = Field(None, description="Комплектность (после проверки).")
    findings: list[Finding] | None = Field(None, description="Замечания с доказательствами (после проверки).")
    computed: ComputedResult | None = Field(None, description="Возмещение и встречное обязательство.")
    eligibility: list[EligibilityItemState] = Field(
        default_factory=list,
        description="Условия участия: заявление заявителя и решение проверяющего по каждому.",
    )


class EligibilityDecisionIn(BaseModel):
    verdict: Literal["confirmed", "refused"] | None = Field(
        description="confirmed — условие выполнено, refused — не выполнено (нужен комментарий), null — отменить решение."
    )
    comment: str = Field("", max_length=2000)


class ApplicationList(BaseModel):
    items: list[ApplicationSummary]
    total: int
    limit: int
    offset: int


class UploadedDocument(BaseModel):
    id: str
    file_name: str
    sha256: str
    kind: str
    pages: int
    status: Literal["queued", "processing", "done", "failed"]
    duplicate: bool = Field(False, description="Этот же файл (имя и содержимое) уже был в заявке.")
    reused: bool = Field(False, description="Содержимое уже было прочитано раньше: результат взят из кэша.")


class UploadResponse(BaseModel):
    application_id: str
    revision: int
    documents: list[UploadedDocument]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "application_id": "6f1c2a9e-4d0b-4f5e-9a77-0c1d2e3f4a5b",
                    "revision": 1,
                    "documents": [
                        {
                            "id": "0b6c7d8e-1f2a-4b3c-8d9e-a0b1c2d3e4f5",
                            "file_name": "dogovor_15-22.pdf",
                            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                            "kind": "pdf",
                            "pages": 3,
                            "status": "queued",
                            "duplicate": False,
                            "reused": False,
                        }
                    ],
                }
            ]
        }
    )


class PageInfo(BaseModel):
    page_no: int
    source: str
    width: float
    height: float
    unit: str
    mean_confidence: float
    rotation: int
    image_url: str


class DocumentDetail(DocumentSummary):
    application_id: str
    extraction: DocumentExtraction | None = Field(
        None, description="Поля документа: значение, исходный текст, уверенность, страница и рамка."
    )
    corrections: dict[str, Any] = Field(default_factory=dict)
    pages: list[PageInfo] = Field(default_factory=list)


class CorrectionIn(CleanText):
    fields: dict[str, Any] = Field(
        default_factory=dict,
        description="Путь поля → значение; null удаляет значение. Пути: doc_type, number, date, "
        "amounts.total, contract_ref.number, parties.<role>.bin, …",
    )
    withdraw: list[str] = Field(
        default_factory=list, description="Пути ранее внесённых исправлений, которые отменить."
    )
    comment: str | None = Field(None, max_length=2000)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "fields": {
                        "amounts.total": 2822400.0,
                        "date": "2024-01-10",
                        "parties.beneficiary.bin": "210240012345",
                    },
                    "comment": "Сумма на скане читается неверно, сверено с оригиналом.",
                }
            ]
        }
    )


class ReprocessScope(StrEnum):
    documents = "documents"  # read the documents again (cache ignored), then check
    check = "check"  # check the dossier again with the readings already made


class ReprocessResponse(BaseModel):
    application_id: str
    revision: int
    documents_requeued: int


WebhookEvent = Literal["application.checked", "application.failed"]


def _default_events() -> list[WebhookEvent]:
    return ["application.checked"]


class WebhookIn(CleanText):
    url: HttpUrl
    events: list[WebhookEvent] = Field(default_factory=_default_events)
    secret: str | None = Field(
        None,
        min_length=16,
        max_length=128,
        description="Свой секрет для подписи; если не задан — будет создан.",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"url": "https://portal.example.kz/hooks/docproc", "events": ["application.checked"]}
            ]
        }
    )


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str]
    active: bool
    created_at: dt.datetime
    secret: str | None = Field(None, description="Показывается только при создании подписки.")


class DeliveryOut(BaseModel):
    id: str
    application_id: str
    event: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    response_status: int | None = Field(description="Код ответа получателя — только при доставке (2xx).")
    last_error: str | None = Field(
        description="Итог неудачной попытки: timeout, refused, failed, http_3xx, http_4xx, http_5xx "
        "или address_not_allowed (адрес ведёт во внутреннюю сеть)."
    )
    created_at: dt.datetime
    delivered_at: dt.datetime | None


class KeyIn(CleanText):
    role: Literal["portal", "reviewer", "consumer", "admin"]
    applicant_bins: list[str] = Field(
        default_factory=list, description="Для portal: БИН заявителей, доступные ключу."
    )
    name: str = Field("", max_length=200)


class KeyOut(BaseModel):
    id: str
    name: str
    role: str
    key_prefix: str
    applicant_bins: list[str]
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None
    key: str | None = Field(None, description="Сам ключ: показывается один раз, при создании.")


class AuditEventOut(BaseModel):
    id: str
    at: dt.datetime
    api_key_id: str | None
    user_id: str | None = Field(
        None, description="Пользователь веб-кабинета проверяющих (если действие выполнено там)."
    )
    action: str
    application_id: str | None
    document_id: str | None
    details: dict[str, Any]


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    database: str
    redis: str
    pipeline_key: str


class SearchHitOut(BaseModel):
    """A document found by full-text search, with the passage where the words occur."""

    document_id: str
    application_id: str
    dossier_id: str
    applicant_name: str
    applicant_bin: str
    file_name: str
    doc_type: str | None = None
    snippet: str = Field(description="Отрывок текста документа; найденные слова — между «[[» и «]]».")


class SearchResults(BaseModel):
    query: str
    items: list[SearchHitOut]
    limit: int
