"""Hostile and awkward ZIPs: each refusal has its code; good archives unpack completely."""

from __future__ import annotations

import io
import re
import stat
import struct
import unicodedata
import zipfile

import pytest

from foundation.settings import Limits
from ingest.archive import read_zip_members
from ingest.errors import IngestError

LOCAL_HEADER_SIZE_OFFSET = 22  # uncompressed size in a local file header
CENTRAL_HEADER_SIZE_OFFSET = 24  # uncompressed size in a central directory entry
LOCAL_HEADER_FLAGS_OFFSET = 6
CENTRAL_HEADER_FLAGS_OFFSET = 8


def make_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def refused(data: bytes, limits: Limits | None = None) -> str:
    with pytest.raises(IngestError) as caught:
        read_zip_members(data, limits or Limits())
    assert re.search("[а-яё]", caught.value.reason, re.IGNORECASE)
    return caught.value.code


def patch_headers(data: bytes, local_offset: int, central_offset: int, fmt: str, value: int) -> bytes:
    """Overwrite a field of the first member in both its local header and its central entry."""
    patched = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    struct.pack_into(fmt, patched, info.header_offset + local_offset, value)
    central = patched.find(b"PK\x01\x02")
    struct.pack_into(fmt, patched, central + central_offset, value)
    return bytes(patched)


@pytest.fixture(scope="module")
def zeros_bomb() -> bytes:
    """200 MB of zeros deflated to ~200 KB, written in chunks so the test never holds 200 MB."""
    buffer = io.BytesIO()
    chunk = bytes(1 << 20)
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("zeros.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(200):
            member.write(chunk)
    return buffer.getvalue()


def test_good_archive_unpacks_and_skips_directories_and_os_junk() -> None:
    data = make_zip(
        {
            "zayavka.pdf": b"%PDF-1.4 one",
            "Платежи/pp_1.pdf": b"%PDF-1.4 two",
            "Платежи/": b"",
            "__MACOSX/Платежи/._pp_1.pdf": b"resource fork",
            ".DS_Store": b"junk",
            "Thumbs.db": b"junk",
            "a/../b.pdf": b"%PDF-1.4 three",  # resolves inside the archive: allowed, normalised
        }
    )
    members = read_zip_members(data, Limits())
    assert [(m.name, m.data) for m in members] == [
        ("zayavka.pdf", b"%PDF-1.4 one"),
        ("Платежи/pp_1.pdf", b"%PDF-1.4 two"),
        ("b.pdf", b"%PDF-1.4 three"),
    ]


def test_cyrillic_names_without_the_utf8_flag_are_decoded_as_cp866() -> None:
    # What Windows' built-in "Send to ZIP" writes: OEM code page bytes, no UTF-8 flag. zipfile would
    # write a non-ASCII name as UTF-8, so an ASCII placeholder of the same length is patched instead.
    raw_name = "договор.pdf".encode("cp866")
    placeholder = b"x" * (len(raw_name) - 4) + b".pdf"
    data = make_zip({placeholder.decode(): b"%PDF-1.4"}).replace(placeholder, raw_name)
    assert not zipfile.ZipFile(io.BytesIO(data)).infolist()[0].flag_bits & 0x800
    [member] = read_zip_members(data, Limits())
    assert member.name == "договор.pdf"


def test_decomposed_unicode_names_are_normalised_to_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "отчёт_й.pdf")
    [member] = read_zip_members(make_zip({nfd: b"%PDF-1.4"}), Limits())
    assert member.name == "отчёт_й.pdf"


@pytest.mark.parametrize(
    "name", ["../evil.txt", "/etc/passwd", "docs/../../evil.txt", "C:/Windows/evil.txt", "..\\evil.txt"]
)
def test_paths_escaping_the_archive_are_refused(name: str) -> None:
    assert refused(make_zip({"ok.pdf": b"%PDF-1.4", name: b"x"})) == "zip_traversal"


def test_symlink_member_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("passwd")
        link.create_system = 3  # unix
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    assert refused(buffer.getvalue()) == "zip_symlink"


def test_zip_bomb_is_refused_from_its_declared_ratio(zeros_bomb: bytes) -> None:
    assert refused(zeros_bomb) == "zip_bomb"


def test_total_uncompressed_size_is_capped() -> None:
    data = make_zip({"a.bin": bytes(range(256)) * 400, "b.bin": bytes(range(256)) * 400})
    assert refused(data, Limits(max_archive_total_bytes=150_000)) == "zip_bomb"


def test_header_that_understates_the_size_is_caught_while_decompressing() -> None:
    data = make_zip({"zeros.bin": bytes(5_000_000)})
    lying = patch_headers(data, LOCAL_HEADER_SIZE_OFFSET, CENTRAL_HEADER_SIZE_OFFSET, "<I", 1000)
    assert zipfile.ZipFile(io.BytesIO(lying)).infolist()[0].file_size == 1000
    assert refused(lying) == "zip_bomb"


def test_small_compressible_members_are_not_mistaken_for_bombs() -> None:
    [member] = read_zip_members(make_zip({"blank.txt": bytes(500_000)}), Limits())
    assert len(member.data) == 500_000


def test_too_many_members() -> None:
    data = make_zip({f"doc_{i}.pdf": b"%PDF-1.4" for i in range(5)})
    assert refused(data, Limits(max_archive_members=3)) == "zip_too_many_members"


def test_nested_archives_are_expanded_up_to_the_depth_limit() -> None:
    inner = make_zip({"pp_1.pdf": b"%PDF-1.4 inner"})
    outer = make_zip({"zayavka.pdf": b"%PDF-1.4", "platezhi.zip": inner})
    names = [m.name for m in read_zip_members(outer, Limits())]
    assert names == ["zayavka.pdf", "platezhi.zip/pp_1.pdf"]
    assert [m.name for m in read_zip_members(outer, Limits(), expand_nested=False)] == [
        "zayavka.pdf",
        "platezhi.zip",
    ]

    nested = inner
    for level in range(3):
        nested = make_zip({f"level_{level}.zip": nested})
    assert refused(nested, Limits(max_archive_depth=2)) == "zip_nested_too_deep"
    assert len(read_zip_members(nested, Limits(max_archive_depth=3))) == 1


def test_office_files_inside_an_archive_are_documents_not_folders() -> None:
    xlsx_like = make_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    [member] = read_zip_members(make_zip({"vedomost.xlsx": xlsx_like}), Limits())
    assert member.name == "vedomost.xlsx" and member.data == xlsx_like


def test_corrupt_archives() -> None:
    assert refused(b"PK\x03\x04" + b"\x00garbage" * 20) == "corrupt_zip"
    stored = bytearray(make_zip({"a.txt": b"hello world, stored"}, compression=zipfile.ZIP_STORED))
    stored[stored.find(b"hello")] ^= 0xFF  # breaks the CRC
    assert refused(bytes(stored)) == "corrupt_zip"


def test_encrypted_member_is_refused() -> None:
    data = make_zip({"a.pdf": b"%PDF-1.4"})
    flags = zipfile.ZipFile(io.BytesIO(data)).infolist()[0].flag_bits | 0x1
    encrypted = patch_headers(data, LOCAL_HEADER_FLAGS_OFFSET, CENTRAL_HEADER_FLAGS_OFFSET, "<H", flags)
    assert refused(encrypted) == "encrypted_zip"
