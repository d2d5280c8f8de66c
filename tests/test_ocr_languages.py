"""Which languages a page is read with: the default set, a script OSD is sure of, or a clearly better fallback."""

from __future__ import annotations

import numpy as np

from foundation.settings import OcrSettings, Settings
from models.domain import BBox, Word
from ocr.engine import Orientation
from ocr.reader import PageOcr, languages_for_script


class LanguageAwareEngine:
    """Reads 'well' only with the language set the page is really written in."""

    name = "fake-lang"
    version = "1"

    def __init__(self, page_languages: str, script: str = "Latin", script_conf: float = 0.5) -> None:
        self.page_languages = page_languages
        self.script, self.script_conf = script, script_conf
        self.calls: list[str] = []

    def recognize(self, image: np.ndarray, languages: str, psm: int) -> list[Word]:
        self.calls.append(languages)
        conf = 0.9 if languages == self.page_languages else 0.55
        return [Word(text=languages, bbox=BBox(x0=0, y0=0, x1=10, y1=10), confidence=conf)]

    def detect_orientation(self, image: np.ndarray) -> Orientation:
        return Orientation(0, 10.0, self.script, self.script_conf)


def _settings() -> Settings:
    return Settings(ocr=OcrSettings(preprocess=["grayscale", "orient"]))


PAGE = np.full((200, 200, 3), 255, dtype=np.uint8)


def test_a_page_in_the_default_languages_is_read_once() -> None:
    engine = LanguageAwareEngine("rus+kaz+eng")
    page = PageOcr(_settings(), engine, cache=None).read(PAGE, 1)
    assert engine.calls == ["rus+kaz+eng"]
    assert "rus+kaz+eng" in (page.ocr_engine or "")


def test_a_low_confidence_page_is_retried_and_the_clearly_better_reading_kept() -> None:
    engine = LanguageAwareEngine("chi_sim+eng")
    page = PageOcr(_settings(), engine, cache=None).read(PAGE, 1)
    assert engine.calls == ["rus+kaz+eng", "chi_sim+eng"]
    assert page.words[0].text == "chi_sim+eng"


def test_a_script_osd_is_sure_of_selects_its_languages_directly() -> None:
    engine = LanguageAwareEngine("chi_sim+eng", script="Han", script_conf=5.0)
    settings = Settings(ocr=OcrSettings(preprocess=["grayscale", "orient"], orientation_check="before_ocr"))
    PageOcr(settings, engine, cache=None).read(PAGE, 1)
    assert engine.calls == ["chi_sim+eng"]


def test_with_osd_only_when_unsure_the_script_osd_names_is_read_after_the_unsure_default() -> None:
    engine = LanguageAwareEngine("chi_sim+eng", script="Han", script_conf=5.0)
    page = PageOcr(_settings(), engine, cache=None).read(PAGE, 1)
    assert engine.calls == ["rus+kaz+eng", "chi_sim+eng"]
    assert "chi_sim+eng" in (page.ocr_engine or "")


def test_unsure_script_keeps_the_default() -> None:
    ocr = OcrSettings()
    assert languages_for_script(ocr, "Han", 0.2) == ocr.languages
    assert languages_for_script(ocr, "Cyrillic", 9.0) == ocr.languages
