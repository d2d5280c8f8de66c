"""OCR cache: keys, hits, corrupt entries."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.domain import BBox, PageText, TextSource, Word
from ocr.cache import OcrCache, cache_key, image_hash


def _page() -> PageText:
    words = [Word(text="Итого", bbox=BBox(x0=1, y0=2, x1=3, y1=4), confidence=0.5)]
    return PageText(
        page_no=1, width=10, height=10, unit="px", source=TextSource.OCR, words=words, lines=[[0]]
    )


def test_put_then_get_round_trips(tmp_path: Path) -> None:
    cache = OcrCache(tmp_path)
    key = cache_key("img", "tesseract", "5.3.0", "rus+kaz+eng", 3, "steps")
    assert cache.get(key) is None
    cache.put(key, _page())
    assert cache.get(key) == _page()
    assert not list(tmp_path.rglob(".tmp-*")), "no temp files left behind"


def test_every_part_of_the_key_matters() -> None:
    base = ("img", "tesseract", "5.3.0", "rus+kaz+eng", 3, "steps")
    keys = {cache_key(*base)}
    for i, other in enumerate(["img2", "other", "5.4.0", "rus+eng", 6, "steps2"]):
        changed = list(base)
        changed[i] = other
        keys.add(cache_key(*changed))  # type: ignore[arg-type]
    assert len(keys) == 7


def test_image_hash_sees_pixels_and_shape() -> None:
    a = np.zeros((4, 6), np.uint8)
    b = a.copy()
    b[0, 0] = 1
    assert image_hash(a) == image_hash(a.copy())
    assert image_hash(a) != image_hash(b)
    assert image_hash(a) != image_hash(a.reshape(6, 4))


def test_corrupt_entry_is_a_miss(tmp_path: Path) -> None:
    cache = OcrCache(tmp_path)
    key = cache_key("img", "e", "1", "rus", 3, "")
    cache.put(key, _page())
    next(tmp_path.rglob("*.json")).write_text("{not json")
    assert cache.get(key) is None
    cache.put(key, _page())
    assert cache.get(key) == _page()


def test_unwritable_cache_does_not_fail(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = OcrCache(blocker)  # a file where the folder should be
    cache.put("ab" * 32, _page())
    assert cache.get("ab" * 32) is None
