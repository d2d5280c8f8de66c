"""«Уведомление о замечаниях»: generated from the open findings and missing documents, in Russian
and Kazakh, edited, saved, issued (kept as sent), as PDF and DOCX, every step audited."""

from __future__ import annotations

import io
import re
from typing import Any

import pdfplumber
from sqlalchemy import select

from casework import connections as context
from models.db import AuditEventRow
from tests.test_service_support import ServiceEnv, needs_services
from tests.web_support import (  # noqa: F401 - fixtures
    APPLICANT,
    APPLICANT_BIN,
    MISREAD_FILE,
    Seeded,
    Users,
    seeded_fixture,
    sign_in,
    users_fixture,
)


def _events(env: ServiceEnv, action: str) -> list[AuditEventRow]:
    with context.sessions(env.settings)() as session:
        return sorted(session.scalars(select(AuditEventRow).where(AuditEventRow.action == action)), key=lambda e: e.at)


def _body(page: str) -> str:
    found = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert found, "no letter text on the page"
    import html

    return html.unescape(found.group(1))


def _pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


@needs_services
def test_the_letter_names_open_findings_and_missing_documents_in_russian_and_kazakh(
    client: Any, seeded: Seeded, users: Users
) -> None:
    csrf = sign_in(client, "ivanova")
    dossier = client.get(f"/dossiers/{seeded.application_id}").text
    assert f'href="/dossiers/{seeded.application_id}/letter"' in dossier
    page = client.get(f"/dossiers/{seeded.application_id}/letter")
    assert page.status_code == 200 and "Уведомление о замечаниях" in page.text
    body = _body(page.text)
    assert body.startswith(f"Кому: {APPLICANT}, БИН {APPLICANT_BIN}")
    assert "Не представлены обязательные документы:" in body and "Замечания к документам:" in body
    assert MISREAD_FILE in body  # the VAT remark names its document
    assert not re.search(r"\b[A-Z]{3,}_[A-Z_]+\b", body), body  # no raw finding codes

    kazakh = _body(client.get(f"/dossiers/{seeded.application_id}/letter?lang=kk").text)
    assert kazakh.startswith(f"Кімге: {APPLICANT}, БСН {APPLICANT_BIN}")
    assert "Міндетті құжаттар ұсынылмаған:\n1. Өтінім" in kazakh and "ҚҚС дұрыс есептелмеген" in kazakh
    assert "Тексеруші: Иванова А. Б." in kazakh

    # A dismissed finding is not put to the applicant.
    key = re.search(r'id="finding-([0-9a-f]+)" data-code="VAT_MISCALCULATED"', dossier)
    assert key is not None
    client.post(
        f"/dossiers/{seeded.application_id}/findings/{key.group(1)}",
        data={"verdict": "dismissed", "comment": "опечатка OCR", "csrf_token": csrf},
    )
    after = _body(client.get(f"/dossiers/{seeded.application_id}/letter").text)
    assert MISREAD_FILE not in after


@needs_services
def test_the_letter_is_edited_saved_issued_and_printed_as_pdf_and_docx_all_audited(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users
) -> None:
    from docx import Document

    csrf = sign_in(client, "ivanova")
    target = f"/dossiers/{seeded.application_id}/letter"
    body = _body(client.get(target).text) + "\nДополнительно: приложите акт сверки."
    saved = client.post(target, data={"lang": "ru", "body": body, "action": "save", "csrf_token": csrf})
    assert saved.status_code == 200 and "Черновик сохранён" in saved.text
    assert "приложите акт сверки" in _body(saved.text)
    draft_pdf = client.get(f"{target}.pdf")
    assert draft_pdf.headers["content-type"] == "application/pdf"
    draft_text = _pdf_text(draft_pdf.content)
    assert "ПРОЕКТ" in draft_text and "приложите акт сверки" in draft_text

    empty = client.post(target, data={"lang": "ru", "body": "  ", "action": "issue", "csrf_token": csrf})
    assert empty.status_code == 422 and "Текст уведомления пуст" in empty.text
    issued = client.post(target, data={"lang": "ru", "body": body, "action": "issue", "csrf_token": csrf})
    assert "Уведомление выдано" in issued.text and "Выданные уведомления" in issued.text
    letter_id = re.search(r"letter\.pdf\?letter=([0-9a-f-]+)", issued.text)
    assert letter_id is not None
    final = _pdf_text(client.get(f"{target}.pdf?letter={letter_id.group(1)}").content)
    assert "ПРОЕКТ" not in final and "Уведомление о замечаниях" in final and "приложите акт сверки" in final
    docx = client.get(f"{target}.docx?letter={letter_id.group(1)}")
    assert docx.status_code == 200
    paragraphs = [p.text for p in Document(io.BytesIO(docx.content)).paragraphs]
    assert "Уведомление о замечаниях" in paragraphs and any("приложите акт сверки" in p for p in paragraphs)

    kk_pdf = _pdf_text(client.get(f"{target}.pdf?lang=kk").content)
    assert "Ескертулер туралы хабарлама" in kk_pdf and "ЖОБА" in kk_pdf

    (save_event,) = _events(service_env, "letter.save")  # issuing writes its own row, not a save
    assert save_event.user_id == users.reviewer_id and "приложите акт сверки" in save_event.details["body"]
    (issue_event,) = _events(service_env, "letter.issue")
    assert issue_event.details["body"].endswith("приложите акт сверки.") and issue_event.details["lang"] == "ru"
    downloads = _events(service_env, "letter.download")
    assert [d.details["format"] for d in downloads] == ["pdf", "pdf", "docx", "pdf"]
    log = client.get(f"/dossiers/{seeded.application_id}").text.split('id="audit"', 1)[1]
    assert "Уведомление о замечаниях выдано" in log


@needs_services
def test_an_observer_reads_the_letter_but_cannot_save_or_issue_it(client: Any, seeded: Seeded, users: Users) -> None:
    csrf = sign_in(client, "observer")
    page = client.get(f"/dossiers/{seeded.application_id}/letter").text
    assert "Выдать уведомление" not in page and "readonly" in page
    answer = client.post(
        f"/dossiers/{seeded.application_id}/letter", data={"lang": "ru", "body": "x", "action": "issue", "csrf_token": csrf}
    )
    assert answer.status_code == 403
    assert client.get(f"/dossiers/{seeded.application_id}/letter.pdf").status_code == 200
