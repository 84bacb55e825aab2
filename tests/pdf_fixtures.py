"""Real PDFs of a given number of pages, made with fpdf2, for page-count tests."""

from __future__ import annotations

from fpdf import FPDF


def pdf_bytes(pages: int, text: str = "page") -> bytes:
    """A PDF of `pages` pages, each with one line of text."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for i in range(pages):
        pdf.add_page()
        pdf.cell(text=f"{text} {i + 1}")
    return bytes(pdf.output())
