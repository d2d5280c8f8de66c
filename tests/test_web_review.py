"""Reviewers' workspace: working-day deadlines, parsing typed values, corrections that re-derive
amounts, finding verdicts, dossier decisions, the list's filters and the printed report."""

from __future__ import annotations

import io
from typing import Any

import pdfplumber
import pytest
from sqlalchemy import select

from api.web.fields import FieldValueError, parse_value
from casework import connections
from casework.corrections import apply_corrections
from models.db import ApplicationRow, AuditEventRow, FindingDecisionRow
from models.domain import Amounts, DocumentExtraction, ExtractedValue, Provenance
from tests.test_service_support import ServiceEnv, auth, needs_services
from tests.web_support import (  # noqa: F401 - fixtures
    APPLICANT,
    APPLICANT_BIN,
    MISREAD_FILE,
    Seeded,
    Users,
    confirm_eligibility,
    csrf_of,
    seeded_fixture,
    sign_in,
    users_fixture,
)

# --------------------------------------------------------------------------- typed values


@pytest.mark.parametrize(
    ("path", "typed", "value"),
    [
        ("amounts.vat", "302 400,00", 302400.0),
        ("amounts.total", "2822400.5", 2822400.5),
        ("date", "20.01.2023", "2023-01-20"),
        ("contract_ref.date", "2022-03-01", "2022-03-01"),
        ("amounts.vat_rate", "12", 0.12),
        ("amounts.vat_rate", "0,12", 0.12),
        ("amounts.currency", "usd", "USD"),
        ("parties.supplier.bin", "0908 4000 0906", "090840000906"),
        ("period", "03.2024", "2024-03"),
        ("number", "  15/22 ", "15/22"),
    ],
)
def test_typed_values_become_field_values(path: str, typed: str, value: Any) -> None:
    assert parse_value(path, typed) == value


@pytest.mark.parametrize(
    ("path", "typed", "message"),
    [
        ("amounts.vat", "триста", "не сумма"),
        ("amounts.vat", "-5", "не сумма"),
        ("date", "32.01.2023", "не дата"),
        ("parties.payer.bin", "12345", "12 цифр"),
        ("knp", "85", "3 цифры"),
        ("number", "   ", "Введите значение"),
    ],
)
def test_impossible_values_are_refused_in_russian(path: str, typed: str, message: str) -> None:
    with pytest.raises(FieldValueError, match=message):
        parse_value(path, typed)


def test_a_corrected_vat_re_derives_the_amount_without_vat_but_not_a_printed_one() -> None:
    printed = Provenance(page=1)
    derived = DocumentExtraction(
        file="akt.pdf",
        amounts=Amounts(
            total=ExtractedValue(value=2822400.0, raw="2 822 400,00", provenance=printed),
            vat=ExtractedValue(value=320400.0, raw="320 400,00", provenance=printed),
            amount_without_vat=ExtractedValue(value=2502000.0, raw=None, confidence=0.85),
        ),
    )
    corrected = apply_corrections(derived, {"amounts.vat": 302400.0})
    assert corrected.amounts is not None and corrected.amounts.amount_without_vat is not None
    assert corrected.amounts.amount_without_vat.value == 2520000.0
    assert derived.amounts is not None and derived.amounts.amount_without_vat is not None
    assert derived.amounts.amount_without_vat.value == 2502000.0  # the reading is untouched

    read = derived.model_copy(deep=True)
    assert read.amounts is not None
    read.amounts.amount_without_vat = ExtractedValue(value=2502000.0, raw="2 502 000,00", provenance=printed)
    kept = apply_corrections(read, {"amounts.vat": 302400.0})
    assert kept.amounts is not None and kept.amounts.amount_without_vat is not None
    assert kept.amounts.amount_without_vat.value == 2502000.0  # printed: the reviewer corrects it if wrong


# --------------------------------------------------------------------------- actions through the pages


def _application(env: ServiceEnv, application_id: str) -> ApplicationRow:
    with connections.sessions(env.settings)() as session:
        app = session.get(ApplicationRow, application_id)
        assert app is not None
        return app


def _events(env: ServiceEnv, action: str) -> list[AuditEventRow]:
    with connections.sessions(env.settings)() as session:
        return list(session.scalars(select(AuditEventRow).where(AuditEventRow.action == action)))


def _finding_key(page: str, code: str) -> str:
    marker = f'data-code="{code}"'
    head = page.split(marker, 1)[0]
    return head.rsplit('id="finding-', 1)[1].split('"', 1)[0]


@needs_services
def test_dismissing_a_finding_needs_a_comment_and_is_audited_with_before_and_after(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users
) -> None:
    csrf = sign_in(client, "ivanova")
    page = client.get(f"/dossiers/{seeded.application_id}").text
    key = _finding_key(page, "VAT_MISCALCULATED")
    target = f"/dossiers/{seeded.application_id}/findings/{key}"

    refused = client.post(target, data={"verdict": "dismissed", "comment": " ", "csrf_token": csrf})
    assert refused.status_code == 422 and "почему замечание отклоняется" in refused.text

    done = client.post(
        target,
        data={"verdict": "dismissed", "comment": "опечатка OCR", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303
    shown = client.get(done.headers["location"]).text
    assert "отклонено" in shown and "опечатка OCR" in shown
    with connections.sessions(service_env.settings)() as session:
        verdict = session.scalars(select(FindingDecisionRow)).one()
    assert (verdict.verdict, verdict.code, verdict.file) == ("dismissed", "VAT_MISCALCULATED", MISREAD_FILE)
    (event,) = _events(service_env, "finding.dismiss")
    assert event.details["before"] is None
    assert event.details["after"] == {"verdict": "dismissed", "comment": "опечатка OCR"}
    assert event.user_id == users.reviewer_id

    client.post(target, data={"verdict": "reopen", "csrf_token": csrf})
    with connections.sessions(service_env.settings)() as session:
        assert session.scalars(select(FindingDecisionRow)).all() == []
    (reopened,) = _events(service_env, "finding.reopen")
    assert reopened.details["before"]["verdict"] == "dismissed" and reopened.details["after"] is None

    gone = client.post(
        f"/dossiers/{seeded.application_id}/findings/unknown",
        data={"verdict": "accepted", "csrf_token": csrf},
    )
    assert gone.status_code == 422 and "Этого замечания больше нет" in gone.text


@needs_services
def test_a_dossier_with_open_errors_is_complete_only_with_a_comment(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users
) -> None:
    csrf = sign_in(client, "ivanova")
    target = f"/dossiers/{seeded.application_id}/decision"
    confirm_eligibility(client, seeded.application_id, csrf)
    refused = client.post(target, data={"decision": "complete", "csrf_token": csrf})
    assert refused.status_code == 422 and "В досье 3 неотклонённые ошибки." in refused.text
    assert _application(service_env, seeded.application_id).review_decision is None

    client.post(target, data={"decision": "incomplete", "csrf_token": csrf})
    client.post(
        target, data={"decision": "complete", "comment": "документы досланы почтой", "csrf_token": csrf}
    )
    app = _application(service_env, seeded.application_id)
    assert (app.review_decision, app.review_comment, app.reviewed_by) == (
        "complete",
        "документы досланы почтой",
        users.reviewer_id,
    )
    first, second = sorted(_events(service_env, "application.review"), key=lambda e: e.at)
    assert first.details["before"]["decision"] is None and first.details["after"]["decision"] == "incomplete"
    assert (
        second.details["before"]["decision"] == "incomplete"
        and second.details["after"]["decision"] == "complete"
    )
    listed = client.get("/dossiers?decision=complete").text
    assert "решение принято" in listed and APPLICANT in listed


@needs_services
def test_withdrawing_a_correction_brings_the_reading_and_the_finding_back(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users
) -> None:
    csrf = sign_in(client, "ivanova")
    target = f"/documents/{seeded.misread_document}/corrections"
    client.post(target, data={"path": "amounts.vat", "value": "302 400,00", "csrf_token": csrf})
    answer = client.post(target, data={"path": "amounts.vat", "action": "withdraw", "csrf_token": csrf})
    assert answer.status_code == 200  # followed to the document page, the outcome in its notice
    assert "новые: НДС рассчитан неверно" in answer.text
    assert 'data-code="VAT_MISCALCULATED"' in answer.text
    (event,) = _events(service_env, "document.withdraw_correction")
    assert event.details["before"] == 302400.0 and event.details["after"] == 320400.0


@needs_services
def test_the_list_filters_and_tolerates_bad_filter_values(client: Any, seeded: Seeded, users: Users) -> None:
    sign_in(client, "observer")
    assert "web_dossier_1" in client.get(f"/dossiers?q={APPLICANT_BIN}").text
    assert "web_dossier_1" in client.get("/dossiers?q=агромаш&errors=yes&status=done").text
    assert "web_dossier_1" not in client.get("/dossiers?errors=no").text
    assert "web_dossier_1" not in client.get("/dossiers?date_from=18.05.2024").text
    bad = client.get("/dossiers?date_from=вчера&page=abc&sort=deadline")
    assert bad.status_code == 200
    assert "Дата «вчера» в поле «с» не распознана" in bad.text and "web_dossier_1" in bad.text


@needs_services
def test_the_printed_report_has_the_dossier_findings_computation_and_log(
    client: Any, seeded: Seeded, users: Users
) -> None:
    csrf = sign_in(client, "ivanova")
    client.post(
        f"/documents/{seeded.misread_document}/corrections",
        data={"path": "amounts.vat", "value": "302 400,00", "comment": "по скану", "csrf_token": csrf},
    )
    answer = client.get(f"/dossiers/{seeded.application_id}/report.pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(answer.content)) as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
    for expected in (
        "Отчёт о проверке досье",
        APPLICANT,
        "Комплектность",
        "Отсутствует обязательный документ",
        "Встречное обязательство N + 2Q",
        "Исправлено значение",
        "Иванова А. Б.",
    ):
        assert expected in text, expected


@needs_services
def test_pages_of_unknown_dossiers_and_documents_answer_404_in_russian(client: Any, users: Users) -> None:
    sign_in(client, "observer")
    for path in ("/dossiers/nope", "/documents/nope", "/documents/nope/pages/1.png"):
        answer = client.get(path)
        assert answer.status_code == 404 and "не найден" in answer.text.lower(), path


# --------------------------------------------------------------------------- page frames


def _skewed_page(width: int, degrees: float) -> bytes:
    """A page of word-like dark marks in lines, turned by ``degrees`` like a crooked scan."""
    from PIL import Image, ImageDraw

    height = int(width * 1.414)
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    unit = width / 100
    for line in range(40):
        y = int(10 * unit + line * 3 * unit)
        x = 8 * unit
        while x < 88 * unit:
            word = unit * (3 + (line * 7 + int(x)) % 5)
            draw.rectangle([int(x), y, int(x + word), int(y + 1.2 * unit)], fill="black")
            x += word + unit
    turned = page.rotate(degrees, expand=False, fillcolor="white", resample=Image.Resampling.BILINEAR)
    out = io.BytesIO()
    turned.save(out, format="PNG")
    return out.getvalue()


def test_a_scanned_page_is_shown_straightened_like_the_ocr_read_it() -> None:
    import numpy as np
    from PIL import Image

    from casework.page_frames import ocr_frame_png
    from foundation.settings import OcrSettings
    from ocr.image_ops import to_grayscale
    from ocr.preprocess import estimate_skew

    settings = OcrSettings()
    ocr_angle, _ = estimate_skew(
        to_grayscale(np.asarray(Image.open(io.BytesIO(_skewed_page(2480, 2.5))))), 10
    )
    assert abs(abs(ocr_angle) - 2.5) <= 0.2  # what the reader straightens at 300 dpi

    shown = ocr_frame_png(_skewed_page(910, 2.5), 0, settings)  # the page image at 110 dpi
    image = Image.open(io.BytesIO(shown))
    assert image.size == (910, int(910 * 1.414))  # same frame: boxes are in percent of it
    left, _ = estimate_skew(to_grayscale(np.asarray(image.convert("RGB"))), 10)
    assert abs(left) < settings.deskew_min_angle

    quarter = Image.open(io.BytesIO(ocr_frame_png(_skewed_page(910, 0.0), 90, settings)))
    assert quarter.size == (int(910 * 1.414), 910)  # turned like the OCR turned it


# --------------------------------------------------------------------------- eligibility


@needs_services
def test_eligibility_is_confirmed_or_refused_audited_and_blocks_completeness_while_open(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users
) -> None:
    csrf = sign_in(client, "ivanova")
    page = client.get(f"/dossiers/{seeded.application_id}").text
    assert 'id="eligibility-sme"' in page and "Условия участия" in page
    assert "заявлено: да" in page  # the seeded application declares itself an SME
    decision = f"/dossiers/{seeded.application_id}/decision"
    refused = client.post(decision, data={"decision": "complete", "comment": "всё есть", "csrf_token": csrf})
    assert refused.status_code == 422 and "не проверены условия участия" in refused.text
    assert _application(service_env, seeded.application_id).review_decision is None

    target = f"/dossiers/{seeded.application_id}/eligibility/no_tax_arrears"
    no_comment = client.post(target, data={"verdict": "refused", "csrf_token": csrf})
    assert no_comment.status_code == 422 and "почему условие не выполнено" in no_comment.text
    client.post(target, data={"verdict": "refused", "comment": "справка КГД: долг 12 000 тенге", "csrf_token": csrf})
    (event,) = _events(service_env, "eligibility.refuse")
    assert event.user_id == users.reviewer_id
    assert event.details["item"] == "no_tax_arrears" and event.details["before"] is None
    assert event.details["after"] == {"verdict": "refused", "comment": "справка КГД: долг 12 000 тенге"}

    confirm_eligibility(client, seeded.application_id, csrf, skip={"no_tax_arrears"})
    # Every item decided, one refused: complete only with a comment explaining it.
    refused = client.post(decision, data={"decision": "complete", "csrf_token": csrf})
    assert refused.status_code == 422 and "Условия участия не выполнены" in refused.text
    page = client.get(f"/dossiers/{seeded.application_id}").text
    assert "Условие участия не выполнено" in page and "справка КГД" in page  # the audit log shows it


@needs_services
def test_the_api_shows_declarations_and_takes_a_reviewers_verdict(
    service_env: ServiceEnv, client: Any, keys: Any, seeded: Seeded
) -> None:
    url = f"/v1/applications/{seeded.application_id}/eligibility"
    listed = client.get(url, headers=auth(keys.reviewer)).json()
    sme = next(item for item in listed if item["key"] == "sme")
    assert sme["declared"] is True and sme["verdict"] is None
    assert client.put(f"{url}/sme", json={"verdict": "confirmed"}, headers=auth(keys.portal)).status_code in (403, 404)
    answer = client.put(f"{url}/sme", json={"verdict": "confirmed", "comment": "выписка"}, headers=auth(keys.reviewer))
    assert answer.status_code == 200
    assert next(item for item in answer.json() if item["key"] == "sme")["verdict"] == "confirmed"
    unknown = client.put(f"{url}/unknown", json={"verdict": "confirmed"}, headers=auth(keys.reviewer))
    assert unknown.status_code == 422
    (event,) = _events(service_env, "eligibility.confirm")
    assert event.api_key_id is not None and event.details["item"] == "sme"
    detail = client.get(f"/v1/applications/{seeded.application_id}", headers=auth(keys.reviewer)).json()
    assert next(item for item in detail["eligibility"] if item["key"] == "sme")["verdict"] == "confirmed"


def test_dates_and_payroll_months_read_day_month_year() -> None:
    from api.web.fields import format_value

    assert format_value("date", "2024-05-17") == "17.05.2024"
    assert format_value("period", "2024-03") == "03.2024"


def test_application_evidence_reads_in_words() -> None:
    from api.web.page_models.findings import evidence_view
    from models.domain import Evidence

    declared = evidence_view(Evidence(field="increased_rate_condition_met", value=False, note="заявка"), {})
    assert (declared.label, declared.value) == ("Условие повышенной ставки", "нет")
    limit = evidence_view(Evidence(field="sme_limit_kzt", value=11_076_000_000.0), {})
    assert limit.label == "Предел дохода для МСП" and limit.value.startswith("11\u00a0076\u00a0000\u00a0000,00")
