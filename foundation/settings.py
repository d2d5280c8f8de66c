"""All settings in one place (environment variables prefixed ``DOCPROC_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Limits(BaseSettings):
    """What an upload may be. A file beyond a limit is refused with a reason, never half-read."""

    model_config = SettingsConfigDict(env_prefix="DOCPROC_LIMIT_")

    max_file_bytes: int = 50 * 1024 * 1024
    max_pdf_pages: int = 200
    max_image_megapixels: int = 150
    # Pixels decoded from one image file over all its frames (multi-page TIFF): about 200 A4 pages at
    # 300 dpi (8.7 Mpx each). Ten frames at the per-frame limit are ~1500 Mpx.
    max_decoded_megapixels_per_file: int = 2000
    # Image frames larger than this are shrunk (whole-number reduction, then resampling) before OCR:
    # an A4 page at 400 dpi is ~15.5 Mpx, more than OCR needs. A 144 Mpx frame read as it is took the
    # reader above 8 GB (colour copies, stamp masks, tesseract's own buffers); shrunk to 36 Mpx still
    # 1.8 GB, to 16 Mpx 0.5 GB (bench/hostile_files.py tiff-read).
    max_ocr_megapixels: int = 16
    # PDF streams are inflated under a budget (ingest/pdf_streams.py) before pdfium or pdfminer parse
    # the file: both inflate a page's content stream whole, a 2 MB "flate bomb" to gigabytes. A legit
    # stream (a page's content, a lossless 600 dpi A4 image) stays far below these.
    max_pdf_stream_bytes: int = 128 * 1024 * 1024
    max_pdf_decoded_bytes: int = 1024 * 1024 * 1024
    # Archives (ZIP uploads, XLSX/DOCX containers): guard against bombs and traversal.
    max_archive_members: int = 2000
    max_archive_total_bytes: int = 500 * 1024 * 1024
    max_archive_ratio: float = 200.0
    # Small members (text, blank images) legitimately compress far beyond any sane ratio;
    # the ratio cap only applies to members larger than this, and to the archive as a whole
    # once its unpacked total is larger than this (many small members can be a bomb together).
    archive_ratio_min_bytes: int = 1024 * 1024
    max_archive_depth: int = 2


class OcrSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCPROC_OCR_")

    engine: str = "tesseract"  # name in ocr.engine's registry
    languages: str = "rus+kaz+eng"
    # Pages whose script OSD recognises with at least script_min_confidence are read with these
    # languages instead (foreign suppliers' documents; tesseract-ocr-chi-sim is installed by setup).
    script_languages: dict[str, str] = {"Han": "chi_sim+eng"}
    script_min_confidence: float = 1.0
    # A page whose mean word confidence stays below fallback_below_confidence is read again with
    # each fallback language set; a reading at least fallback_min_gain more confident wins.
    # Measured on dev scans: a Chinese contract reads 0.59 with rus+kaz+eng, 0.88 with chi_sim+eng;
    # Russian/Kazakh scans read 0.77–0.79 with rus+kaz+eng (and ~0.59 with chi_sim+eng).
    fallback_languages: list[str] = ["chi_sim+eng"]
    fallback_below_confidence: float = 0.65
    fallback_min_gain: float = 0.1
    dpi: int = 300
    # 6 (one uniform block) read the corpus scans best once table rules are erased (bench/ocr_quality.py).
    psm: int = 6
    # A text layer is trusted when it has at least this many word characters per page.
    min_text_layer_chars: int = 40
    # ... and when at most this share of its characters are unmapped glyphs ("(cid:12)", U+FFFD, private use).
    max_text_layer_garbage_ratio: float = 0.1
    # A page mostly covered by an image is a scan: its text layer must then be this rich to be trusted
    # (scanners add a page header or a thin OCR layer of their own).
    scan_image_min_coverage: float = 0.5
    min_text_layer_chars_over_image: int = 200
    # Seal text is dropped from PDF text layers: stamp-coloured characters inside a cluster of at least
    # this many stamp-coloured glyphs set along a curve (other blue text, e.g. a heading, is kept).
    drop_stamp_text: bool = True
    seal_min_rotated_chars: int = 5
    # Seconds one tesseract call may take before the page is reported unreadable.
    page_timeout_s: float = 120.0
    # tesseract OSD orientation confidence needed before a page is turned by 90/180/270 degrees.
    osd_min_confidence: float = 2.0
    # OSD runs on a copy shrunk to this longest side: as reliable, and ~40% faster than at 300 dpi.
    osd_max_side_px: int = 1800
    # When OSD (orientation and script) runs: "before_ocr" on every page; "when_unsure" only when the page,
    # read as it stands first, reads with a mean word confidence below osd_below_confidence (a page OSD
    # then turns, or finds in another script, is read again). OSD costs about half a page's OCR, and nearly
    # every page is upright. Measured on 16 dev-corpus scans (bench/pipeline_bench.py): upright pages read
    # 0.79-0.91, the same pages turned by 90/180/270 degrees 0.41-0.66.
    orientation_check: Literal["before_ocr", "when_unsure"] = "when_unsure"
    osd_below_confidence: float = 0.75
    # Preprocessing of rendered / photographed pages, in order; names from ocr.preprocess.STEPS.
    preprocess: list[str] = Field(
        default_factory=lambda: ["suppress_stamps", "grayscale", "upscale", "orient", "deskew", "remove_rulings"]
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
    # Upscale when the median glyph height is below this many pixels (tesseract degrades below ~10 px x-height).
    min_glyph_height_px: float = 16.0
    max_upscale: float = 3.0


class ServiceSettings(BaseSettings):
    """The API and the RQ workers (``docproc serve`` / ``docproc worker``)."""

    model_config = SettingsConfigDict(env_prefix="DOCPROC_SERVICE_")

    # Uploaded bytes live in the database (ingest/blobs_in_database.py): a worker on another machine needs
    # nothing but the database and Redis URLs. The embedded CLI keeps them under data_dir/blobs.
    # RQ queue names are "<prefix>-documents", "<prefix>-dossiers", "<prefix>-webhooks": one Redis can
    # serve several deployments (and the tests) side by side.
    queue_prefix: str = "docproc"
    # A whole upload request (all files, multipart overhead included); files are checked one by one too.
    max_request_bytes: int = 200 * 1024 * 1024
    # An uploaded ZIP unpacks to at most this much (the command line allows limits.max_archive_total_bytes):
    # the API holds an upload in memory while it checks and stores it.
    max_upload_unpacked_bytes: int = 200 * 1024 * 1024
    # Heavy work in an API process (upload checks, rendering a page image, the printed report) runs at
    # most this many at a time per process; a request that waits heavy_wait_s for a turn gets 503.
    heavy_concurrency: int = Field(2, ge=1)
    heavy_wait_s: float = Field(10.0, ge=0)
    # A request body must keep coming (api/gate.py): after body_grace_s seconds, at least
    # body_min_rate_bytes_s per second since the request began, or 408. 8 KiB/s is a 64 kbit/s line;
    # behind nginx (deploy/nginx) the body arrives buffered, at LAN speed.
    body_grace_s: float = Field(10.0, gt=0)
    body_min_rate_bytes_s: int = Field(8 * 1024, gt=0)
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or CIDR
    # networks): the client address that sign-in throttling counts, and https for Secure cookies.
    # From any other peer these headers are ignored.
    trusted_proxies: list[str] = Field(default_factory=lambda: ["127.0.0.1", "::1"])
    max_files_per_upload: int = 500
    # Per-document job timeout: base + per page (OCR is ~1-3 s a page on one core; scans may be worse).
    job_timeout_base_s: int = 120
    job_timeout_per_page_s: int = 30
    job_timeout_max_s: int = 4 * 3600
    dossier_job_timeout_s: int = 600
    # Transient failures (database or Redis hiccup, killed worker): retries and their backoff.
    job_retry_intervals_s: list[int] = Field(default_factory=lambda: [10, 30, 60])
    # Finished document jobs stay in Redis this long, so the same file arriving again attaches to the
    # job instead of starting another; the database cache (by content hash) covers the time after.
    job_result_ttl_s: int = 24 * 3600
    job_failure_ttl_s: int = 7 * 24 * 3600
    # A worker that stops sending heartbeats (kill -9, lost machine) for interval + grace seconds has
    # its job retried by another worker's maintenance pass, which runs every maintenance_interval_s.
    job_monitoring_interval_s: int = 30
    heartbeat_grace_s: int = 60
    maintenance_interval_s: int = 60
    # The sweep (worker/requeue.py): an unfinished document, application or webhook delivery older than
    # stuck_after_s whose job Redis no longer has (lost, or ended without finishing it) is queued again.
    # One worker sweeps every sweep_interval_s, from its maintenance pass.
    stuck_after_s: int = Field(15 * 60, ge=0)
    sweep_interval_s: int = Field(5 * 60, ge=1)
    # Run one small document through the pipeline when a worker starts, so that models are loaded
    # once in the parent process and every forked job starts warm.
    worker_warmup: bool = True
    webhook_timeout_s: float = 10.0
    webhook_retry_intervals_s: list[int] = Field(default_factory=lambda: [10, 60, 300, 1800, 7200])
    # Webhook receivers (casework/webhook_targets.py): HTTPS only, public addresses only. Turn
    # webhook_require_https off for development on one machine only. On-premises receivers on private
    # addresses are allowed by listing their networks, e.g. ["10.20.0.0/16"] (CIDR), and nothing else is.
    webhook_require_https: bool = True
    webhook_allowed_networks: list[str] = Field(default_factory=list)
    # Active subscriptions per API key: every finished check sends one POST per subscription.
    max_webhooks_per_key: int = Field(10, ge=1)
    # Forced re-reading (reprocess with scope=documents, or of one document) of one application at
    # most once per this many seconds: every call re-runs OCR on every page (429 with Retry-After).
    reprocess_min_interval_s: int = Field(600, ge=0)
    # Resolved API keys are remembered this long per process (a revoked key may work until then).
    auth_cache_ttl_s: float = 30.0
    page_image_dpi: int = 110
    # Page images most recently served are also kept in each API process's memory, up to this many MB
    # (api.page_images): a page looked at again skips fetching its PNG (~1 MB for a scan) from the database.
    page_image_memory_mb: int = Field(64, ge=0)
    # After a dossier is checked a worker renders its documents' page images into the cache
    # (casework.page_images), so a reviewer's first look at a page is as quick as the next ones.
    prerender_page_images: bool = True
    list_max_limit: int = 200
    # Database connections per process (API process or worker); mind PostgreSQL's max_connections
    # (100 by default) times the number of processes.
    db_pool_size: int = 10
    db_max_overflow: int = 10


class WebSettings(BaseSettings):
    """The reviewers' workspace in the browser (``api/web``), served by the API process."""

    model_config = SettingsConfigDict(env_prefix="DOCPROC_WEB_")

    # A reviewer signs in once per working day; the session then ends whatever happens.
    session_ttl_hours: float = 12.0
    # Session cookies are sent over HTTPS only (Secure). Turn off only for plain-HTTP development on
    # one machine (http://localhost); behind nginx the app sees https through X-Forwarded-Proto.
    cookie_secure: bool = True
    # The review of a dossier takes this many working days, counted from the day after registration
    # (weekends and the public holidays of validators/rules/calendar/*.yaml are skipped).
    review_working_days: int = 14
    # Dates and times on the pages and in the printed report (Kazakhstan: UTC+5 since 2024-03-01).
    display_timezone: str = "Asia/Almaty"
    # Field boxes on a page: green from high_confidence, amber from medium_confidence, red below.
    high_confidence: float = 0.9
    medium_confidence: float = 0.6
    dossiers_per_page: int = 50
    audit_entries_shown: int = 200
    # Sign-in throttling (casework/user_accounts.py; state in the sign_in_failures table, so every API process
    # sees the same counts). Failed sign-ins counted within the last sign_in_window_s seconds:
    sign_in_window_s: int = Field(15 * 60, ge=1)
    # ... per login as typed (existing or not) from one client address: guessing a reviewer's password
    # from one place gets a handful of tries per window. Only that address is refused: a stranger
    # cannot lock the reviewer out of their own.
    sign_in_max_failures_per_login: int = Field(5, ge=1)
    # ... per login from all addresses together, for attempts from addresses where the login has not
    # signed in successfully within sign_in_usual_address_days: many machines guessing one password are
    # stopped, while the reviewer's usual addresses (office, home) keep working.
    sign_in_max_failures_per_login_everywhere: int = Field(20, ge=1)
    sign_in_usual_address_days: int = Field(90, ge=1)
    # ... per client address, across logins: one address cannot try a common password on many logins.
    # Higher than per login because a whole office may sign in from one NAT address.
    sign_in_max_failures_per_address: int = Field(30, ge=1)


class BatchSettings(BaseSettings):
    """``docproc batch``: reprocessing archives of many dossiers."""

    model_config = SettingsConfigDict(env_prefix="DOCPROC_BATCH_")

    # An archive of many dossiers is far larger than one upload. These caps bound the archive as a
    # whole (checked on its directory before anything is decompressed); every dossier inside it still
    # obeys the per-dossier limits (``Limits``: members, unpacked size, ratio, nesting) like an upload.
    max_archive_members: int = 200_000
    max_archive_total_bytes: int = 100 * 1024**3
    # How deep folders given to ``docproc batch`` are searched for dossier folders and dossier ZIPs.
    max_folder_depth: int = 4
    # Documents handed to each worker process ahead of time: enough to keep every process busy,
    # few enough that a huge archive is never loaded into memory at once.
    documents_ahead_per_process: int = 4


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOCPROC_", env_nested_delimiter="__", populate_by_name=True)

    data_dir: Path = Path("var")
    # Empty: SQLite in data_dir. The service reads the conventional DATABASE_URL / REDIS_URL too.
    database_url: str = Field("", validation_alias=AliasChoices("DOCPROC_DATABASE_URL", "DATABASE_URL"))
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0", validation_alias=AliasChoices("DOCPROC_REDIS_URL", "REDIS_URL")
    )
    limits: Limits = Field(default_factory=Limits)
    ocr: OcrSettings = Field(default_factory=OcrSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    batch: BatchSettings = Field(default_factory=BatchSettings)
    # Stage caches (docproc/stage_cache.py): a document's text, its extraction and a dossier's check,
    # each keyed by its input and the stage's version, under cache_dir/stages. Off: every run reads
    # and extracts again (the OCR page cache above still applies).
    stage_cache: bool = True
    web: WebSettings = Field(default_factory=WebSettings)

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"

    # Where OCR results are cached; default under data_dir. Tests point it at a copy of the
    # committed replay cache (tests/fixtures/ocr_cache) so the suite does not re-OCR fixture scans.
    ocr_cache_dir: Path | None = None

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def stage_cache_dir(self) -> Path:
        return self.cache_dir / "stages"

    @property
    def effective_ocr_cache_dir(self) -> Path:
        return self.ocr_cache_dir or self.cache_dir / "ocr"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'docproc.sqlite3').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
