"""Reviewers' decisions reach the numbers: a dismissed excluding finding brings its payment back
into the computation (audited, Q before and after), the list and the dossier count open findings,
and the claimed reimbursement stands highlighted against the computed one."""

from __future__ import annotations

import io
import re
from typing import Any

import pdfplumber
from sqlalchemy import select

from casework import connections as context
from models.db import ApplicationRow, AuditEventRow
from tests.test_service_support import ServiceEnv, needs_services
from tests.web_support import (  # noqa: F401 - fixtures
    Seeded,
    Users,
    change_reading,
    seeded_fixture,
    sign_in,
    users_fixture,
)

PAYMENT_FILE = "pp_1284.pdf"


def _payment_dated_after_the_application(env: ServiceEnv, application_id: str) -> None:
    """The payment order's date misread past the application date: PAYMENT_AFTER_APPLICATION excludes it."""

    def misdated(reading: Any) -> None:
        assert reading.date is not None
        reading.date = reading.date.model_copy(update={"value": "2024-06-20", "raw": "20.06.2024"})

    change_reading(env, application_id, PAYMENT_FILE, misdated)


def _computed(env: ServiceEnv, application_id: str) -> dict[str, Any]:
    with context.sessions(env.settings)() as session:
        app = session.get(ApplicationRow, application_id)
        assert app is not None and app.result is not None
        return dict(app.result["computed"])


def _keys_of(page: str, code: str) -> list[str]:
    return re.findall(r'id="finding-([0-9a-f]+)" data-code="' + code + '"', page)


def _payment_step(computed: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in computed["steps"] if s.get("file") == PAYMENT_FILE)


@needs_services
def test_dismissing_the_finding_that_excluded_a_payment_counts_it_again_and_says_so(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users
) -> None:
    _payment_dated_after_the_application(service_env, seeded.application_id)
    excluded = _computed(service_env, seeded.application_id)
    assert _payment_step(excluded)["status"] == "excluded" and excluded["reimbursement_kzt"] == 0.0

    csrf = sign_in(client, "ivanova")
    page = client.get(f"/dossiers/{seeded.application_id}").text
    (key,) = _keys_of(page, "PAYMENT_AFTER_APPLICATION")
    target = f"/dossiers/{seeded.application_id}/findings/{key}"
    answer = client.post(target, data={"verdict": "dismissed", "comment": "дата прочитана с ошибкой", "csrf_token": csrf})
    assert answer.status_code == 200  # followed to the dossier page
    assert f"Документ «{PAYMENT_FILE}» снова учитывается в расчёте" in answer.text
    assert "возмещение 0,00 тенге →" in answer.text.replace("\u00a0", " ")

    counted = _computed(service_env, seeded.application_id)
    step = _payment_step(counted)
    assert step["status"] != "excluded" and step["reincluded"] == ["PAYMENT_AFTER_APPLICATION"]
    assert counted["reimbursement_kzt"] > 0.0
    assert "снова в расчёте: замечание" in answer.text and "отклонено проверяющим" in answer.text
    assert "Замечание отклонено, поэтому документ снова учитывается в расчёте возмещения" in answer.text
    # The finding itself stays, with its verdict (same key: its evidence did not change).
    assert _keys_of(answer.text, "PAYMENT_AFTER_APPLICATION") == [key]
    assert "PAYMENT_AFTER_APPLICATION" not in answer.text.split('data-code="PAYMENT_AFTER_APPLICATION"', 1)[1]

    with context.sessions(service_env.settings)() as session:
        event = session.scalars(select(AuditEventRow).where(AuditEventRow.action == "finding.dismiss")).one()
    recomputed = event.details["recomputed"]
    assert recomputed["rechecked"] is True and recomputed["file"] == PAYMENT_FILE
    assert (recomputed["reimbursement_before"], recomputed["reimbursement_after"]) == (0.0, counted["reimbursement_kzt"])

    # Taking the dismissal back excludes the payment again, audited the same way.
    reopened = client.post(target, data={"verdict": "reopen", "csrf_token": csrf})
    assert f"Документ «{PAYMENT_FILE}» снова исключён из расчёта" in reopened.text
    assert _payment_step(_computed(service_env, seeded.application_id))["status"] == "excluded"


@needs_services
def test_a_verdict_on_a_finding_that_does_not_touch_the_computation_says_so(
    client: Any, seeded: Seeded, users: Users
) -> None:
    csrf = sign_in(client, "ivanova")
    page = client.get(f"/dossiers/{seeded.application_id}").text
    (key,) = _keys_of(page, "VAT_MISCALCULATED")
    answer = client.post(
        f"/dossiers/{seeded.application_id}/findings/{key}", data={"verdict": "accepted", "csrf_token": csrf}
    )
    assert "Расчёт возмещения от этого решения не зависит." in answer.text


@needs_services
def test_the_list_and_the_dossier_count_open_findings_only(client: Any, seeded: Seeded, users: Users) -> None:
    csrf = sign_in(client, "ivanova")
    page = client.get(f"/dossiers/{seeded.application_id}").text
    errors_before = _listed_errors(client.get("/dossiers").text)
    opened = _open_errors_on_dossier(page)
    assert errors_before == opened and opened >= 1
    key = re.findall(r'class="finding sev-error" id="finding-([0-9a-f]+)"', page)[0]
    client.post(
        f"/dossiers/{seeded.application_id}/findings/{key}",
        data={"verdict": "dismissed", "comment": "документ досылается", "csrf_token": csrf},
    )
    page = client.get(f"/dossiers/{seeded.application_id}").text
    assert _open_errors_on_dossier(page) == opened - 1
    assert _listed_errors(client.get("/dossiers").text) == errors_before - 1
    report = client.get(f"/dossiers/{seeded.application_id}/report.pdf")
    with pdfplumber.open(io.BytesIO(report.content)) as pdf:
        printed = " ".join((pdf.pages[0].extract_text() or "").split())
    assert f"ошибок {opened} (открыто {opened - 1})" in printed


@needs_services
def test_the_errors_filter_reads_open_errors_only(client: Any, seeded: Seeded, users: Users) -> None:
    csrf = sign_in(client, "ivanova")
    assert "web_dossier_1" in client.get("/dossiers?errors=yes").text
    assert "web_dossier_1" not in client.get("/dossiers?errors=no").text
    page = client.get(f"/dossiers/{seeded.application_id}").text
    keys = re.findall(r'class="finding sev-error" id="finding-([0-9a-f]+)"', page)
    assert keys
    for key in keys:
        client.post(
            f"/dossiers/{seeded.application_id}/findings/{key}",
            data={"verdict": "dismissed", "comment": "проверено по оригиналу", "csrf_token": csrf},
        )
    assert _open_errors_on_dossier(client.get(f"/dossiers/{seeded.application_id}").text) == 0
    assert "web_dossier_1" not in client.get("/dossiers?errors=yes").text
    assert "web_dossier_1" in client.get("/dossiers?errors=no").text
    client.post(
        f"/dossiers/{seeded.application_id}/findings/{keys[0]}", data={"verdict": "reopen", "csrf_token": csrf}
    )
    assert "web_dossier_1" in client.get("/dossiers?errors=yes").text
    assert "web_dossier_1" not in client.get("/dossiers?errors=no").text


def _listed_errors(listing: str) -> int:
    row = listing.split('data-dossier="web_dossier_1"', 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="num">(.*?)</td>', row)
    return int(re.sub(r"<[^>]+>", "", cells[0]).strip().replace("—", "0"))


def _open_errors_on_dossier(page: str) -> int:
    nav = page.split('id="open-findings"', 1)[1].split("</a>", 1)[0]
    found = re.search(r'class="count error"[^>]*>(\d+)<', nav)
    return int(found.group(1)) if found else 0


@needs_services
def test_the_claimed_reimbursement_is_set_against_the_computed_one(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users
) -> None:
    sign_in(client, "observer")
    page = client.get(f"/dossiers/{seeded.application_id}").text
    computed = _computed(service_env, seeded.application_id)
    assert "Разница с заявленным" in page
    if computed["claimed_reimbursement_kzt"] != computed["reimbursement_kzt"]:
        assert 'id="claim-difference"' in page and "рассчитано меньше заявленного" in page


def test_the_difference_row_reads_in_words() -> None:
    from api.web.page_models.computation import claim_difference_line
    from models.domain import ComputedResult

    base = {"rate": 0.4, "cap": 1e9, "period_months": 24, "period_start": "2022-05-17", "claimed_costs_kzt": 1.0,
            "eligible_costs_kzt": 1.0, "prior_revenue_n": None, "counter_obligation_kzt": None}
    lower = claim_difference_line(
        ComputedResult.model_validate({**base, "claimed_reimbursement_kzt": 14_788_000.0, "reimbursement_kzt": 10_351_600.0})
    )
    assert lower.highlight and lower.value.replace("\u00a0", " ") == (
        "заявлено 14 788 000,00 тенге − рассчитано 10 351 600,00 тенге = 4 436 400,00 тенге "
        "(рассчитано меньше заявленного)"
    )
    same = claim_difference_line(
        ComputedResult.model_validate({**base, "claimed_reimbursement_kzt": 5.0, "reimbursement_kzt": 5.0})
    )
    assert not same.highlight and same.value.startswith("нет")
