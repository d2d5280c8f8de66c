"""PDF streams inflated under a byte budget, before any parser that would inflate them whole.

pdfium loads a page by inflating its content stream whole, and pdfminer (pdfplumber) does the same:
a 2 MB PDF whose one content stream inflates to 2 GB of spaces took ``docproc check`` to 3.3 GB of
memory before the page turned out to be empty. Such "flate bombs" are found here first: every stream
of the file (content, images, fonts, object and cross-reference streams, those of earlier revisions
too) is decoded with pypdf under ``Limits.max_pdf_stream_bytes`` per stream and
``Limits.max_pdf_decoded_bytes`` for the file, one stream at a time, and the file is refused when
either budget would be exceeded. pypdf enforces the per-stream cap inside its decoders (FlateDecode,
LZWDecode, RunLengthDecode: the filters that expand), so the check itself never holds more than one
stream's budget.

Image codecs (DCTDecode, JPXDecode, CCITTFaxDecode, JBIG2Decode) are left encoded: their output is
bounded by the image's declared size, which the renderer's own limits cover.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError, PyPdfError
from pypdf.filters import decode_stream_data
from pypdf.generic import IndirectObject, StreamObject

from foundation.settings import Limits
from ingest.errors import IngestError
from ingest.sizes import format_size

# pypdf logs every oddity of a damaged file as a warning; the reader reports what matters.
logging.getLogger("pypdf").setLevel(logging.ERROR)

# Stream parsing errors pypdf may raise on a damaged but harmless file: pdfium decides readability.
_DAMAGE = (
    PyPdfError,
    NotImplementedError,  # a filter pypdf does not know (pdfium may): left to the reader
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    OSError,
    RecursionError,
)


def check_pdf_streams(data: bytes, limits: Limits) -> int:
    """Decode every stream of ``data`` under the budgets; returns the bytes decoded.

    Raises ``IngestError("pdf_bomb")`` when a stream or the file would inflate beyond its budget.
    Damage that pypdf cannot get past is not a refusal here (the reader reports an unreadable file).
    """
    per_stream = limits.max_pdf_stream_bytes
    budget = limits.max_pdf_decoded_bytes
    decoded = 0
    with apply_configuration(
        zlib_maximum_output_length=per_stream,
        lzw_maximum_output_length=per_stream,
        run_length_maximum_output_length=per_stream,
        jbig2_maximum_output_length=per_stream,
        maximum_declared_stream_length=max(per_stream, limits.max_file_bytes),
        array_based_stream_maximum_output_length=per_stream,
        stream_decoding_work_maximum_length=per_stream,
        jbig2dec_binary=None,
    ):
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
        except LimitReachedError as exc:
            raise _bomb(limits) from exc
        except _DAMAGE:
            return 0
        for generation, numbers in list(reader.xref.items()):
            for number in list(numbers):
                try:
                    obj = reader.get_object(IndirectObject(number, generation, reader))
                    if not isinstance(obj, StreamObject) or "/Filter" not in obj:
                        continue  # an unfiltered stream is no larger than the file
                    size = len(decode_stream_data(obj))
                except LimitReachedError as exc:
                    raise _bomb(limits) from exc
                except _DAMAGE:
                    continue
                decoded += size
                if decoded > budget:
                    raise _bomb(limits)
    return decoded


def _bomb(limits: Limits) -> IngestError:
    return IngestError(
        "pdf_bomb",
        "PDF отклонён: его содержимое при распаковке заняло бы больше "
        f"{format_size(limits.max_pdf_stream_bytes)} в одном потоке или {format_size(limits.max_pdf_decoded_bytes)} "
        "во всём файле — так выглядят «PDF-бомбы». Сохраните документ заново (например, «Печать в PDF»).",
    )
