"""Doubtful runs of words are read again on their own, and kept only when clearly better.

The engine here is scripted: the page reading holds a run of near-zero-confidence words where a
cell was lost; the crop reading returns the cell (plus a neighbour's word, already on the page).
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from models.domain import BBox, Word
from ocr.line_retry import retry_doubtful_runs


def _word(text: str, x0: float, y0: float, conf: float, width: float = 100, height: float = 30) -> Word:
    return Word(text=text, bbox=BBox(x0=x0, y0=y0, x1=x0 + width, y1=y0 + height), confidence=conf)


PAGE = [
    _word("Получатель:", 100, 100, 0.95, width=200),
    _word("ИИН/БИН", 700, 80, 0.95),
    _word("pester", 100, 200, 0.2),
    _word("Maps", 220, 200, 0.3),
    _word(")", 340, 200, 0.1),
    _word("850109382142", 700, 215, 0.96, width=220),
]


class ScriptedEngine:
    name = "scripted"
    version = "1"

    def __init__(self, crop_words: list[Word]) -> None:
        self.crop_words = crop_words
        self.crops: list[tuple[int, ...]] = []

    def recognize(self, image: np.ndarray, languages: str, psm: int) -> list[Word]:
        self.crops.append(image.shape)
        return self.crop_words

    def detect_orientation(self, image: np.ndarray) -> object:
        raise NotImplementedError


def test_a_lost_cell_is_replaced_by_its_confident_second_reading() -> None:
    # Crop coordinates: the crop starts 20 px (border) before the run's box minus its margin.
    engine = ScriptedEngine([_word("Ван", 30, 29, 0.96, width=60), _word("Вэй", 100, 29, 0.95, width=60)])
    words = retry_doubtful_runs(np.full((600, 1200), 255, dtype=np.uint8), PAGE, engine, "rus+kaz+eng")
    texts = [w.text for w in words]
    assert "pester" not in texts and "Maps" not in texts
    assert texts.count("Ван") == 1 and "Вэй" in texts
    assert len(engine.crops) == 1
    van = next(w for w in words if w.text == "Ван")
    assert 95 <= van.bbox.x0 <= 110 and 195 <= van.bbox.y0 <= 205  # back in page coordinates


def test_a_second_reading_no_better_leaves_the_page_as_it_was() -> None:
    engine = ScriptedEngine([_word("Вэн", 30, 29, 0.4)])
    assert retry_doubtful_runs(np.full((600, 1200), 255, dtype=np.uint8), PAGE, engine, "rus") == PAGE


def test_words_of_neighbouring_cells_caught_in_the_crop_are_not_doubled() -> None:
    # The crop also caught the neighbour's number: it is dropped, the page has it already.
    neighbour = _word("850109382142", 700 - 100 + 20 + 9, 215 - 200 + 20 + 9, 0.9, width=220)
    engine = ScriptedEngine([_word("Ван", 30, 29, 0.96, width=60), neighbour])
    words = retry_doubtful_runs(np.full((600, 1200), 255, dtype=np.uint8), PAGE, engine, "rus")
    assert [w.text for w in words].count("850109382142") == 1


def test_confident_pages_ask_nothing_more() -> None:
    engine = ScriptedEngine([])
    confident = [w for w in PAGE if w.confidence > 0.5]
    assert (
        retry_doubtful_runs(np.full((600, 1200), 255, dtype=np.uint8), confident, engine, "rus") == confident
    )
    assert engine.crops == []


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_real_engine_reads_a_cut_out_cell() -> None:
    from PIL import Image, ImageDraw, ImageFont

    from foundation.settings import OcrSettings
    from ocr.engine import create_engine
    from tests.test_ocr_support import FONT

    image = Image.new("L", (1200, 300), 255)
    ImageDraw.Draw(image).text(
        (100, 120), "Бенефициар: Ван Вэй", fill=0, font=ImageFont.truetype(str(FONT), 36)
    )
    page = np.asarray(image).copy()
    garbage = [
        _word("pester", 100, 120, 0.2, width=250, height=40),
        _word("Maps", 360, 120, 0.1, width=150, height=40),
    ]
    words = retry_doubtful_runs(page, garbage, create_engine(OcrSettings()), "rus+kaz+eng")
    assert "Бенефициар:" in [w.text for w in words]


def test_several_doubtful_runs_cost_one_engine_call() -> None:
    second_run = [_word("ох", 100, 400, 0.1), _word("м", 220, 400, 0.2)]
    engine = ScriptedEngine([])
    retry_doubtful_runs(np.full((600, 1200), 255, dtype=np.uint8), PAGE + second_run, engine, "rus")
    assert len(engine.crops) == 1  # both crops stacked into one image


def test_scribbles_and_specks_are_not_read_again() -> None:
    # A signature and a stamp's specks read as short doubtful fragments: a second reading would cost a
    # model load for nothing, so no engine call is made.
    scribbles = [
        _word("Директор", 100, 100, 0.95, width=200),
        _word("С", 100, 200, 0.2, width=20),
        _word("we", 130, 200, 0.3, width=40),
        _word("<<", 180, 200, 0.1, width=30),
        _word("о", 220, 200, 0.15, width=20),
    ]
    engine = ScriptedEngine([_word("Сейтов", 30, 29, 0.96)])
    assert retry_doubtful_runs(np.full((600, 1200), 255, dtype=np.uint8), scribbles, engine, "rus") == scribbles
    assert engine.crops == []
