"""Completeness: required documents, translations, duplicate submissions."""

from __future__ import annotations

from models.domain import DocType, Evidence
from validators.context import CheckContext
from validators.dossier_view import DossierView, language_of
from validators.findings import catalogue, make_finding


def check_missing_documents(ctx: CheckContext, view: DossierView) -> None:
    app = view.application
    present = {d.doc_type for d in view.documents}
    unknown = [d.file for d in view.documents if d.doc_type == DocType.UNKNOWN]
    note = ""
    if unknown:
        note = (
            " Возможно, это один из документов, тип которых не удалось определить: "
            + ", ".join(unknown)
            + "."
        )
    for doc_type in view.rules.documents.required_for(app.measure, app.cost_type):
        if doc_type not in present:
            ctx.add(
                make_finding(
                    "MISSING_DOCUMENT",
                    doc_type=doc_type.value,
                    evidence=[
                        Evidence(
                            field="doc_type",
                            value=doc_type.value,
                            note="обязателен для этой меры и вида затрат",
                        )
                    ],
                    label=view.rules.documents.label(doc_type),
                    note=note,
                )
            )


def check_translations(ctx: CheckContext, view: DossierView) -> None:
    no_translation = set(view.rules.documents.no_translation_languages)
    translated = set(view.translation_pairs.values())
    # A translation attached to either copy of a duplicated document translates both.
    for dup in view.duplicates:
        if dup.file in translated or dup.duplicate_of in translated:
            translated.update({dup.file, dup.duplicate_of})
    for doc in view.distinct:
        language = language_of(doc)
        if doc.doc_type in (DocType.TRANSLATION, DocType.UNKNOWN) or not language:
            continue
        if language in no_translation or doc.file in translated:
            continue
        if view.unpaired_translations:
            ctx.unverified(
                doc,
                "translation_of",
                "наличие перевода",
                "в досье есть перевод, но не удалось определить, к какому документу он относится: "
                + ", ".join(t.file for t in view.unpaired_translations),
            )
            continue
        ctx.add(
            make_finding(
                "MISSING_TRANSLATION",
                file=doc.file,
                evidence=[Evidence(file=doc.file, field="language", value=language)],
                language_name=catalogue().language_name(language),
            )
        )


def check_duplicates(ctx: CheckContext, view: DossierView) -> None:
    names = {
        "number": "номер",
        "date": "дата",
        "total": "сумма",
        "period": "период",
        "parties": "стороны",
        "sha256": "файл",
    }
    by_file = {d.file: d for d in view.documents}
    for dup in view.duplicates:
        doc = by_file[dup.file]
        details = f"{catalogue().doc_type_label(doc.doc_type.value)}; совпадают: " + ", ".join(
            names[m] for m in dup.matched
        )
        ctx.add(
            make_finding(
                "DUPLICATE_DOCUMENT",
                file=dup.file,
                duplicate_of=dup.duplicate_of,
                evidence=[
                    Evidence(file=dup.file, note="повторная копия"),
                    Evidence(file=dup.duplicate_of, note="первый экземпляр"),
                ],
                details=details,
            )
        )
