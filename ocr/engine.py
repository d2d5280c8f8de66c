"""OCR engines behind one small protocol, chosen by name from settings.

Callers only see ``OcrEngine``; ``create_engine`` looks the configured name up in a registry so that a
second engine (or a fake one in tests) plugs in without touching the callers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple, Protocol, runtime_checkable

import numpy as np

from docproc.settings import OcrSettings
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


def _single_threaded() -> None:
    # Parallelism comes from worker processes; OpenMP threads inside tesseract only oversubscribe the CPUs.
    os.environ["OMP_THREAD_LIMIT"] = "1"


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, RuntimeError) and "timeout" in str(exc).lower()


class TesseractEngine:
    """tesseract through pytesseract (the CLI in a subprocess, so a timeout really kills it)."""

    name = "tesseract"

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s

    @property
    def version(self) -> str:
        return _tesseract_version()

    def recognize(self, image: np.ndarray, languages: str, psm: int) -> list[Word]:
        import pytesseract

        _single_threaded()
        try:
            data = pytesseract.image_to_data(
                image,
                lang=languages,
                config=f"--psm {psm}",
                output_type=pytesseract.Output.DICT,
                timeout=self.timeout_s,
            )
        except RuntimeError as exc:
            if _is_timeout(exc):
                raise OcrTimeout(f"tesseract exceeded {self.timeout_s} s") from exc
            raise OcrError(str(exc)) from exc
        except (pytesseract.TesseractError, pytesseract.TesseractNotFoundError) as exc:
            raise OcrError(str(exc)) from exc
        return words_from_tesseract_data(data)

    def detect_orientation(self, image: np.ndarray) -> Orientation:
        import pytesseract

        _single_threaded()
        try:
            osd = pytesseract.image_to_osd(image, output_type=pytesseract.Output.DICT, timeout=self.timeout_s)
        except RuntimeError as exc:
            if _is_timeout(exc):
                raise OcrTimeout(f"tesseract OSD exceeded {self.timeout_s} s") from exc
            raise OcrError(str(exc)) from exc
        except (pytesseract.TesseractError, pytesseract.TesseractNotFoundError) as exc:
            raise OcrError(str(exc)) from exc  # e.g. "Too few characters" on sparse pages
        return Orientation(
            degrees=int(osd.get("rotate", 0)) % 360,
            confidence=float(osd.get("orientation_conf", 0.0)),
            script=str(osd.get("script", "") or ""),
            script_confidence=float(osd.get("script_conf", 0.0) or 0.0),
        )


def words_from_tesseract_data(data: dict[str, list[object]]) -> list[Word]:
    """Turn pytesseract's ``image_to_data`` dict into words; empty words and conf -1 rows are dropped.

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
