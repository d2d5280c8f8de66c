"""Page images served last stay in the API process's memory, within a byte budget."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from api import page_images
from casework.page_render import PageImage
from foundation.settings import Settings


def test_the_least_recently_used_image_goes_first_when_the_budget_is_spent() -> None:
    recent = page_images._RecentImages()
    for n in (1, 2, 3):
        recent.put(("sha", n, "v"), PageImage(png=b"x" * 400, scale=1.0), budget=1000)
        if n == 2:
            assert recent.get(("sha", 1, "v")) is not None  # page 1 used again: page 2 is now the oldest
    assert recent.get(("sha", 2, "v")) is None
    assert recent.get(("sha", 1, "v")) is not None and recent.get(("sha", 3, "v")) is not None
    recent.put(("sha", 4, "v"), PageImage(png=b"x" * 2000, scale=1.0), budget=1000)  # larger than the budget
    assert recent.get(("sha", 4, "v")) is None


def test_a_page_seen_again_is_answered_without_the_database(monkeypatch: Any) -> None:
    monkeypatch.setattr(page_images, "_recent", page_images._RecentImages())
    stored = SimpleNamespace(png=b"\x89PNG...", scale=2.0)
    asked: list[Any] = []

    class Session:
        def get(self, _model: Any, key: Any) -> Any:
            asked.append(key)
            return stored

    doc: Any = SimpleNamespace(sha256="f" * 64, kind="pdf", pages=[])
    settings = Settings()
    first = page_images.page_image(Session(), doc, 1, settings)  # type: ignore[arg-type]
    again = page_images.page_image(Session(), doc, 1, settings)  # type: ignore[arg-type]
    assert first.png == again.png == stored.png and again.scale == 2.0
    assert len(asked) == 1

    off = settings.model_copy(update={"service": settings.service.model_copy(update={"page_image_memory_mb": 0})})
    monkeypatch.setattr(page_images, "_recent", page_images._RecentImages())
    page_images.page_image(Session(), doc, 1, off)  # type: ignore[arg-type]
    page_images.page_image(Session(), doc, 1, off)  # type: ignore[arg-type]
    assert len(asked) == 3  # no memory budget: every request reads the database
