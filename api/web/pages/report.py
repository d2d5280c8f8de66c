"""The printable report of a dossier (``/dossiers/{id}/report.pdf``): what the dossier page shows,
as a PDF (``api.web.report_pdf``), in the reader's language or the one ``?lang=`` asks for."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import Response

from api.deps import SessionDep, SettingsDep
from api.heavy import heavy_work
from api.web.i18n import use_language
from api.web.pages.dossier import dossier_context
from api.web.pages.lookup import load_application
from api.web.reads import REPORT_DOWNLOAD, record_read
from api.web.rendering import page_router
from api.web.security import UserDep

router = page_router()


@router.get("/dossiers/{application_id}/report.pdf")
def dossier_report(
    application_id: str, user: UserDep, session: SessionDep, settings: SettingsDep, lang: str | None = None
) -> Response:
    """``?lang=kk`` or ``?lang=ru`` prints in that language; without it, in the reader's own."""
    from api.web.report_pdf import dossier_report_pdf

    use_language(lang)
    app = load_application(session, application_id)
    context = dossier_context(session, app, user, settings)
    with heavy_work(settings):
        pdf = dossier_report_pdf(context, printed_by=user.display_name, settings=settings)
    record_read(session, user, REPORT_DOWNLOAD, app.id)
    name = f"dossier_{app.dossier_id}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f"inline; filename*=UTF-8''{quote(name, safe='')}",
            "Cache-Control": "no-store",
        },
    )
