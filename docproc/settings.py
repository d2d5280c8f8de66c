"""All settings in one place (environment variables prefixed ``DOCPROC_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Limits(BaseSettings):
    """What an upload may be. A file beyond a limit is refused with a reason, never half-read."""

    model_config = SettingsConfigDict(env_prefix="DOCPROC_LIMIT_")

    max_file_bytes: int = 50 * 1024 * 1024
    max_pdf_pages: int = 200
    max_image_megapixels: int = 150
    # Archives (ZIP uploads, XLSX/DOCX containers): guard against bombs and traversal.
    max_archive_members: int = 2000
    max_archive_total_bytes: int = 500 * 1024 * 1024
    max_archive_ratio: float = 200.0
    max_archive_depth: int = 2


class OcrSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCPROC_OCR_")

    languages: str = "rus+kaz+eng"
    dpi: int = 300
    psm: int = 3
    # A text layer is trusted when it has at least this many word characters per page.
    min_text_layer_chars: int = 40
    # Seconds one tesseract call may take before the page is reported unreadable.
    page_timeout_s: float = 120.0
    osd_min_confidence: float = 2.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCPROC_", env_nested_delimiter="__")

    data_dir: Path = Path("var")
    database_url: str = ""  # empty: SQLite in data_dir
    redis_url: str = "redis://127.0.0.1:6379/0"
    limits: Limits = Field(default_factory=Limits)
    ocr: OcrSettings = Field(default_factory=OcrSettings)

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'docproc.sqlite3').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
