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
    # Small members (text, blank images) legitimately compress far beyond any sane ratio;
    # the ratio cap only applies to members larger than this.
    archive_ratio_min_bytes: int = 1024 * 1024
    max_archive_depth: int = 2


class OcrSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCPROC_OCR_")

    engine: str = "tesseract"  # name in ocr.engine's registry
    languages: str = "rus+kaz+eng"
    dpi: int = 300
    psm: int = 3
    # A text layer is trusted when it has at least this many word characters per page.
    min_text_layer_chars: int = 40
    # ... and when at most this share of its characters are unmapped glyphs ("(cid:12)", U+FFFD, private use).
    max_text_layer_garbage_ratio: float = 0.1
    # A page mostly covered by an image is a scan: its text layer must then be this rich to be trusted
    # (scanners add a page header or a thin OCR layer of their own).
    scan_image_min_coverage: float = 0.5
    min_text_layer_chars_over_image: int = 200
    # Text drawn in stamp / signature colours (blue..violet) is dropped from PDF text layers.
    drop_stamp_text: bool = True
    # Seconds one tesseract call may take before the page is reported unreadable.
    page_timeout_s: float = 120.0
    # tesseract OSD orientation confidence needed before a page is turned by 90/180/270 degrees.
    osd_min_confidence: float = 2.0
    # OSD runs on a copy shrunk to this longest side: as reliable, and ~40% faster than at 300 dpi.
    osd_max_side_px: int = 1800
    # Preprocessing of rendered / photographed pages, in order; names from ocr.preprocess.STEPS.
    preprocess: list[str] = Field(
        default_factory=lambda: ["suppress_stamps", "grayscale", "upscale", "orient", "deskew"]
    )
    # Stamp and signature ink: OpenCV hue range (0..179) of blue..violet and the saturation that marks ink.
    stamp_hue_min: int = 95
    stamp_hue_max: int = 165
    stamp_min_saturation: int = 70
    # Darker pixels are kept even in stamp hues: that is black text showing through the ink.
    stamp_min_value: int = 60
    # Deskew: bounded search range, smallest angle worth a rotation, and the projection-profile gain over
    # the unrotated page that makes an estimate trustworthy.
    deskew_max_angle: float = 10.0
    deskew_min_angle: float = 0.2
    deskew_min_gain: float = 1.05
    # Upscale when the median glyph height is below this many pixels (tesseract wants ~20 px x-height).
    min_glyph_height_px: float = 20.0
    max_upscale: float = 3.0


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
