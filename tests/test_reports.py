"""Reports: the same rows in CSV, XLSX and from the CLI; safe cells; only the merchant's own."""

import csv
import io
from datetime import datetime

import openpyxl
import pytest

from jobs.reports import HEADER, exceptions
from jobs.store.models import Merchant
from tests.report_data import EXCEPTIONS, HOSTILE, STATES, other_merchant, seed
from webapp.cli import main

NAME, NOTE, NUMBER = HEADER.index("Customer name"), HEADER.index("Note"), 1


@pytest.fixture
def seeded(app, merchant_client):
    """Merchant A (logged in) with every state, and merchant B with a secret parcel."""
    other_merchant()
    merchant = Merchant.get(Merchant.email == "merchant-a@example.com")
    seed(merchant.id)
    return merchant


def ooxml_text(value):
    return value.replace("_x000D_", "\r") if isinstance(value, str) else value


def csv_download(client, query):
    response = client.get(f"/reports/export?format=csv&{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # UTF-8 BOM so Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def xlsx_download(client, query):
    response = client.get(f"/reports/export?format=xlsx&{query}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return openpyxl.load_workbook(io.BytesIO(response.get_data())).active


def test_csv_is_the_filtered_view_with_every_column(seeded, merchant_client):
    rows = csv_download(merchant_client, "")
    assert rows[0] == HEADER
    assert {r[NUMBER] for r in rows[1:]} == set(STATES)
    alert = csv_download(merchant_client, "status=alert")
    assert [r[NUMBER] for r in alert[1:]] == ["EXALERT01"]
    row = dict(zip(HEADER, alert[1], strict=True))
    assert (row["Status"], row["Reason"], row["Carrier"]) == ("Alert", "Lost", "UPS")
    assert row["Last event"] == "Last word on EXALERT01" and row["Last location"] == "PARIS"
    assert row["Days since last event"] == "2" and row["Days in transit"] == "5"
    assert row["Upload"] == "november.csv" and row["Follow-up"] == "Open"
    assert "Next step:" in row["Explanation and recommended action"]
    datetime.strptime(row["Last event time"], "%Y-%m-%d %H:%M:%S")
    searched = csv_download(merchant_client, "q=exundel01")
    assert [r[NUMBER] for r in searched[1:]] == ["EXUNDEL01"]
    by_carrier = csv_download(merchant_client, "carrier=dhl-express")
    assert {r[NUMBER] for r in by_carrier[1:]} == {"EXUNDEL01", "OKPICKA01"}


def test_exceptions_preset_holds_exactly_what_needs_action(seeded, merchant_client):
    rows = csv_download(merchant_client, "preset=exceptions")
    assert {r[NUMBER] for r in rows[1:]} == EXCEPTIONS
    assert [r[NUMBER] for r in rows[1:3]] == ["EXALERT01", "EXUNDEL01"]  # most urgent first
    assert {s.tracking_number for s in exceptions(seeded.id)} == EXCEPTIONS


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_like_text_is_neutralised(seeded, merchant_client, fmt):
    if fmt == "csv":
        cells = {r[NUMBER]: r for r in csv_download(merchant_client, "")[1:]}
    else:
        sheet = xlsx_download(merchant_client, "")
        cells = {r[NUMBER].value: r for r in sheet.iter_rows(min_row=2)}
        for number in HOSTILE:
            assert cells[number][NAME].data_type == "s"  # a string, never a formula
        # OOXML writes a CR as _x000D_ (Excel reads it back as CR; openpyxl leaves it escaped)
        cells = {k: [ooxml_text(c.value) for c in row] for k, row in cells.items()}
    for number, (name, note) in HOSTILE.items():
        assert cells[number][NAME] == "'" + name
        assert cells[number][NOTE] == "'" + note


def test_xlsx_has_a_usable_sheet(seeded, merchant_client):
    sheet = xlsx_download(merchant_client, "")
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:Q{len(STATES) + 1}"
    assert sheet.column_dimensions["F"].width > sheet.column_dimensions["D"].width
    rows = {r[NUMBER].value: r for r in sheet.iter_rows(min_row=2)}
    time_cell = rows["EXALERT01"][HEADER.index("Last event time")]
    assert isinstance(time_cell.value, datetime) and time_cell.is_date
    assert rows["EXALERT01"][HEADER.index("Days since last event")].value == 2
    alert, delivered = rows["EXALERT01"][3], rows["OKDELIV01"][3]
    assert alert.value == "Alert" and alert.fill.fgColor.rgb != delivered.fill.fgColor.rgb
    assert rows["EXNOTFD01"][HEADER.index("Last event time")].value is None


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_another_merchants_rows_never_appear(seeded, merchant_client, fmt):
    for query in ("", "preset=exceptions", "status=alert", "q=SECRET", "carrier=ups"):
        body = merchant_client.get(f"/reports/export?format={fmt}&{query}").get_data()
        if fmt == "xlsx":
            sheet = openpyxl.load_workbook(io.BytesIO(body)).active
            body = repr([[c.value for c in r] for r in sheet.iter_rows()]).encode()
        assert b"SECRETB01" not in body and b"Other shop" not in body, query


def test_export_needs_login_and_a_known_format(app, client, seeded, merchant_client):
    assert merchant_client.get("/reports/export?format=pdf").status_code == 400
    assert merchant_client.get("/reports/export?preset=everything").status_code == 400
    anonymous = app.test_client()
    response = anonymous.get("/reports/export?format=csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.fixture
def cli_env(app, monkeypatch):
    for key in ("PARCELDESK_HOME", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.setenv(key, app.config[key])
    return app


@pytest.mark.parametrize(
    ("args", "query"),
    [
        ([], ""),
        (["--preset", "exceptions"], "preset=exceptions"),
        (["--status", "alert"], "status=alert"),
    ],
)
def test_cli_writes_the_same_rows_as_the_web(
    seeded, merchant_client, cli_env, tmp_path, args, query
):
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"report.{fmt}"
        argv = ["report", "--merchant", "merchant-a@example.com", *args, "--format", fmt]
        assert main([*argv, "-o", str(out)]) == 0
        if fmt == "csv":
            with open(out, encoding="utf-8-sig", newline="") as f:
                assert list(csv.reader(f)) == csv_download(merchant_client, query)
        else:
            web = xlsx_download(merchant_client, query)
            cli = openpyxl.load_workbook(out).active
            assert [[c.value for c in r] for r in cli.iter_rows()] == [
                [c.value for c in r] for r in web.iter_rows()
            ]


def test_cli_several_statuses_and_mistakes(seeded, cli_env, tmp_path, capsys):
    out = tmp_path / "r.csv"
    argv = ["report", "--merchant", "merchant-a@example.com", "--format", "csv", "-o", str(out)]
    assert main([*argv, "--status", "alert", "returned"]) == 0
    with open(out, encoding="utf-8-sig", newline="") as f:
        assert {r[NUMBER] for r in list(csv.reader(f))[1:]} == {"EXALERT01", "EXRETUR01"}
    assert main([*argv, "--status", "lost"]) == 1
    assert main(["report", "--merchant", "nobody@example.com", "--format", "csv", "-o", "x"]) == 1
    err = capsys.readouterr().err
    assert "unknown status lost" in err and "no merchant" in err and "Traceback" not in err


def test_download_menu_links_the_current_view_and_the_preset(app, seeded, merchant_client):
    from flask import render_template

    from jobs.store.grid_query import GridFilter

    with app.test_request_context():
        html = render_template(
            "reports/_download.html", grid=GridFilter(status="alert", q="ann", carrier="ups")
        )
    assert 'id="report-download"' in html
    for fmt in ("csv", "xlsx"):
        assert f"/reports/export?format={fmt}&amp;status=alert&amp;q=ann&amp;carrier=ups" in html
        assert f"/reports/export?format={fmt}&amp;preset=exceptions" in html
