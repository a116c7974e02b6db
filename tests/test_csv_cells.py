"""CSV cells stay text in a spreadsheet whatever separator it splits on (issue 14, low 12)."""

import csv
import io

import pytest

from jobs.reports.csv_cells import csv_rows, neutralise_csv
from jobs.store.models import Merchant, RowError, Shipment, Upload
from tests.test_reports import NAME, NUMBER, csv_download, seeded  # noqa: F401 (fixture)

SPLITTING = "Eve;=cmd|' /C calc'!A0"


def split_cells(line: str, separator: str) -> list[str]:
    """The cells a spreadsheet set to `separator` makes of one CSV line."""
    return next(csv.reader(io.StringIO(line), delimiter=separator))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (SPLITTING, "Eve;'=cmd|' /C calc'!A0"),
        ("Eve,+1", "Eve,'+1"),
        ("Eve\t@SUM(A1)", "Eve\t'@SUM(A1)"),
        ('Eve; "=HYPERLINK(1)"', 'Eve; "\'=HYPERLINK(1)"'),
        ("=cmd;-2", "'=cmd;'-2"),
        ("Rue de Rivoli, 10", "Rue de Rivoli, 10"),
        ("A-1; B=2", "A-1; B=2"),
        (12, 12),
    ],
)
def test_every_trigger_after_a_separator_is_neutralised(value, expected):
    assert neutralise_csv(value) == expected


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_no_cell_of_an_exported_line_starts_a_formula(separator):
    lines = list(csv_rows(["name"], [[SPLITTING], ["a\t=1,+2;@3"]]))[1:]
    for line in lines:
        for cell in split_cells(line, separator):
            assert not cell.lstrip(' "').startswith(("=", "+", "-", "@")), (separator, cell)


def test_the_report_csv_neutralises_a_formula_behind_a_semicolon(seeded, merchant_client):  # noqa: F811
    Shipment.update(customer_name=SPLITTING).where(
        Shipment.tracking_number == "OKDELIV01"
    ).execute()
    rows = {r[NUMBER]: r for r in csv_download(merchant_client, "")[1:]}
    assert rows["OKDELIV01"][NAME] == "Eve;'=cmd|' /C calc'!A0"


def test_the_rejected_rows_csv_neutralises_a_formula_behind_a_separator(app, merchant_client):
    merchant = Merchant.get()
    upload = Upload.create(merchant=merchant, filename="x.csv", stored_path="/nonexistent")
    RowError.create(upload=upload, row=2, value="LX1;=cmd|' /C calc'!A0", reason="missing_number")
    body = merchant_client.get(f"/uploads/{upload.id}/rejected.csv").get_data(as_text=True)
    assert "LX1;'=cmd|' /C calc'!A0" in body
    for line in body.splitlines()[1:]:
        assert not any(c.startswith("=") for c in split_cells(line, ";"))
