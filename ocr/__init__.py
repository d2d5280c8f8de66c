"""The OCR stage: every document to words with boxes (``DocumentText``).

Entry points: ``ocr.reader.read_document`` and ``ocr.reader.file_format_of``; ``ocr.cache.OcrCache``
for content-addressed reuse of OCR results; ``ocr.engine`` for the pluggable engine registry.
Imports stay lazy here so that importing the package does not load PDF and OCR libraries.
"""
