"""A PDF page's text layer read with pdfium, in the shape pdfplumber gives it.

pdfplumber parses the content stream in pure Python (pdfminer, ~30 µs a character); pdfium parses it
in C. ``read_char_page`` returns the page's characters as pdfplumber's char dicts with pdfminer's
geometry (a box from the font's descent to descent + font size, over the glyph's advance), in
content-stream order, so that the word grouping (``extract_words``: pdfplumber's algorithm, rewritten
to run 2-3x faster, checked against it) and everything ``ocr.text_layer`` does with characters (seal
clusters, ink colours, the usability check) give what they give on a pdfplumber page.

Measured against pdfplumber on the dev corpus, the fixtures and the benchmark pages
(``bench/text_layer_equivalence.py``): the same words, lines, seals and usability decisions on every
page. Boxes agree to float noise, except that pdfium keeps glyph widths in whole font units: where a
PDF writes fractional widths (fpdf2 does), positions drift along a line, 0.01 pt a character, at most
0.64 pt at the end of the longest lines measured. Differences undone here: pdfium's own spaces and line
breaks (dropped; but a space glyph pdfium replaced by its own is kept), its joined line-end hyphens,
zero-width text objects it leaves out (a seal's lone spaces), its reordering of text objects along
a line. Refused with ``NeedsPdfplumber`` (the caller then reads the page with pdfplumber): unmapped
glyphs (pdfminer's ``(cid:N)``, which make a layer garbage), ``/ActualText``, text objects pdfium drops
as duplicates, pages turned with ``/Rotate`` and pages whose MediaBox does not start at 0,0 or whose
CropBox differs from it. Not detectable: a CropBox inherited from the page tree that is smaller than
the MediaBox (boxes would then be shifted).

Why one file: it re-implements pdfplumber's character records and word grouping over pdfium's characters, and
the equivalence with pdfplumber (bench/text_layer_equivalence.py) is easiest to hold when both halves read side by side.
"""

from __future__ import annotations

import ctypes
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.fontmetrics import FONT_METRICS
from pdfplumber.utils.text import DEFAULT_X_TOLERANCE, DEFAULT_Y_TOLERANCE, LIGATURES
from pdfplumber.utils.text import extract_words as plumber_extract_words

Char = dict[str, Any]

# pdfium replaces a line-end hyphen it joins across lines by a mark (0x2 per char, U+FFFE in the
# page text); pdfminer keeps the hyphen.
PDFIUM_HYPHEN_MARKS = ("\x02", "\ufffe")
# What pdfium gives for a glyph without any Unicode (pdfminer: "(cid:N)").
UNREADABLE = ("\x00", "\ufffe")
# Scripts written right to left: pdfium reorders their characters, text objects are then not contiguous.
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
# Characters that need a closer look: pdfium's own spaces and line breaks, its hyphen marks.
SPECIAL = frozenset(" \r\n") | frozenset(PDFIUM_HYPHEN_MARKS) | frozenset(UNREADABLE)
# A text object narrower than this (points) is skipped by pdfium's text page (its kSizeEpsilon).
PDFIUM_EMPTY_WIDTH = 0.01
# Two origins closer than this (points) are the same spot (pdfium's float32 positions).
SAME_ORIGIN_PT = 1e-3
# Matrix terms this small are taken for zero: a glyph set on a horizontal baseline (float32 noise).
AXIS_EPS = 1e-6
# pdfminer gives a character's size as a float difference (its box height); sizes are rounded to this
# many decimals so that characters of one font size get one size. pdfminer's own noise sometimes splits
# a size in two, and pdfplumber groups characters by size before lines: the flat word list may then be
# ordered differently, lines (what extractors read) are the same.
SIZE_DECIMALS = 4
# How deep Form XObjects are followed for the stream order and for images (pdfium's own limit is lower).
MAX_FORM_DEPTH = 16


class NeedsPdfplumber(Exception):
    """pdfium's reading of this page would differ from pdfminer's: read it with pdfplumber."""


@dataclass
class CharPage:
    """The part of a pdfplumber page that the text layer code uses, built from pdfium's reading."""

    chars: list[Char]
    images: list[dict[str, float]]
    width: float
    height: float
    draws_text: bool = True  # False: the page has no text objects at all (a scan)

    def filter(self, keep: Callable[[Char], bool]) -> CharPage:
        return CharPage([c for c in self.chars if keep(c)], self.images, self.width, self.height, self.draws_text)

    def extract_words(self, **kwargs: Any) -> list[dict[str, Any]]:
        return extract_words(self.chars, **kwargs)

    def close(self) -> None:
        """Nothing to release (pdfium's page is closed when reading ends); pdfplumber pages have it."""


# --------------------------------------------------------------------------- words


# The word extractor's options this module implements itself; anything else goes to pdfplumber's.
_OWN_WORD_OPTIONS = {"x_tolerance", "y_tolerance", "keep_blank_chars", "use_text_flow", "extra_attrs"}


def extract_words(chars: list[Char], **kwargs: Any) -> list[dict[str, Any]]:
    """pdfplumber's ``extract_words`` (default directions, no text flow, blanks split words), 2-3x faster.

    The same algorithm step by step: characters grouped by uprightness (and ``extra_attrs``) in
    stream order, each group clustered into lines by ``top`` (turned text: by ``x0``), a line's
    characters sorted along it, and split into words at blanks and at gaps wider than the tolerance.
    """
    if set(kwargs) - _OWN_WORD_OPTIONS or kwargs.get("keep_blank_chars") or kwargs.get("use_text_flow"):
        return plumber_extract_words(chars, **kwargs)
    x_tol = kwargs.get("x_tolerance", DEFAULT_X_TOLERANCE)
    y_tol = kwargs.get("y_tolerance", DEFAULT_Y_TOLERANCE)
    extra = list(kwargs.get("extra_attrs") or [])
    words: list[dict[str, Any]] = []
    for _, grouped in itertools.groupby(chars, itemgetter("upright", *extra)):
        group = list(grouped)
        upright = group[0]["upright"]
        if upright:
            lines = _cluster(group, "top", y_tol)
            for line in lines:
                line.sort(key=_x0)
                _split_words(line, "x0", "x1", "top", x_tol, y_tol, upright, "ltr", extra, words)
        else:
            lines = _cluster(group, "x0", x_tol)
            for line in lines:
                line.sort(key=_top_bottom)
                _split_words(line, "top", "bottom", "x0", y_tol, x_tol, upright, "ttb", extra, words)
    return words


_x0 = itemgetter("x0")
_top_bottom = itemgetter("top", "bottom")


def _cluster(chars: list[Char], key: str, tolerance: float) -> list[list[Char]]:
    """pdfplumber's ``cluster_objects``: values chained within ``tolerance`` form one cluster; clusters
    in ascending order, characters within a cluster in their original order."""
    values = sorted({c[key] for c in chars})
    cluster_of: dict[float, int] = {}
    index = 0
    last = values[0] if values else 0.0
    for value in values:
        if (value > last + tolerance) if tolerance else (value != last):
            index += 1
        cluster_of[value] = index
        last = value
    clusters: list[list[Char]] = [[] for _ in range(index + 1)]
    for c in chars:
        clusters[cluster_of[c[key]]].append(c)
    return [cluster for cluster in clusters if cluster]


def _split_words(
    line: list[Char],
    start: str,
    end: str,
    across: str,
    gap: float,
    drift: float,
    upright: bool,
    direction: str,
    extra: list[str],
    out: list[dict[str, Any]],
) -> None:
    """pdfplumber's ``iter_chars_to_words`` over one sorted line: a blank ends a word; a character
    before the previous one's start, past its end by more than ``gap``, or off its line by more than
    ``drift`` starts a new one (an empty text is a word of its own)."""
    word: list[Char] = []
    prev_start = prev_end = prev_across = 0.0
    for c in line:
        text = c["text"]
        if not text or text.isspace():
            if word:
                out.append(_merge(word, upright, direction, extra))
                word = []
            if not text:
                out.append(_merge([c], upright, direction, extra))
            continue
        here, level = c[start], c[across]
        if word and (here < prev_start or here > prev_end + gap or abs(level - prev_across) > drift):
            out.append(_merge(word, upright, direction, extra))
            word = []
        word.append(c)
        prev_start, prev_end, prev_across = here, c[end], level
    if word:
        out.append(_merge(word, upright, direction, extra))


def _merge(chars: list[Char], upright: bool, direction: str, extra: list[str]) -> dict[str, Any]:
    first = chars[0]
    if len(chars) == 1:
        x0, top, x1, bottom = first["x0"], first["top"], first["x1"], first["bottom"]
        text = LIGATURES.get(first["text"]) or first["text"]
    else:
        x0 = min([c["x0"] for c in chars])
        top = min([c["top"] for c in chars])
        x1 = max([c["x1"] for c in chars])
        bottom = max([c["bottom"] for c in chars])
        text = "".join([LIGATURES.get(c["text"]) or c["text"] for c in chars])
    word = {
        "text": text,
        "x0": x0,
        "x1": x1,
        "top": top,
        "doctop": top + (first["doctop"] - first["top"]),
        "bottom": bottom,
        "upright": upright,
        "height": bottom - top,
        "width": x1 - x0,
        "direction": direction,
    }
    for key in extra:
        word[key] = first[key]
    return word


# --------------------------------------------------------------------------- raw calls


def _fast(fn: Any, restype: Any, *argtypes: Any) -> Any:
    """The same pdfium entry point with plain-integer handles: no pointer wrapping on every call.

    pypdfium2's bindings return typed pointers; building one per character costs more than the call.
    """
    address = ctypes.cast(fn, ctypes.c_void_p).value
    if not address:
        raise ImportError(f"pdfium entry point missing: {fn}")
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


_VP, _INT, _DBL, _FLT = ctypes.c_void_p, ctypes.c_int, ctypes.c_double, ctypes.c_float
_get_text_object = _fast(pdfium_c.FPDFText_GetTextObject, _VP, _VP, _INT)
_get_loose_box = _fast(pdfium_c.FPDFText_GetLooseCharBox, _INT, _VP, _INT, ctypes.POINTER(pdfium_c.FS_RECTF))
_get_origin = _fast(
    pdfium_c.FPDFText_GetCharOrigin, _INT, _VP, _INT, ctypes.POINTER(_DBL), ctypes.POINTER(_DBL)
)
_get_unicode = _fast(pdfium_c.FPDFText_GetUnicode, ctypes.c_uint, _VP, _INT)
_is_generated = _fast(pdfium_c.FPDFText_IsGenerated, _INT, _VP, _INT)
_is_hyphen = _fast(pdfium_c.FPDFText_IsHyphen, _INT, _VP, _INT)
_map_error = _fast(pdfium_c.FPDFText_HasUnicodeMapError, _INT, _VP, _INT)
_get_char_matrix = _fast(pdfium_c.FPDFText_GetMatrix, _INT, _VP, _INT, ctypes.POINTER(pdfium_c.FS_MATRIX))
_count_chars = _fast(pdfium_c.FPDFText_CountChars, _INT, _VP)
_get_text = _fast(pdfium_c.FPDFText_GetText, _INT, _VP, _INT, _INT, _VP)
_obj_font_size = _fast(pdfium_c.FPDFTextObj_GetFontSize, _INT, _VP, ctypes.POINTER(_FLT))
_obj_font = _fast(pdfium_c.FPDFTextObj_GetFont, _VP, _VP)
_obj_fill = _fast(
    pdfium_c.FPDFPageObj_GetFillColor,
    _INT,
    _VP,
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
)
_obj_type = _fast(pdfium_c.FPDFPageObj_GetType, _INT, _VP)
_obj_bounds = _fast(
    pdfium_c.FPDFPageObj_GetBounds,
    _INT,
    _VP,
    ctypes.POINTER(_FLT),
    ctypes.POINTER(_FLT),
    ctypes.POINTER(_FLT),
    ctypes.POINTER(_FLT),
)
_obj_matrix = _fast(pdfium_c.FPDFPageObj_GetMatrix, _INT, _VP, ctypes.POINTER(pdfium_c.FS_MATRIX))
_obj_count_marks = _fast(pdfium_c.FPDFPageObj_CountMarks, _INT, _VP)
_obj_get_mark = _fast(pdfium_c.FPDFPageObj_GetMark, _VP, _VP, ctypes.c_ulong)
_mark_value_type = _fast(pdfium_c.FPDFPageObjMark_GetParamValueType, _INT, _VP, ctypes.c_char_p)
_page_count_objects = _fast(pdfium_c.FPDFPage_CountObjects, _INT, _VP)
_page_get_object = _fast(pdfium_c.FPDFPage_GetObject, _VP, _VP, _INT)
_form_count_objects = _fast(pdfium_c.FPDFFormObj_CountObjects, _INT, _VP)
_form_get_object = _fast(pdfium_c.FPDFFormObj_GetObject, _VP, _VP, ctypes.c_ulong)
_font_descent = _fast(pdfium_c.FPDFFont_GetDescent, _INT, _VP, _FLT, ctypes.POINTER(_FLT))
_font_glyph_width = _fast(pdfium_c.FPDFFont_GetGlyphWidth, _INT, _VP, ctypes.c_uint32, _FLT, ctypes.POINTER(_FLT))
_font_base_name = _fast(pdfium_c.FPDFFont_GetBaseFontName, ctypes.c_size_t, _VP, ctypes.c_char_p, ctypes.c_size_t)


def _handle(obj: Any) -> int:
    return ctypes.cast(obj.raw, ctypes.c_void_p).value or 0


# --------------------------------------------------------------------------- fonts and text objects


@dataclass(frozen=True)
class _Font:
    descent: float  # pdfminer's: the descriptor's /Descent (standard 14: the AFM's), per unit of size


def _font_info(font: int) -> _Font:
    value = _FLT()
    _font_descent(font, 1000.0, ctypes.byref(value))  # the descriptor's /Descent, whole units
    descent_pm = float(value.value)
    buffer = ctypes.create_string_buffer(128)
    size = _font_base_name(font, buffer, len(buffer))
    name = buffer.raw[: max(size - 1, 0)].decode("latin-1") if size else ""
    if name in FONT_METRICS:  # pdfminer takes the standard 14 fonts' metrics from its AFM tables
        descent_pm = float(FONT_METRICS[name][0].get("Descent", 0))  # type: ignore[arg-type]
    if descent_pm > 0:  # as pdfminer: a positive /Descent is a producer's sign error
        descent_pm = -descent_pm
    return _Font(descent=descent_pm / 1000.0)


@dataclass
class _Run:
    """One text object: what its characters share."""

    order: int  # position in the content stream
    font: int
    widths: dict[str, float]  # advance per character of this font, font units (shared per font)
    metrics: _Font
    size: float  # Tf size
    a: float
    b: float
    c: float
    d: float
    upright: bool
    axis_aligned: bool  # on a horizontal baseline, not mirrored: the box is origin + advance, descent up
    colour: tuple[float, ...] | None
    char_size: float  # pdfminer's "size" of an axis-aligned glyph (its box height)
    advance_scale: float  # font units to points along the baseline (a * size / 1000)
    descent_offset: float  # from the baseline to the box's bottom (d * descent * size)


def _has_actual_text(obj: int) -> bool:
    for k in range(max(_obj_count_marks(obj), 0)):
        mark = _obj_get_mark(obj, k)
        if mark and _mark_value_type(mark, b"ActualText") != pdfium_c.FPDF_OBJECT_UNKNOWN:
            return True
    return False


def _fill_colour(obj: int) -> tuple[float, ...] | None:
    r, g, b, alpha = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    if not _obj_fill(obj, ctypes.byref(r), ctypes.byref(g), ctypes.byref(b), ctypes.byref(alpha)):
        return None
    return (r.value / 255.0, g.value / 255.0, b.value / 255.0)


# --------------------------------------------------------------------------- page objects


@dataclass
class _Objects:
    text_order: dict[int, int]  # text object handle -> content-stream position
    text_widths: dict[int, float]
    images: list[tuple[float, float, float, float]]  # left, bottom, right, top in page space


def _transform_box(m: tuple[float, ...], box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    a, b, c, d, e, f = m
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])):
        xs.append(a * x + c * y + e)
        ys.append(b * x + d * y + f)
    return (min(xs), min(ys), max(xs), max(ys))


def _compose(inner: tuple[float, ...], outer: tuple[float, ...]) -> tuple[float, ...]:
    a1, b1, c1, d1, e1, f1 = inner
    a2, b2, c2, d2, e2, f2 = outer
    return (
        a1 * a2 + b1 * c2,
        a1 * b2 + b1 * d2,
        c1 * a2 + d1 * c2,
        c1 * b2 + d1 * d2,
        e1 * a2 + f1 * c2 + e2,
        e1 * b2 + f1 * d2 + f2,
    )


IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _page_objects(page: int) -> _Objects:
    """Text objects in content-stream order and image boxes, Form XObjects followed."""
    out = _Objects({}, {}, [])
    left, bottom, right, top = _FLT(), _FLT(), _FLT(), _FLT()
    fs_matrix = pdfium_c.FS_MATRIX()

    def walk(parent: int, count: Callable[[int], int], get: Callable[[int, int], int], m: tuple[float, ...], depth: int) -> None:
        for k in range(max(count(parent), 0)):
            obj = get(parent, k)
            if not obj:
                continue
            kind = _obj_type(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
                out.text_order[obj] = len(out.text_order)
                if _obj_bounds(obj, ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top)):
                    out.text_widths[obj] = abs(right.value - left.value)
            elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                if _obj_bounds(obj, ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top)):
                    box = (left.value, bottom.value, right.value, top.value)
                    out.images.append(box if m is IDENTITY else _transform_box(m, box))
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < MAX_FORM_DEPTH:
                _obj_matrix(obj, ctypes.byref(fs_matrix))
                own = (fs_matrix.a, fs_matrix.b, fs_matrix.c, fs_matrix.d, fs_matrix.e, fs_matrix.f)
                walk(obj, _form_count_objects, _form_get_object, _compose(own, m), depth + 1)

    walk(page, _page_count_objects, _page_get_object, IDENTITY, 0)
    return out


# --------------------------------------------------------------------------- characters


def _page_text(textpage: int, count: int) -> list[str]:
    """Each character's text, by char index (one bulk call when pdfium's text buffer lines up)."""
    buffer = ctypes.create_string_buffer((count + 1) * 2)
    written = _get_text(textpage, 0, count, ctypes.addressof(buffer))
    text = buffer.raw[: max(written - 1, 0) * 2].decode("utf-16-le", errors="replace")
    if len(text) == count:
        return list(text)
    return [chr(_get_unicode(textpage, i)) for i in range(count)]  # non-printing chars or surrogates


def _page_chars(textpage: int, height: float, objects: _Objects) -> list[Char]:
    count = _count_chars(textpage)
    if count <= 0:
        return []
    texts = _page_text(textpage, count)
    runs: dict[int, _Run] = {}
    fonts: dict[int, tuple[_Font, dict[str, float]]] = {}
    by_run: dict[int, list[Char]] = {}  # stream position of the text object -> its characters
    ox, oy = _DBL(), _DBL()
    ox_ref, oy_ref = ctypes.byref(ox), ctypes.byref(oy)
    fs_matrix = pdfium_c.FS_MATRIX()
    text_order = objects.text_order
    get_origin, map_error = _get_origin, _map_error
    contiguous = not _RIGHT_TO_LEFT.search("".join(texts))
    start = 0
    while start < count:
        obj, end = _object_span(textpage, start, count, contiguous)
        if not obj:
            start = end
            continue  # pdfium's own line breaks and spaces between text objects
        run = runs.get(obj)
        if run is None:
            _get_char_matrix(textpage, start, ctypes.byref(fs_matrix))
            run = _object_run(obj, fonts, text_order, (fs_matrix.a, fs_matrix.b, fs_matrix.c, fs_matrix.d))
            runs[obj] = run
            by_run[run.order] = []
        out = by_run[run.order]
        widths, scale, upright, colour = run.widths, run.advance_scale, run.upright, run.colour
        axis_aligned, descent_offset, char_size = run.axis_aligned, run.descent_offset, run.char_size
        linear = (run.a, run.b, run.c, run.d)
        for i in range(start, end):
            text = texts[i]
            if text in SPECIAL:
                if text in " \r\n" and _is_generated(textpage, i) and not _real_space(textpage, i, count, text):
                    continue  # a space pdfium made for a kerning gap: not in the PDF
                if text in PDFIUM_HYPHEN_MARKS and _is_hyphen(textpage, i):
                    text = "-"
                elif text in UNREADABLE:
                    raise NeedsPdfplumber("unmapped glyphs")
            if map_error(textpage, i):
                raise NeedsPdfplumber("unmapped glyphs")  # pdfminer's (cid:N): the usability check needs them
            get_origin(textpage, i, ox_ref, oy_ref)
            x = ox.value
            y = oy.value
            width = widths.get(text)
            if width is None:
                width = widths[text] = _glyph_width(run.font, text)
            if not width and not text.isspace():
                width = _loose_width(textpage, i, run)
            if axis_aligned:
                top = height - (y + descent_offset + char_size)
                out.append(
                    {
                        "text": text,
                        "x0": x,
                        "x1": x + width * scale,
                        "top": top,
                        "bottom": height - (y + descent_offset),
                        "doctop": top,
                        "upright": upright,
                        "size": char_size,
                        "matrix": linear + (x, y),
                        "non_stroking_color": colour,
                        "object_type": "char",
                    }
                )
            else:
                out.append(_glyph(text, run, x, y, width * run.size / 1000.0, height))
        start = end
    for obj, order in text_order.items():
        if obj in runs:
            continue
        if objects.text_widths.get(obj, 0.0) >= PDFIUM_EMPTY_WIDTH:
            raise NeedsPdfplumber("text object dropped by pdfium (a duplicate)")
        by_run[order] = [_blank_object_char(obj, fonts, text_order, height)]
    chars: list[Char] = []
    for order in sorted(by_run):
        chars.extend(by_run[order])
    return chars


def _object_span(textpage: int, start: int, count: int, contiguous: bool) -> tuple[int, int]:
    """The text object of character ``start`` and where its characters end.

    pdfium's text page lists each text object's characters together (it processes objects whole), so
    the end is found by galloping and bisection in a few calls instead of one call per character.
    Right-to-left text is reordered by pdfium across objects: there, one character at a time.
    """
    get = _get_text_object
    obj = get(textpage, start) or 0
    if not contiguous:
        return obj, start + 1
    known, step = start, 1
    while True:  # gallop: the last index known to hold ``obj``, and the first probe past it
        probe = start + step
        if probe >= count:
            probe = count
            break
        if (get(textpage, probe) or 0) != obj:
            break
        known, step = probe, step * 2
    while probe - known > 1:  # bisect between a character of ``obj`` and one that is not (or the end)
        middle = (known + probe) // 2
        if (get(textpage, middle) or 0) == obj:
            known = middle
        else:
            probe = middle
    return obj, probe


def _real_space(textpage: int, index: int, count: int, text: str) -> bool:
    """Whether a space pdfium marks as its own stands for a space glyph of the PDF.

    Inside a TJ, pdfium puts a space of its own before a glyph that a wide kerning gap precedes, at that
    glyph's origin; when the glyph is itself a space, pdfium then drops it as a double space, and the
    space it made, at the space glyph's origin, is all that is left of it. So a made space inside a
    text object whose origin is not the next character's is a space glyph of the PDF.
    """
    if text != " " or index + 1 >= count or not _get_text_object(textpage, index):
        return False
    x, y, next_x, next_y = _DBL(), _DBL(), _DBL(), _DBL()
    _get_origin(textpage, index, ctypes.byref(x), ctypes.byref(y))
    _get_origin(textpage, index + 1, ctypes.byref(next_x), ctypes.byref(next_y))
    return abs(x.value - next_x.value) > SAME_ORIGIN_PT or abs(y.value - next_y.value) > SAME_ORIGIN_PT


def _loose_width(textpage: int, index: int, run: _Run) -> float:
    """A glyph's advance (font units) when the font cannot say it for the character's Unicode value
    (no map back to the glyph): the width of pdfium's loose box, which spans at least the advance."""
    rect = pdfium_c.FS_RECTF()
    if not _get_loose_box(textpage, index, ctypes.byref(rect)):
        return 0.0
    extent = abs(rect.right - rect.left)
    scale = abs(run.a) * run.size / 1000.0
    return extent / scale if scale and run.axis_aligned else 0.0


def _glyph_width(font: int, text: str) -> float:
    """A character's advance in font units (pdfium's: widths truncated to whole units)."""
    width = _FLT()
    if not font or len(text) != 1 or not _font_glyph_width(font, ord(text), 1000.0, ctypes.byref(width)):
        return 0.0
    return float(width.value)


def _object_run(
    obj: int,
    fonts: dict[int, tuple[_Font, dict[str, float]]],
    text_order: dict[int, int],
    matrix: tuple[float, ...] | None = None,
) -> _Run:
    order = text_order.get(obj)
    if order is None:
        raise NeedsPdfplumber("character of an unknown text object")
    if _has_actual_text(obj):
        raise NeedsPdfplumber("/ActualText")
    font = _obj_font(obj) or 0
    known = fonts.get(font)
    if known is None:
        known = fonts[font] = (_font_info(font) if font else _Font(0.0), {})
    metrics, widths = known
    value = _FLT()
    _obj_font_size(obj, ctypes.byref(value))
    size = float(value.value)
    if matrix is None:
        fs_matrix = pdfium_c.FS_MATRIX()
        _obj_matrix(obj, ctypes.byref(fs_matrix))
        matrix = (fs_matrix.a, fs_matrix.b, fs_matrix.c, fs_matrix.d)
    a, b, c, d = matrix
    return _Run(
        order=order,
        font=font,
        widths=widths,
        metrics=metrics,
        size=size,
        a=a,
        b=b,
        c=c,
        d=d,
        upright=a * d > 0 and b * c <= 0,  # pdfminer's test (horizontal scaling taken as positive)
        axis_aligned=abs(b) <= AXIS_EPS and abs(c) <= AXIS_EPS and a > 0 and d > 0,
        colour=_fill_colour(obj),
        char_size=round(d * size, SIZE_DECIMALS),
        advance_scale=a * size / 1000.0,
        descent_offset=d * metrics.descent * size,
    )


def _glyph(text: str, run: _Run, x: float, y: float, advance: float, height: float) -> Char:
    """pdfminer's char: the rectangle [0, advance] x [descent, descent + size] turned by the glyph's
    matrix from its origin (x, y), as its bounding box."""
    descent = run.metrics.descent * run.size
    a, b, c, d = run.a, run.b, run.c, run.d
    xs, ys = [], []
    for gx, gy in ((0.0, descent), (advance, descent), (advance, descent + run.size), (0.0, descent + run.size)):
        xs.append(x + a * gx + c * gy)
        ys.append(y + b * gx + d * gy)
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    return {
        "text": text,
        "x0": x0,
        "x1": x1,
        "top": height - y1,
        "bottom": height - y0,
        "doctop": height - y1,
        "upright": run.upright,
        "size": round(y1 - y0, SIZE_DECIMALS),
        "matrix": (a, b, c, d, x, y),
        "non_stroking_color": run.colour,
        "object_type": "char",
    }


def _blank_object_char(
    obj: int, fonts: dict[int, tuple[_Font, dict[str, float]]], text_order: dict[int, int], height: float
) -> Char:
    """The character of a text object pdfium's text page leaves out for having no width.

    Only blank glyphs have no width (a seal's spaces, set one by one). pdfium gives no text for such
    an object, so it is taken for one space; pdfminer keeps it, and it counts in seal clusters.
    """
    run = _object_run(obj, fonts, text_order)
    if abs(run.size) * max(abs(run.a), abs(run.b), abs(run.c), abs(run.d)) < PDFIUM_EMPTY_WIDTH:
        raise NeedsPdfplumber("text set at size zero")  # hidden text: pdfium gives none, pdfminer all
    fs_matrix = pdfium_c.FS_MATRIX()
    _obj_matrix(obj, ctypes.byref(fs_matrix))
    return _glyph(" ", run, fs_matrix.e, fs_matrix.f, _glyph_width(run.font, " ") * run.size / 1000.0, height)


# --------------------------------------------------------------------------- entry point


def read_char_page(pdf: pdfium.PdfDocument, index: int) -> CharPage:
    """Page ``index`` of an open pdfium document as a ``CharPage``.

    A page that draws no text (a scan) comes back empty with ``draws_text`` False, before its text is
    read. Raises ``NeedsPdfplumber`` when pdfium's reading of the page would differ from pdfminer's.
    """
    page = pdf[index]
    try:
        objects = _page_objects(_handle(page))
        media = page.get_mediabox(fallback_ok=False)
        crop = page.get_cropbox(fallback_ok=False)
        if media is None:  # inherited from the page tree: pdfium's effective box is then the MediaBox
            media = page.get_bbox() if crop is None else None
        if media is None:
            raise NeedsPdfplumber("CropBox over an inherited MediaBox")
        x0, y0, x1, y1 = (_decimal(v) for v in media)
        width, height = x1 - x0, y1 - y0
        if not objects.text_order:
            return CharPage(chars=[], images=_images(objects, height), width=width, height=height, draws_text=False)
        if page.get_rotation() % 360:
            raise NeedsPdfplumber("turned page (/Rotate)")
        if crop is not None and tuple(crop) != tuple(media):
            raise NeedsPdfplumber("CropBox")
        if x0 or y0:
            raise NeedsPdfplumber("MediaBox not at the origin")
        textpage = page.get_textpage()
        try:
            chars = _page_chars(_handle(textpage), height, objects)
        finally:
            textpage.close()
    finally:
        page.close()
    return CharPage(chars=chars, images=_images(objects, height), width=width, height=height)


def _decimal(value: float) -> float:
    """A box coordinate pdfium read as float32, as the decimal the file wrote (pdfplumber's value)."""
    return float(str(np.float32(value)))


def _images(objects: _Objects, height: float) -> list[dict[str, float]]:
    return [
        {"x0": left, "x1": right, "top": height - top, "bottom": height - bottom}
        for left, bottom, right, top in objects.images
    ]
