"""The local engine's readers: blocks.py, documents.py and the PDF, HTML, Markdown and text readers.

PDFs are drawn here with fpdf2 (the test extra), so each test states the fonts it relies on.
"""

from __future__ import annotations

import pytest
from fpdf import FPDF

from evalspec.local.engine.blocks import Block, UnsupportedDocument, decode, table_cells
from evalspec.local.engine.documents import Document, Page, kind_of, parse_document
from evalspec.local.engine.html_reader import read_html
from evalspec.local.engine.pdf_reader import read_pdf
from evalspec.local.engine.text_reader import read_markdown, read_text


def shape(pages: list[list[Block]]) -> list[list[tuple[int, str, tuple[str, ...]]]]:
    return [[(b.level, b.text, b.cells) for b in page] for page in pages]


# --- documents.py ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content_type", "kind"),
    [
        ("a.PDF", None, "pdf"), ("a.htm", None, "html"), ("a.markdown", None, "markdown"),
        ("a.text", None, "text"), ("a.bin", "text/html; charset=utf-8", "html"),
        ("a", "Application/PDF", "pdf"), ("a.md", "application/pdf", "markdown"),  # the name wins
    ],
)
def test_kind_of_reads_the_extension_then_the_content_type(
    filename: str, content_type: str | None, kind: str
) -> None:
    assert kind_of(filename, content_type) == kind


def test_an_unknown_kind_is_refused_naming_the_file_and_type() -> None:
    with pytest.raises(UnsupportedDocument, match=r"'a\.docx' \(application/msword\)"):
        kind_of("a.docx", "application/msword")
    with pytest.raises(UnsupportedDocument, match=r"\(unknown\)"):
        kind_of("a.docx")


@pytest.mark.parametrize(
    ("line", "cells"),
    [
        ("a | b", ("a", "b")), ("| a | b |", ("a", "b")), ("|a||b|", ("a", "", "b")),
        ("no pipes", ()), ("|---|:--:|", ()), ("| - | - |", ()),
    ],
)
def test_table_cells(line: str, cells: tuple[str, ...]) -> None:
    assert table_cells(line) == cells


def test_decode_drops_a_bom_and_falls_back_to_latin_1() -> None:
    assert decode("\ufeffcafé".encode()) == "café"
    assert decode("café".encode("latin-1")) == "café"


def test_parse_document_numbers_pages_from_one_in_reading_order() -> None:
    doc = parse_document("n.txt", b"one\ntwo\fthree")
    assert doc == Document("n.txt", (Page(1, (Block("one"), Block("two"))), Page(2, (Block("three"),))))
    assert doc.lines == ((1, Block("one")), (1, Block("two")), (2, Block("three")))
    assert doc.text == "one\ntwo\n\nthree"


# --- Markdown and text -------------------------------------------------------------------------


def test_markdown_headings_lists_tables_and_page_breaks() -> None:
    text = (
        "\ufeff# Title #\n\n"
        "- first item\n* second item\n+ third item\n"
        "| Item | Qty |\n|------|----:|\n| Anvil | 2 |\n"
        "####### not a heading\n"
        "<!-- PageBreak -->\n"
        "###   Spaced heading   \n"
    )
    assert shape(read_markdown(text.encode())) == [
        [(1, "Title", ()), (0, "first item", ()), (0, "second item", ()), (0, "third item", ()),
         (0, "Item | Qty", ("Item", "Qty")), (0, "Anvil | 2", ("Anvil", "2")),
         (0, "####### not a heading", ())],
        [(3, "Spaced heading", ())],
    ]


def test_text_keeps_lines_and_cells_and_splits_pages_on_form_feeds() -> None:
    pages = read_text(b"  a | b  \n\n\nplain # not a heading\f\fend\n")
    assert shape(pages) == [
        [(0, "a | b", ("a", "b")), (0, "plain # not a heading", ())], [], [(0, "end", ())],
    ]


# --- HTML --------------------------------------------------------------------------------------


def test_html_headings_lines_and_skipped_elements() -> None:
    html = (
        "<html><head><title>Not text</title><style>p {color: red}</style></head><body>"
        "<h1>Big  <b>Title</b></h1><script>var x = '<p>no</p>';</script>"
        "<p>One &amp; two<br>three</p><div>four <span>five</span></div>"
        "<h6>Small</h6>tail text</body></html>"
    )
    assert shape(read_html(html.encode())) == [[
        (1, "Big Title", ()), (0, "One & two", ()), (0, "three", ()), (0, "four five", ()),
        (6, "Small", ()), (0, "tail text", ()),
    ]]


def test_html_tables_keep_their_cells_and_drop_empty_rows() -> None:
    html = (
        "<table><tr><th>Item</th><th>Qty</th></tr><tr><td> </td><td></td></tr>"
        "<tr><td>Anvil <i>XL</i></td><td>2</td></tr></table><p>after</p>"
    )
    assert shape(read_html(html.encode())) == [[
        (0, "Item | Qty", ("Item", "Qty")), (0, "Anvil XL | 2", ("Anvil XL", "2")), (0, "after", ()),
    ]]


def test_html_page_breaks_by_comment_or_form_feed() -> None:
    pages = read_html(b"<p>one</p><!-- pagebreak --><p>two</p>\f<p>three</p><!-- other -->")
    assert [[b.text for b in page] for page in pages] == [["one"], ["two"], ["three"]]


# --- PDF ---------------------------------------------------------------------------------------


def pdf(pages: list[list[tuple[float, str]]]) -> bytes:
    """A PDF with one line per (font size, text), page by page."""
    doc = FPDF()
    for lines in pages:
        doc.add_page()
        for size, text in lines:
            doc.set_font("Helvetica", size=size)
            doc.cell(0, size, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())


BODY = 11


def test_pdf_pages_with_headings_ranked_by_font_size() -> None:
    data = pdf([
        [(24, "Annual Report"), (16, "Summary"), (BODY, "The year went well for everyone involved."),
         (BODY, "Revenue grew in every quarter of the year.")],
        [(16, "Risks"), (BODY, "Item | Amount"), (BODY, "Costs rose faster than they should have.")],
    ])
    assert shape(read_pdf(data)) == [
        [(1, "Annual Report", ()), (2, "Summary", ()), (0, "The year went well for everyone involved.", ()),
         (0, "Revenue grew in every quarter of the year.", ())],
        [(2, "Risks", ()), (0, "Item | Amount", ("Item", "Amount")),
         (0, "Costs rose faster than they should have.", ())],
    ]


def test_pdf_text_all_of_one_size_has_no_headings() -> None:
    data = pdf([[(BODY, "Only body text here."), (BODY, "And another line of it.")]])
    assert shape(read_pdf(data)) == [[(0, "Only body text here.", ()), (0, "And another line of it.", ())]]


def test_pdf_page_without_text_is_an_empty_page() -> None:
    data = pdf([[(BODY, "First page text.")], []])
    assert shape(read_pdf(data)) == [[(0, "First page text.", ())], []]


@pytest.mark.parametrize("data", [b"not a pdf at all", b"%PDF-1.4\n%%EOF", b""])
def test_an_unreadable_pdf_is_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedDocument, match="unreadable PDF"):
        read_pdf(data)
