"""Byte counts written for people (Russian units), for refusal reasons."""

from __future__ import annotations

_UNITS = ("байт", "КБ", "МБ", "ГБ", "ТБ")


def format_size(n_bytes: float) -> str:
    """``52428800`` -> ``"50 МБ"``; ``1536`` -> ``"1,5 КБ"`` (Russian decimal comma)."""
    value = float(n_bytes)
    unit = 0
    while value >= 1024 and unit < len(_UNITS) - 1:
        value /= 1024
        unit += 1
    if unit == 0:
        return f"{int(value)} {_UNITS[0]}"
    text = f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{text} {_UNITS[unit]}"
