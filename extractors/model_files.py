"""Where the extractors' learned models live: shipped in ``extractors/models/``, or — for a leave-one-family-out run
(``learn.lofo``) — in the folder ``DOCPROC_EXTRACTOR_MODEL_DIR`` names, holding models trained without the family
being scored."""

from __future__ import annotations

import os
from pathlib import Path

SHIPPED_MODEL_DIR = Path(__file__).resolve().parent / "models"
MODEL_DIR_ENV = "DOCPROC_EXTRACTOR_MODEL_DIR"


def model_dir() -> Path:
    return Path(os.environ.get(MODEL_DIR_ENV) or SHIPPED_MODEL_DIR)
