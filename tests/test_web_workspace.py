"""The workspace as a verification station (issue 13), at the HTML level with the test client: the
document page's navigation, attention marks, snippets and thumbnails; staying on the document after a
correction; «Следующее досье →» after a decision; the live status answer; the sign-in page's wording.
The same in a real browser: ``test_web_workspace_browser``, ``test_web_keyboard``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tests.test_service_support import ServiceEnv, needs_services
from tests.web_support import (  # noqa: F401 - fixtures
    MISREAD_FILE,
    Seeded,
    Users,
    seeded_fixture,
    sign_in,
    users_fixture,
)

pytestmark = needs_services


def add_processing_dossier(env: ServiceEnv, registered: dt.datetime | None = None) -> str:
    """A second dossier whose documents are still being read (the list and the status answer show it)."""
    from casework import connections
    from models.db import ApplicationRow

    with connections.sessions(env.settings).begin() as session:
        row = ApplicationRow(
            dossier_id="web_dossier_2",
            applicant_name="ТОО «Второй заявитель»",
            applicant_bin="090840000906",
            measure="technology",
            cost_type="works",
            application_date=dt.date(2023, 3, 1),
            payload={},
            status="processing",
        )
        if registered is not None:
            row.created_at = registered
        session.add(row)
        session.flush()
        return row.id


def _set_status(env: ServiceEnv, application_id: str, status: str) -> None:
    from casework import connections
    from models.db import ApplicationRow

    with connections.sessions(env.settings).begin() as session:
        row = session.get(ApplicationRow, application_id)
        assert row is not None
        row.status = status


def test_the_sign_in_page_has_no_command_line_instructions(client: Any) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert "docproc users" not in page.text and "<code>" not in page.text
    assert "обратитесь к администратору" in page.text


def test_a_document_page_links_its_neighbours_and_marks_the_fields_needing_attention(
    client: Any, seeded: Seeded, users: Users
) -> None:
    sign_in(client, users.reviewer)
    dossier = client.get(f"/dossiers/{seeded.application_id}").text
    order = re.findall(r'<a href="/documents/([0-9a-f-]+)" class="strong">', dossier)
    assert len(order) == len(seeded.documents) >= 3
    first, middle, last = (client.get(f"/documents/{i}").text for i in (order[0], order[1], order[-1]))
    assert 'rel="prev"' not in first and f'<a rel="next" href="/documents/{order[1]}"' in first
    assert f'<a rel="prev" href="/documents/{order[0]}"' in middle
    assert f'<a rel="next" href="/documents/{order[2]}"' in middle
    assert f'<link rel="prev" href="/documents/{order[0]}">' in middle
    assert 'rel="next"' not in last
    assert f"документ 2 из {len(order)}" in middle

    act = client.get(f"/documents/{seeded.misread_document}?field=amounts.vat").text
    vat_row = re.search(r'<tr class="field [^"]*" id="f-amounts-vat"[^>]*>', act)
    assert vat_row is not None and "data-attention" in vat_row.group(0)  # named by VAT_MISCALCULATED
    assert "Следующее поле, требующее внимания" in act
    # The VAT's place cut out of its page for the edit row, with the page image and a margin.
    snippet = re.search(r'<tr class="edit-row" data-for="f-amounts-vat">\s*<td colspan="3">\s*<div class="snippet"[^>]*>', act)
    assert snippet is not None
    assert f'data-src="/documents/{seeded.misread_document}/pages/1.png"' in snippet.group(0)
    box = re.search(r'class="box [^"]*" href="#f-amounts-vat" tabindex="-1"[^>]*data-left="([\d.]+)"', act)
    left = re.search(r'data-left="([\d.]+)"', snippet.group(0))
    assert box is not None and left is not None and float(left.group(1)) < float(box.group(1))
    # Boxes are never tab stops; the hotkeys are listed.
    assert not re.search(r'<a class="box(?![^>]*tabindex="-1")', act)
    assert 'id="hotkeys"' in act and "следующее поле, требующее внимания" in act


def test_a_multi_page_document_has_a_thumbnail_strip(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users
) -> None:
    from casework import connections
    from models.db import PageRow

    with connections.sessions(service_env.settings).begin() as session:
        session.add(
            PageRow(
                document_id=seeded.misread_document, page_no=2, source="text_layer", width=595, height=842,
                unit="pt", mean_confidence=1.0, text="Страница 2",
            )
        )
    sign_in(client, users.reviewer)
    page = client.get(f"/documents/{seeded.misread_document}").text
    strip = page.split('<nav class="thumbs"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r'href="#page-(\d)"', strip) == ["1", "2"]
    assert f'src="/documents/{seeded.misread_document}/pages/2.png"' in strip
    for doc_id in seeded.documents.values():  # a strip exactly where there is more than one page
        html = client.get(f"/documents/{doc_id}").text
        assert ('<nav class="thumbs"' in html) == (len(re.findall(r'<figure class="page-wrap"', html)) > 1)


def test_after_a_correction_the_reviewer_stays_on_the_document_with_the_outcome(
    client: Any, seeded: Seeded, users: Users
) -> None:
    csrf = sign_in(client, users.reviewer)
    answer = client.post(
        f"/documents/{seeded.misread_document}/corrections",
        data={"path": "amounts.vat", "value": "302 400,00", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    notice = page.split('id="notice">', 1)[1].split("</p>", 1)[0]
    assert "снято: НДС рассчитан неверно" in notice
    assert f'href="/dossiers/{seeded.application_id}#findings">К досье →' in notice
    row = re.search(r'<tr class="field [^"]*" id="f-amounts-vat"[^>]*>', page)
    assert row is not None and " active" in row.group(0) and "data-attention" not in row.group(0)
    assert '<tr class="edit-row" data-for="f-amounts-vat" hidden>' in page  # saved: the editor closed
    # An unknown event shows no notice.
    other = client.get(f"/documents/{seeded.documents[MISREAD_FILE]}?event=not-an-event").text
    assert 'id="notice"' not in other


def test_after_a_decision_the_next_undecided_dossier_is_offered(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users
) -> None:
    second = add_processing_dossier(service_env)
    csrf = sign_in(client, users.reviewer)
    before = client.get(f"/dossiers/{seeded.application_id}").text
    assert "Следующее досье" not in before  # only once this one is decided
    answer = client.post(
        f"/dossiers/{seeded.application_id}/decision",
        data={"decision": "incomplete", "comment": "нет документов", "csrf_token": csrf},
        follow_redirects=False,
    )
    page = client.get(answer.headers["location"]).text
    link = re.search(r'<a class="button primary next-dossier" href="/dossiers/([0-9a-f-]+)"([^>]*)>Следующее досье →</a>', page)
    assert link is not None and link.group(1) == second and "data-autofocus" in link.group(2)
    later = client.get(f"/dossiers/{seeded.application_id}").text  # not just decided: offered, not focused
    assert "Следующее досье →" in later and "data-autofocus" not in later
    # The log comes after the decision form (a narrow screen shows them one above the other).
    assert later.index('id="decide"') < later.index('id="audit"')


def test_the_live_status_answer_follows_the_reading(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users
) -> None:
    second = add_processing_dossier(service_env)
    unsigned = client.get(f"/dossiers/{second}/status", follow_redirects=False)
    assert unsigned.status_code == 303 and "/login" in unsigned.headers["location"]
    sign_in(client, users.observer)
    answer = client.get(f"/dossiers/{second}/status")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert answer.json() == {
        "status": "processing",
        "status_label": "обрабатывается",
        "processing": True,
        "progress": "прочитано 0 из 0 документов",
        "documents": [],
    }
    listing = client.get("/dossiers").text
    row = re.search(r'<tr data-dossier="web_dossier_2"[^>]*>', listing)
    assert row is not None and f'data-status-url="/dossiers/{second}/status"' in row.group(0)
    assert "data-status-live" in row.group(0)
    done_row = re.search(r'<tr data-dossier="web_dossier_1"[^>]*>', listing)
    assert done_row is not None and "data-status-live" not in done_row.group(0)  # nothing to wait for

    done = client.get(f"/dossiers/{seeded.application_id}/status").json()
    assert done["processing"] is False and done["status_label"] == "проверена"
    assert done["progress"] == f"прочитано {len(seeded.documents)} из {len(seeded.documents)} документов"
    assert {d["status_label"] for d in done["documents"]} == {"прочитан"}
    assert client.get("/dossiers/no-such-dossier/status").status_code == 404

    _set_status(service_env, second, "done")
    assert client.get(f"/dossiers/{second}/status").json()["processing"] is False


def test_counts_agree_with_their_nouns() -> None:
    from api.web.page_models.formatting import count_words

    fields = [count_words(n, "поле", "поля", "полей") for n in (1, 2, 4, 5, 11, 12, 21, 22, 25, 101, 111)]
    assert fields == [
        "1 поле", "2 поля", "4 поля", "5 полей", "11 полей", "12 полей", "21 поле", "22 поля", "25 полей",
        "101 поле", "111 полей",
    ]


def test_the_worker_draws_the_page_images_before_a_reviewer_asks(
    service_env: ServiceEnv, client: Any, seeded: Seeded, users: Users, monkeypatch: Any
) -> None:
    import api.page_images
    import casework.page_images
    from casework import connections
    from casework.page_images import pages_of_application, stored_page_image
    from models.db import DocumentRow, PageImageRow

    with connections.sessions(service_env.settings)() as session:
        pages = pages_of_application(session, seeded.application_id)
        paged = [
            d for d in session.query(DocumentRow).filter(DocumentRow.application_id == seeded.application_id)
            if d.kind in ("pdf", "jpeg", "png", "tiff") and d.status == "done"
        ]
        assert paged and len(pages) >= len(paged)
        assert all(stored_page_image(session, p, service_env.settings) is not None for p in pages)
        assert session.query(PageImageRow).count() >= len(pages)

    def not_again(*_: Any) -> Any:
        raise AssertionError("the page was drawn on request: the worker had not drawn it")

    monkeypatch.setattr(casework.page_images, "render_page_png", not_again)
    monkeypatch.setattr(api.page_images, "_recent", api.page_images._RecentImages())  # nothing in memory
    sign_in(client, users.reviewer)
    for doc in paged:
        for page_no in range(1, (doc.page_count or 1) + 1):
            image = client.get(f"/documents/{doc.id}/pages/{page_no}.png")
            assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
