"""The scorer splits field F1 by text layer / scan, by language and by file format of the documents (the per-family
tables of docs/ACCURACY.md come from these groups)."""

from __future__ import annotations

from docproc.scoring import Score


def _doc(language: str, file_format: str, number: str) -> dict[str, object]:
    return {"doc_type": "invoice", "language": language, "file_format": file_format, "number": number}


def test_field_f1_is_kept_per_language_and_per_file_format() -> None:
    expected = {"dossier_id": "d1", "documents": {"a.pdf": _doc("ru", "pdf_text", "1"), "b.jpg": _doc("en", "image_jpg", "2")}}
    actual = {"dossier_id": "d1", "documents": {"a.pdf": _doc("ru", "pdf_text", "1"), "b.jpg": _doc("en", "image_jpg", "9")}}
    score = Score()
    score.add_dossier("d1", expected, actual)
    assert score.group_f1("language:ru") == 1.0 and score.group_f1("format:pdf_text") == 1.0
    assert score.group_f1("language:en") < 1.0 and score.group_f1("format:image_jpg") < 1.0
    assert score.group_f1("text") == 1.0 and score.group_f1("scan") < 1.0
