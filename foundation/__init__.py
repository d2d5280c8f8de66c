"""The ground floor: settings, file stores and stage versions that every stage may import.

It imports no other package of the project (not even the domain models): ``ingest``, ``ocr``, ``extractors``,
``validators``, ``models`` and everything above them build on it. The stage caches, which store domain models,
sit with the pipeline drivers (``docproc/stage_cache.py``). Import-linter holds the layers in CI
(``[tool.importlinter]`` in pyproject.toml).
"""
