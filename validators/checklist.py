"""The completeness checklist: each document type, whether it is required, present, missing or unreadable."""

from __future__ import annotations

from typing import Literal

from models.domain import ChecklistItem, DocType, EligibilityCheckItem
from validators.dossier_view import DossierView, language_of


def _needs_translation(view: DossierView) -> tuple[bool, bool]:
    """(some document needs a translation, every such document has one)."""
    languages = set(view.rules.documents.no_translation_languages)
    foreign = [
        d.file
        for d in view.distinct
        if d.doc_type not in (DocType.TRANSLATION, DocType.UNKNOWN)
        and (lang := language_of(d))
        and lang not in languages
    ]
    translated = set(view.translation_pairs.values())
    for dup in view.duplicates:
        if dup.file in translated or dup.duplicate_of in translated:
            translated.update({dup.file, dup.duplicate_of})
    return bool(foreign), all(f in translated for f in foreign)


def build_checklist(view: DossierView) -> list[ChecklistItem]:
    app = view.application
    required = set(view.rules.documents.required_for(app.measure, app.cost_type))
    translation_needed, all_translated = _needs_translation(view)
    if translation_needed:
        required.add(DocType.TRANSLATION)
    items = []
    for entry in view.rules.documents.checklist:
        docs = [d for d in view.documents if d.doc_type == entry.doc_type]
        status: Literal["present", "missing", "unreadable", "not_required"]
        if entry.doc_type == DocType.TRANSLATION and translation_needed and not all_translated:
            status = "missing"  # some foreign-language document has no translation
        elif any(not d.unreadable_reason for d in docs):
            status = "present"
        elif docs:
            status = "unreadable"  # every document of this type failed to read
        elif entry.doc_type in required:
            status = "missing"
        else:
            status = "not_required"
        items.append(
            ChecklistItem(
                doc_type=entry.doc_type.value,
                label=entry.label,
                required=entry.doc_type in required,
                status=status,
                files=[d.file for d in docs],
            )
        )
    return items


def build_eligibility(view: DossierView) -> list[EligibilityCheckItem]:
    """The conditions of participation in force on the application date, with what the applicant declared."""
    declared = view.application.declarations.model_dump()
    return [
        EligibilityCheckItem(
            key=item.key,
            label=item.label,
            declared=declared.get(item.declaration) if item.declaration else None,
        )
        for item in view.rules.eligibility.items
    ]
