"""The reviewers' workspace names the original of each translation where documents are listed.

Whether a document is a translation is decided when the dossier is checked, not when the document is read, so
the list takes it from the dossier's last check. Real service path: API upload, RQ worker in process,
PostgreSQL.
"""

from __future__ import annotations

import html
from typing import Any

from tests.test_service_support import (
    APPLICATION,
    ServiceEnv,
    auth,
    dossier_zip,
    make_keys,
    needs_services,
    render_pdf,
    run_worker_in_process,
)
from tests.test_translation_dossier import CERTIFICATE_RU, CONTRACT_EN, CONTRACT_RU
from tests.web_support import Users, sign_in, users_fixture  # noqa: F401 - fixtures


@needs_services
def test_the_document_list_says_which_document_a_translation_translates(
    service_env: ServiceEnv, client: Any, users: Users
) -> None:
    documents = {
        "scan_0003.pdf": render_pdf([CONTRACT_EN]),
        "dogovor.pdf": render_pdf([CONTRACT_RU, CERTIFICATE_RU]),  # certificate on a page of its own
    }
    application = {**APPLICATION, "dossier_id": "web_translations_1", "files": list(documents)}
    upload = client.post(
        "/v1/dossiers",
        files={"file": ("web_translations_1.zip", dossier_zip(application, documents), "application/zip")},
        headers=auth(make_keys(service_env).admin),
    )
    assert upload.status_code == 202, upload.text
    run_worker_in_process(service_env)
    sign_in(client, users.reviewer)
    page = html.unescape(client.get(f"/dossiers/{upload.json()['application_id']}").text)
    listing = page.split('id="documents"', 1)[1]
    assert "перевод документа scan_0003.pdf" in listing
    assert listing.count("перевод документа") == 1  # the original is not a translation of anything
