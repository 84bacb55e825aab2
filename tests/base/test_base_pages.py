"""Page counts as Datalab bills them, checked against pypdf on real PDFs of several sizes."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from pdf_fixtures import pdf_bytes
from pypdf import PdfReader, PdfWriter

from evalspec.base.pages import PageCount, _pdf_fast, count_pages


@pytest.mark.parametrize("pages", [1, 2, 9, 64, 250])
def test_pdf_pages_match_pypdf(pages: int) -> None:
    data = pdf_bytes(pages)
    assert _pdf_fast(data) == pages  # the cheap path is taken, and exact
    assert count_pages("a.pdf", data) == PageCount(len(PdfReader(io.BytesIO(data)).pages))


def test_an_incremental_update_that_drops_pages_is_counted_by_pypdf() -> None:
    original = pdf_bytes(5)
    writer = PdfWriter(io.BytesIO(original), incremental=True)
    writer.remove_page(0)
    writer.remove_page(0)
    buffer = io.BytesIO()
    writer.write(buffer)
    updated = buffer.getvalue()
    assert updated.count(b"startxref") == 2 and _pdf_fast(updated) is None  # the search would say 5
    assert count_pages("a.pdf", updated) == PageCount(3)


def test_a_pdf_that_may_hide_its_page_tree_in_object_streams_is_counted_by_pypdf() -> None:
    data = pdf_bytes(7) + b"% /ObjStm\n"  # the marker alone sends it down the exact path
    assert _pdf_fast(data) is None
    assert count_pages("a.pdf", data).pages == 7


def test_an_unreadable_pdf_is_one_estimated_page() -> None:
    assert count_pages("broken.pdf", b"%PDF-1.4 nothing here") == PageCount(1, estimated=True)


def _tiff(frames: int, order: str = "<") -> bytes:
    """A minimal TIFF chain of `frames` image file directories with no entries."""
    head = (b"II" if order == "<" else b"MM") + struct.pack(order + "HI", 42, 8)
    body = b""
    for i in range(frames):
        following = 8 + 6 * (i + 1) if i + 1 < frames else 0
        body += struct.pack(order + "HI", 0, following)
    return head + body


@pytest.mark.parametrize(("frames", "order"), [(1, "<"), (4, "<"), (3, ">")])
def test_tiff_frames_are_pages(frames: int, order: str) -> None:
    assert count_pages("scan.tiff", _tiff(frames, order)) == PageCount(frames)


def test_a_tiff_whose_chain_loops_counts_each_frame_once() -> None:
    looped = b"II" + struct.pack("<HI", 42, 8) + struct.pack("<HI", 0, 8)
    assert count_pages("loop.tif", looped) == PageCount(1)


def test_an_image_is_one_page() -> None:
    assert count_pages("photo.PNG", b"\x89PNG....") == PageCount(1)


def _office(name: str, app_xml: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("docProps/app.xml", app_xml)
        if name.endswith(".xlsx"):
            archive.writestr("xl/worksheets/sheet1.xml", "")
            archive.writestr("xl/worksheets/sheet2.xml", "")
    return buffer.getvalue()


def test_office_documents_count_what_their_metadata_says_estimated() -> None:
    assert count_pages("a.docx", _office("a.docx", "<Properties><Pages>12</Pages></Properties>")) == \
        PageCount(12, estimated=True)
    assert count_pages("a.pptx", _office("a.pptx", "<Properties><Slides>30</Slides></Properties>")) == \
        PageCount(30, estimated=True)
    assert count_pages("a.xlsx", _office("a.xlsx", "<Properties/>")) == PageCount(2, estimated=True)


def test_text_kinds_are_estimated_from_their_size() -> None:
    assert count_pages("notes.md", b"x" * 6001) == PageCount(3, estimated=True)
    assert count_pages("empty.txt", b"") == PageCount(1, estimated=True)
