"""The letter to the applicant (``/dossiers/{id}/letter``): «Уведомление о замечаниях» generated from
the open findings, edited, saved as a draft, issued; printed as PDF (``letter.pdf``) or DOCX
(``letter.docx``), in Russian or Kazakh (``?lang=kk``). Texts and storage: ``api.web.letters``."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Form, Request, status
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep
from api.heavy import heavy_work
from api.web import letters
from api.web.i18n import gettext
from api.web.page_models.audit import people_names
from api.web.page_models.formatting import local_time, measure_label, today
from api.web.pages.lookup import load_application, load_locked_application
from api.web.reads import LETTER_DOWNLOAD, record_read
from api.web.rendering import page_router, redirect, render
from api.web.review import finding_verdicts
from api.web.security import ReviewerDep, UserDep, WebError, WebUser
from casework.finding_keys import current_findings
from foundation.settings import Settings
from models.db import ApplicantLetterRow, ApplicationRow
from validators.findings import fmt_date

router = page_router()


def _generated(session: Session, app: ApplicationRow, user: WebUser, lang: str, settings: Settings) -> str:
    facts = letters.LetterFacts(
        applicant=app.applicant_name,
        bin=app.applicant_bin,
        dossier=app.dossier_id,
        date=fmt_date(app.application_date),
        measure=measure_label(app, app.payload),
        reviewer=user.display_name,
        today=fmt_date(today(settings)),
    )
    findings = letters.open_letter_findings(current_findings(app), finding_verdicts(session, app.id))
    return letters.compose_letter(findings, facts, lang)


def _letter_context(
    session: Session,
    app: ApplicationRow,
    user: WebUser,
    settings: Settings,
    lang: str,
    fresh: bool = False,
    error: str | None = None,
    typed: str | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    draft = letters.draft_of(session, app.id, lang)
    issued = letters.issued_letters(session, app.id)
    people = people_names(session, [*(r.issued_by for r in issued), draft.updated_by if draft else None])
    if typed is not None:
        body = typed
    elif draft is not None and not fresh:
        body = draft.body
    else:
        body = _generated(session, app, user, lang, settings)
    catalogue = letters.letter_catalogue()
    return {
        "user": user,
        "app": app,
        "lang": lang,
        "languages": [(code, texts.name) for code, texts in catalogue.languages.items()],
        "title": catalogue.languages[lang].title,
        "body": body,
        "draft": draft,
        "draft_by": people.get(draft.updated_by or "", "") if draft else "",
        "draft_at": local_time(draft.updated_at, settings) if draft else "",
        "issued": [
            {
                "id": r.id,
                "lang": catalogue.languages[letters.letter_language(r.lang)].name,
                "by": people.get(r.issued_by or "", ""),
                "at": local_time(r.issued_at, settings),
            }
            for r in issued
        ],
        "may_review": user.may("review"),
        "error": error,
        "notice": notice,
    }


@router.get("/dossiers/{application_id}/letter", response_class=HTMLResponse)
def letter_page(
    request: Request,
    application_id: str,
    user: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    lang: str = "ru",
    fresh: str = "",
    saved: str = "",
) -> HTMLResponse:
    app = load_application(session, application_id)
    lang = letters.letter_language(lang)
    notice = {"draft": gettext("Черновик сохранён."), "issued": gettext("Уведомление выдано: текст сохранён в том виде, в каком выдан.")}.get(
        saved
    )
    context = _letter_context(session, app, user, settings, lang, fresh=bool(fresh), notice=notice)
    return render(request, "letter.html", context)


@router.post("/dossiers/{application_id}/letter")
def save_letter(
    request: Request,
    application_id: str,
    user: ReviewerDep,
    session: SessionDep,
    settings: SettingsDep,
    lang: str = Form("ru"),
    body: str = Form(""),
    action: str = Form("save"),
) -> Response:
    app = load_locked_application(session, application_id)
    lang = letters.letter_language(lang)
    try:
        if action == "issue":
            letters.issue_letter(session, app, user.id, lang, body)
        elif action == "save":
            letters.save_draft(session, app, user.id, lang, body)
        else:
            raise WebError(status.HTTP_422_UNPROCESSABLE_CONTENT, gettext("Неизвестное действие «{action}».").format(action=action))
    except letters.LetterError as exc:
        session.rollback()
        app = load_application(session, application_id)
        context = _letter_context(session, app, user, settings, lang, error=str(exc), typed=body)
        return render(request, "letter.html", context, status.HTTP_422_UNPROCESSABLE_CONTENT)
    session.commit()
    saved = "issued" if action == "issue" else "draft"
    return redirect(f"/dossiers/{application_id}/letter?lang={lang}&saved={saved}")


def _printed(
    session: Session, app: ApplicationRow, user: WebUser, settings: Settings, lang: str, letter: str
) -> tuple[str, str, str | None]:
    """(language, text, draft mark or None): an issued letter by id, else the draft, else the generated text."""
    if letter:
        row = session.get(ApplicantLetterRow, letter)
        if row is None or row.application_id != app.id or row.issued_at is None:
            raise WebError(status.HTTP_404_NOT_FOUND, gettext("Такого выданного уведомления нет."), title=gettext("Уведомление не найдено"))
        return letters.letter_language(row.lang), row.body, None
    lang = letters.letter_language(lang)
    draft = letters.draft_of(session, app.id, lang)
    body = draft.body if draft is not None else _generated(session, app, user, lang, settings)
    return lang, body, letters.letter_catalogue().languages[lang].draft_mark


_FORMATS = {
    "pdf": ("application/pdf", "inline"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "attachment"),
}


@router.get("/dossiers/{application_id}/letter.{fmt}")
def letter_file(
    application_id: str,
    fmt: str,
    user: UserDep,
    session: SessionDep,
    settings: SettingsDep,
    lang: str = "ru",
    letter: str = "",
) -> Response:
    """``letter.pdf`` (the report's PDF machinery) or ``letter.docx``; ``?letter=`` an issued one."""
    if fmt not in _FORMATS:
        raise WebError(status.HTTP_404_NOT_FOUND, gettext("Уведомление выдаётся в PDF или DOCX."), title=gettext("Нет такого формата"))
    app = load_application(session, application_id)
    lang, body, mark = _printed(session, app, user, settings, lang, letter)
    title = letters.letter_catalogue().languages[lang].title
    if fmt == "pdf":
        with heavy_work(settings):
            data = letters.letter_pdf(title, body, f"Досье {app.dossier_id} · {title}", mark)
    else:
        data = letters.letter_docx(title, body, mark)
    record_read(session, user, LETTER_DOWNLOAD, app.id, format=fmt, lang=lang, letter_id=letter or None)
    media_type, disposition = _FORMATS[fmt]
    name = f"uvedomlenie_{app.dossier_id}_{lang}.{fmt}"
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name, safe='')}",
            "Cache-Control": "no-store",
        },
    )
