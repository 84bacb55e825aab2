"""Regenerate the sample PDFs (and the truth sidecars of the generated documents).

    python specs/data/make_sample_pdfs.py     # needs fpdf2 (the `samples` extra)

The truth is written from the same source data the PDFs are drawn from, never from what the
engine extracts, so it is ground truth by construction. One deliberate gap: the Initech
invoice's PDF leaves out its "Paid" line, while its truth says `paid: false`.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fpdf import FPDF

HERE = Path(__file__).parent
FIXED_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)

INVOICES: dict[str, dict[str, Any]] = {
    "acme-0001.pdf": {
        "invoice_number": "INV-0001", "invoice_date": "2026-01-15", "currency": "USD",
        "vendor": {"name": "Acme Corporation", "address": "1 Main Street, Springfield"},
        "customer": {"name": "Globex Ltd", "address": "42 Harbour Road, Shelbyville"},
        "line_items": [
            {"description": "Anvil", "quantity": 2, "unit_price": 150.0, "amount": 300.0},
            {"description": "Rocket skates", "quantity": 1, "unit_price": 1200.0,
             "amount": 1200.0},
            {"description": "Giant magnet", "quantity": 3, "unit_price": 75.5, "amount": 226.5},
        ],
        "subtotal": 1726.5, "tax": 172.65, "total": 1899.15, "paid": True,
    },
    "globex-0002.pdf": {
        "invoice_number": "INV-0002", "invoice_date": "2026-02-01", "currency": "EUR",
        "vendor": {"name": "Globex Ltd", "address": "42 Harbour Road, Shelbyville"},
        "customer": {"name": "Initech", "address": "9 Office Park, Austin"},
        "line_items": [
            {"description": "Consulting hours", "quantity": 10, "unit_price": 95.0,
             "amount": 950.0},
            {"description": "Travel", "quantity": 1, "unit_price": 310.0, "amount": 310.0},
        ],
        "subtotal": 1260.0, "tax": 0.0, "total": 1260.0, "paid": False,
    },
    "initech-0003.pdf": {
        "invoice_number": "INV-0003", "invoice_date": "March 3, 2026", "currency": "USD",
        "vendor": {"name": "Initech", "address": "9 Office Park, Austin"},
        "customer": {"name": "Acme Corporation", "address": "1 Main Street, Springfield"},
        "line_items": [
            {"description": "TPS report covers", "quantity": 500, "unit_price": 0.5,
             "amount": 250.0},
            {"description": "Stapler", "quantity": 1, "unit_price": 19.99, "amount": 19.99},
        ],
        "subtotal": 269.99, "tax": 27.0, "total": 296.99, "paid": False,
        "_omit": ["paid"],
    },
}

REPORT = [  # (page, heading level or 0 for a paragraph, text)
    (1, 1, "Annual Report 2025"),
    (1, 2, "Summary"),
    (1, 0, "The cooperative grew steadily this year. Membership rose to four hundred "
           "households and the shared workshop opened six days a week."),
    (1, 2, "Findings"),
    (1, 0, "Revenue from workshop fees covered running costs for the first time. Tool "
           "lending doubled after the catalogue moved online."),
    (2, 0, "Volunteer hours fell in the summer months, when most members travel."),
    (2, 2, "Risks"),
    (2, 0, "The lease on the workshop ends in two years. Insurance premiums keep rising."),
    (3, 2, "Next Steps"),
    (3, 0, "Negotiate a longer lease, recruit summer volunteers and publish quarterly "
           "accounts."),
]


def money(value: float) -> str:
    return f"{value:,.2f}"


def line(pdf: FPDF, text: str, size: float = 11, bold: bool = False) -> None:
    pdf.set_font("Helvetica", "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.6, text, new_x="LMARGIN", new_y="NEXT")


def table_header(pdf: FPDF) -> None:
    line(pdf, "Description | Quantity | Unit Price | Amount")


def invoice_pdf(data: dict[str, Any]) -> FPDF:
    """Page 1: header, parties, the first items; page 2: the rest and the totals."""
    pdf = FPDF()
    pdf.add_page()
    line(pdf, "Invoice", 20, bold=True)
    for label, key in (("Invoice Number", "invoice_number"), ("Invoice Date", "invoice_date"),
                       ("Currency", "currency")):
        line(pdf, f"{label}: {data[key]}")
    for heading, key in (("Vendor", "vendor"), ("Bill To", "customer")):
        line(pdf, heading, 14, bold=True)
        line(pdf, f"Name: {data[key]['name']}")
        line(pdf, f"Address: {data[key]['address']}")
    line(pdf, "Items", 14, bold=True)
    items = data["line_items"]
    for page_items in (items[:-1], items[-1:]):
        table_header(pdf)
        for item in page_items:
            line(pdf, f"{item['description']} | {item['quantity']} | "
                      f"{money(item['unit_price'])} | {money(item['amount'])}")
        if page_items is not items[-1:]:
            line(pdf, "Continued on the next page.")
            pdf.add_page()
    for label, key in (("Subtotal", "subtotal"), ("Tax", "tax"), ("Total Due", "total")):
        line(pdf, f"{label}: {money(data[key])}")
    if "paid" not in data.get("_omit", []):
        line(pdf, f"Paid: {'Yes' if data['paid'] else 'No'}")
    return pdf


def report_pdf() -> FPDF:
    pdf = FPDF()
    page = 0
    for number, level, text in REPORT:
        while page < number:
            pdf.add_page()
            page += 1
        size = {0: 11, 1: 20, 2: 15}[level]
        line(pdf, text, size, bold=level > 0)
    return pdf


def report_truth() -> str:
    parts = [("#" * level + " " if level else "") + text for _, level, text in REPORT]
    return "\n\n".join(parts) + "\n"


def write_pdf(pdf: FPDF, path: Path) -> None:
    pdf.set_creation_date(FIXED_DATE)  # a fixed timestamp: regenerating gives identical bytes
    path.write_bytes(bytes(pdf.output()))


def main() -> None:
    for name, data in INVOICES.items():
        write_pdf(invoice_pdf(data), HERE / "invoices" / name)
        truth = {k: v for k, v in data.items() if not k.startswith("_")}
        text = json.dumps(truth, indent=2) + "\n"
        (HERE / "invoices" / f"{name}.truth.json").write_text(text, encoding="utf-8")
    write_pdf(report_pdf(), HERE / "reports" / "annual-report.pdf")
    (HERE / "reports" / "annual-report.pdf.truth.md").write_text(report_truth(), "utf-8")


if __name__ == "__main__":
    main()
