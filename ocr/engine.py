"""OCR engines behind one small protocol, chosen by name from settings.

Callers only see ``OcrEngine``; ``create_engine`` looks the configured name up in a registry so that a
second engine (or a fake one in tests) plugs in without touching the callers.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple, Protocol, runtime_checkable

import numpy as np

from foundation.settings import OcrSettings, Settings
from foundation.versions import settings_digest
from models.domain import BBox, Word


class OcrError(Exception):
    """The engine could not read a page (crash, bad output)."""


class OcrTimeout(OcrError):
    """The engine did not finish a page within the configured time."""


class Orientation(NamedTuple):
    """An OSD answer: clockwise degrees (0/90/180/270) to turn the page upright, with a confidence,
    and the script the page is written in (tesseract's names: "Cyrillic", "Latin", "Han", …)."""

    degrees: int
    confidence: float
    script: str = ""
    script_confidence: float = 0.0


@runtime_checkable
class OcrEngine(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str:
        """Part of the OCR cache key: a new engine version must not reuse old results."""
        ...

    def recognize(self, image: np.ndarray, languages: str, psm: int) -> list[Word]:
        """Words with boxes in ``image`` pixels and confidences in 0..1."""
        ...

    def detect_orientation(self, image: np.ndarray) -> Orientation:
        """How the page must be turned to be upright, and which script it is written in.

        Raises ``OcrError`` when the page has too little text to tell.
        """
        ...


# --------------------------------------------------------------------------- tesseract


TESSERACT_COMMAND = "tesseract"
# What tesseract's OSD report calls each value, and the Orientation field it fills.
_OSD_FIELDS = {
    "Rotate": "degrees",
    "Orientation confidence": "confidence",
    "Script": "script",
    "Script confidence": "script_confidence",
}


def bmp_bytes(image: np.ndarray) -> bytes:
    """The page image as an uncompressed BMP, which tesseract reads from stdin.

    Uncompressed on purpose: encoding a 300-dpi page costs ~4 ms against ~0.4 s for the PNG that
    pytesseract wrote, and Leptonica decodes BMP as fast as PNG (PNM, also uncompressed, it reads byte by
    byte: 10-50 % more OCR time). Same pixels, so exactly the same reading.
    """
    from ocr.opencv import cv2

    if image.dtype == np.bool_:
        image = image.astype(np.uint8) * 255
    if image.dtype != np.uint8:
        raise OcrError(f"page image of type {image.dtype} cannot be passed to tesseract")
    if image.ndim == 3 and image.shape[2] in (3, 4):
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR if image.shape[2] == 3 else cv2.COLOR_RGBA2BGR)
    elif image.ndim != 2:
        raise OcrError(f"page image of shape {image.shape} cannot be passed to tesseract")
    ok, encoded = cv2.imencode(".bmp", image)
    if not ok:
        raise OcrError(f"page image of shape {image.shape} could not be encoded for tesseract")
    return encoded.tobytes()


def parse_tsv(tsv: str) -> dict[str, list[object]]:
    """tesseract's TSV as columns, parsed as pytesseract's ``Output.DICT`` did (the engine's earlier transport).

    Numbers are truncated to integers like there, confidences included (96.5 -> 96): readings, the
    confidence thresholds tuned on them and cached pages stay what they were.
    """
    rows = [row.split("\t") for row in tsv.strip().split("\n")]
    if len(rows) < 2:
        return {}
    header, body = rows[0], rows[1:]
    text_column = len(header) - 1
    columns: dict[str, list[object]] = {name: [] for name in header}
    for row in body:
        row = row + [""] * (len(header) - len(row))  # a row whose text is empty may lack its last cell
        for index, name in enumerate(header):
            cell = row[index]
            value: object = cell
            if index != text_column:
                try:
                    value = int(float(cell))
                except ValueError:
                    pass
            columns[name].append(value)
    return columns


def parse_osd(report: str) -> Orientation:
    """tesseract's ``--psm 0`` report ("Rotate: 90", "Script: Cyrillic", …) as an ``Orientation``."""
    values: dict[str, str] = {}
    for line in report.splitlines():
        key, _, value = line.partition(": ")
        if key in _OSD_FIELDS and value:
            values[_OSD_FIELDS[key]] = value.strip()
    if "degrees" not in values:
        raise OcrError(f"tesseract OSD gave no orientation: {report.strip()[:200]!r}")
    try:
        return Orientation(
            degrees=int(values["degrees"]) % 360,
            confidence=float(values.get("confidence", 0.0)),
            script=values.get("script", ""),
            script_confidence=float(values.get("script_confidence", 0.0)),
        )
    except ValueError as exc:
        raise OcrError(f"tesseract OSD report unreadable: {report.strip()[:200]!r}") from exc


class TesseractEngine:
    """The tesseract command line in a subprocess (a timeout really kills it), the page image on stdin
    (uncompressed BMP) and the result on stdout: no temporary files, no compression."""

    name = "tesseract"

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s

    @property
    def version(self) -> str:
        return _tesseract_version()

    def _run(self, image: np.ndarray, arguments: list[str], what: str) -> str:
        command = [TESSERACT_COMMAND, "stdin", "stdout", *arguments]
        # The one place OMP_THREAD_LIMIT is set: parallelism comes from processes (``docproc.pool``, the
        # service's workers); OpenMP threads inside tesseract would only oversubscribe the CPUs.
        environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            done = subprocess.run(
                command,
                input=bmp_bytes(image),
                capture_output=True,
                timeout=self.timeout_s or None,
                check=False,
                env=environment,
            )
        except subprocess.TimeoutExpired as exc:  # run() has killed it
            raise OcrTimeout(f"tesseract {what} exceeded {self.timeout_s} s") from exc
        except OSError as exc:  # not installed, not executable
            raise OcrError(f"tesseract could not be started: {exc}") from exc
        if done.returncode != 0:
            # e.g. "Too few characters. Skipping this page" from OSD on sparse pages
            message = " ".join(done.stderr.decode("utf-8", errors="replace").split())
            raise OcrError(f"tesseract {what} failed ({done.returncode}): {message}")
        return done.stdout.decode("utf-8", errors="replace")

    def recognize(self, image: np.ndarray, languages: str, psm: int) -> list[Word]:
        tsv = self._run(image, ["-l", languages, "--psm", str(psm), "-c", "tessedit_create_tsv=1"], "OCR")
        return words_from_tesseract_data(parse_tsv(tsv))

    def detect_orientation(self, image: np.ndarray) -> Orientation:
        return parse_osd(self._run(image, ["-l", "osd", "--psm", "0"], "OSD"))


def words_from_tesseract_data(data: dict[str, list[object]]) -> list[Word]:
    """Turn tesseract's TSV columns (``parse_tsv``) into words; empty words and conf -1 rows are dropped.

    ``line`` numbers are made unique per page from tesseract's (block, paragraph, line) triple.
    """
    words: list[Word] = []
    line_ids: dict[tuple[int, int, int], int] = {}
    for i, raw_text in enumerate(data.get("text", [])):
        text = str(raw_text or "").strip()
        conf = float(str(data["conf"][i]))
        if not text or conf < 0:
            continue
        key = (int(str(data["block_num"][i])), int(str(data["par_num"][i])), int(str(data["line_num"][i])))
        line_id = line_ids.setdefault(key, len(line_ids) + 1)
        x, y = float(str(data["left"][i])), float(str(data["top"][i]))
        w, h = float(str(data["width"][i])), float(str(data["height"][i]))
        words.append(
            Word(
                text=text,
                bbox=BBox(x0=x, y0=y, x1=x + w, y1=y + h),
                confidence=min(max(conf / 100.0, 0.0), 1.0),
                block=key[0],
                line=line_id,
            )
        )
    return words


@lru_cache(maxsize=1)
def _tesseract_version() -> str:
    import pytesseract

    try:
        return str(pytesseract.get_tesseract_version())
    except Exception:  # noqa: BLE001 - a missing binary shows up as an OcrError on first use instead
        return "unknown"


# --------------------------------------------------------------------------- registry

EngineFactory = Callable[[OcrSettings], OcrEngine]

_ENGINES: dict[str, EngineFactory] = {
    "tesseract": lambda s: TesseractEngine(timeout_s=s.page_timeout_s),
}


def register_engine(name: str, factory: EngineFactory) -> None:
    _ENGINES[name] = factory


def create_engine(settings: OcrSettings) -> OcrEngine:
    try:
        factory = _ENGINES[settings.engine]
    except KeyError:
        raise ValueError(f"unknown OCR engine {settings.engine!r}; known: {sorted(_ENGINES)}") from None
    return factory(settings)


def engine_label(engine: OcrEngine, languages: str, psm: int) -> str:
    """What PageText.ocr_engine records, e.g. ``tesseract 5.3.0 rus+kaz+eng psm 3``."""
    return f"{engine.name} {engine.version} {languages} psm {psm}"


def reader_detail(settings: Settings) -> str:
    """What the reader stage's output depends on besides its code: OCR settings, limits, engine and its version.

    The reader stage's fingerprint (``foundation.versions.stage_fingerprints``) carries it: a new tesseract,
    another language set or other limits read documents again.
    """
    engine = create_engine(settings.ocr)
    return settings_digest(
        {
            "ocr": settings.ocr.model_dump(mode="json"),
            "limits": settings.limits.model_dump(mode="json"),
            "engine": [engine.name, engine.version],
        }
    )
