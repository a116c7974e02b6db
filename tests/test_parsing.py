"""Upload parsing: formats, encodings, header detection, cell quirks and whole-file refusals."""

import csv
import io
import os
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobs.files import columns, workbooks
from jobs.files.parsing import (
    FIELDS,
    REASON_MESSAGES,
    FileRefused,
    Record,
    RejectedRow,
    open_table,
    parse_pasted,
)
from tests.shared_spec import require_shared

HEADER = ["Order Number", "Tracking Number", "Customer Name", "Email", "Country", "Ship Date"]
ROWS = [
    ["#1001", "LX123456785CN", "Müller", "a@example.com", "DE", "2026-11-20"],
    ["#1002", "1Z999AA10123456784", "François Zoë", "b@example.com", "FR", "2026-11-21"],
]


def write_csv(tmp_path, rows, delimiter=",", encoding="utf-8", name="orders.csv") -> Path:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(tmp_path, rows, name="orders.xlsx") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def parse(path, mapping=None) -> list[Record | RejectedRow]:
    return list(open_table(path, path.name).records(mapping))


def numbers(items) -> list[tuple[int, str]]:
    return [(r.row, r.number) for r in items if isinstance(r, Record)]


def errors(items) -> list[tuple[int, str, str]]:
    return [(e.row, e.value, e.reason) for e in items if isinstance(e, RejectedRow)]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_every_delimiter_gives_the_same_records(tmp_path, delimiter):
    items = parse(write_csv(tmp_path, [HEADER, *ROWS], delimiter))
    assert numbers(items) == [(2, "LX123456785CN"), (3, "1Z999AA10123456784")]
    first = items[0]
    assert (first.order_id, first.customer_name, first.email, first.country) == (
        "#1001",
        "Müller",
        "a@example.com",
        "DE",
    )
    assert first.ship_date == date(2026, 11, 20)


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "latin-1"]
)
def test_encodings_are_detected_without_mojibake(tmp_path, encoding):
    rows = [HEADER, *ROWS, ["#1003", "RR123456785CN", "Ñandú Øre", "", "ES", ""]]
    items = parse(write_csv(tmp_path, rows, "\t", encoding, "export.txt"))
    names = [r.customer_name for r in items]
    assert names == ["Müller", "François Zoë", "Ñandú Øre"]


def test_windows_1252_specials_and_chinese_gb18030(tmp_path):
    items = parse(
        write_csv(
            tmp_path, [["Tracking", "Name"], ["LX123456785CN", "Café €5 – “ok”"]], encoding="cp1252"
        )
    )
    assert items[0].customer_name == "Café €5 – “ok”"
    rows = [["运单号", "收件人", "订单号"]] + [
        [f"YT{2300000000 + i}", "张伟", f"{i}"] for i in range(9)
    ]
    items = parse(write_csv(tmp_path, rows, encoding="gb18030", name="cn.csv"))
    assert [r.customer_name for r in items] == ["张伟"] * 9


def test_utf8_file_with_a_stray_windows_byte_late_keeps_both(tmp_path):
    good = "".join(f"LX{100000000 + i}CN,Zoë\n" for i in range(5000)).encode()
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"tracking,name\n" + good + b"RR123456785CN,Caf\xe9\n")
    items = parse(path)
    assert items[0].customer_name == "Zoë" and items[-1].customer_name == "Café"


def test_header_below_title_lines_csv(tmp_path):
    rows = [["Shipments export"], ["Generated 2026-11-26"], [], HEADER, *ROWS]
    table = open_table(write_csv(tmp_path, rows), "x.csv")
    assert table.header_row == 4 and table.confident
    assert table.headers == HEADER
    assert numbers(table.records()) == [(5, "LX123456785CN"), (6, "1Z999AA10123456784")]
    assert table.preview(1) == [ROWS[0]]


def test_header_below_title_lines_xlsx_keeps_excel_row_numbers(tmp_path):
    path = write_xlsx(tmp_path, [["My shop"], [None], HEADER, *ROWS, [None], ROWS[0]])
    table = open_table(path, path.name)
    assert table.header_row == 3
    assert numbers(table.records()) == [
        (4, "LX123456785CN"),
        (5, "1Z999AA10123456784"),
        (7, "LX123456785CN"),
    ]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Tracking number", "tracking_number"),
        ("Tracking No.", "tracking_number"),
        ("Tracking #", "tracking_number"),
        ("tracking-number", "tracking_number"),
        ("trackingNumber", "tracking_number"),
        ("Carrier Tracking Number", "tracking_number"),
        ("Waybill", "tracking_number"),
        ("AWB No", "tracking_number"),
        ("Consignment Number", "tracking_number"),
        ("Sendungsnummer", "tracking_number"),
        ("Numéro de suivi", "tracking_number"),
        ("N° de suivi", "tracking_number"),
        ("运单号", "tracking_number"),
        ("跟踪号", "tracking_number"),
        ("快递单号", "tracking_number"),
        ("Order ID", "order_id"),
        ("order-id", "order_id"),
        ("Order Number", "order_id"),
        ("Order Name", "order_id"),
        ("Bestellnummer", "order_id"),
        ("订单号", "order_id"),
        ("Carrier", "carrier"),
        ("Courier", "carrier"),
        ("Shipping Company", "carrier"),
        ("Tracking Company", "carrier"),
        ("Customer Name", "customer_name"),
        ("Shipping Name", "customer_name"),
        ("Destinataire", "customer_name"),
        ("收件人", "customer_name"),
        ("E-mail", "email"),
        ("Customer Email", "email"),
        ("Destination Country", "country"),
        ("Shipping Country", "country"),
        ("Pays", "country"),
        ("Ship Date", "ship_date"),
        ("Versanddatum", "ship_date"),
        ("Verschickt am - Datum", "ship_date"),  # eBay.de orders report
        ("发货日期", "ship_date"),
        ("Tracking URL", None),
        ("Estimated Delivery Date", None),
        ("Notes", None),
    ],
)
def test_header_names_in_several_languages(header, field):
    found = columns.match_header(header)
    assert (found[0] if found else None) == field


def test_best_column_wins_when_several_name_a_field():
    cells = ["Name", "Billing Name", "Shipping Name", "Tracking Number", "Tracking URL"]
    assert columns.match_columns(cells) == {"tracking_number": 3, "customer_name": 2}


def test_several_numbers_in_one_cell_share_the_row(tmp_path):
    rows = [
        ["Tracking", "Order"],
        ["LX123456785CN, RR123456785CN", "1"],
        ["CP123456785DE; EE123456785US", "2"],
        ["LA123456785CN\nLB123456785CN", "3"],
    ]
    items = parse(write_csv(tmp_path, rows))
    assert numbers(items) == [
        (2, "LX123456785CN"),
        (2, "RR123456785CN"),
        (3, "CP123456785DE"),
        (3, "EE123456785US"),
        (4, "LA123456785CN"),
        (4, "LB123456785CN"),
    ]
    assert [r.order_id for r in items] == ["1", "1", "2", "2", "3", "3"]


def test_empty_rows_are_skipped_and_missing_numbers_reported(tmp_path):
    rows = [
        ["Tracking", "Order"],
        ["LX123456785CN", "1"],
        [],
        ["", ""],
        ["", "2"],
        ["RR123456785CN"],
    ]
    items = parse(write_csv(tmp_path, rows))
    assert numbers(items) == [(2, "LX123456785CN"), (6, "RR123456785CN")]
    assert errors(items) == [(5, "", "missing_number")]


def test_formulas_stay_plain_text_and_are_never_numbers(tmp_path):
    rows = [
        ["Tracking", "Name"],
        ['=HYPERLINK("http://x", "1Z999AA10123456784")', "=1+2"],
        ['="00340434161094042557"', "@SUM(A1)"],
    ]
    items = parse(write_csv(tmp_path, rows))
    assert errors(items) == [(2, '=HYPERLINK("http://x", "1Z999AA10123456784")', "formula")]
    assert [(r.number, r.customer_name) for r in items if isinstance(r, Record)] == [
        ("00340434161094042557", "@SUM(A1)"),
    ]
    path = write_xlsx(tmp_path, [["Tracking", "Name"], ["LX123456785CN", None]])
    workbook = openpyxl.load_workbook(path)
    workbook.active["B2"].value = "=1+2"
    workbook.active["B2"].data_type = "s"  # typed text that only looks like a formula
    workbook.save(path)
    assert parse(path)[0].customer_name == "=1+2"


def test_over_long_cells_are_cut_or_rejected(tmp_path):
    long_number = "LX" + "1" * 70
    rows = [
        ["Tracking", "Customer", "Order"],
        ["LX123456785CN", "N" * 300, "O" * 150],
        [long_number, "ok", "1"],
    ]
    items = parse(write_csv(tmp_path, rows))
    assert len(items[0].customer_name) == 200 and len(items[0].order_id) == 100
    assert errors(items) == [(3, long_number, "number_too_long")]


def test_gigantic_csv_field_costs_one_row_only(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("tracking,name\nLX123456785CN," + "x" * 200_000 + "\nRR123456785CN,b\n")
    items = parse(path)
    assert errors(items) == [(2, "", "unreadable_row")]
    assert numbers(items) == [(3, "RR123456785CN")]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (9.4001e21, "9.4001E+21"),
        (1.2345678901234567e19, "1.23456789012346E+19"),
        (123456789012.0, "123456789012"),
        (940010000000000, "940010000000000"),
        ("00123456789", "00123456789"),
    ],
)
def test_numeric_xlsx_cells_keep_exact_digits_or_show_the_mangled_form(tmp_path, value, text):
    items = parse(write_xlsx(tmp_path, [["Tracking"], [value]]))
    assert items[0].number == text


def test_xlsx_dates_booleans_and_serials(tmp_path):
    rows = [
        ["Tracking", "Ship date", "Order"],
        ["LX123456785CN", datetime(2026, 11, 20, 9, 30), True],
        ["RR123456785CN", 46000, 12.5],
    ]
    items = parse(write_xlsx(tmp_path, rows))
    assert [r.ship_date for r in items] == [date(2026, 11, 20), date(2025, 12, 9)]
    assert [r.order_id for r in items] == ["TRUE", "12.5"]


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (["20/11/2026", "03/04/2026"], [date(2026, 11, 20), date(2026, 4, 3)]),
        (["11/20/2026", "03/04/2026"], [date(2026, 11, 20), date(2026, 3, 4)]),
        (["20.11.2026", "2026-11-21 10:00:00 +0100"], [date(2026, 11, 20), date(2026, 11, 21)]),
    ],
)
def test_text_dates_follow_the_files_convention(tmp_path, dates, expected):
    rows = [["Tracking", "Ship date"]] + [[f"LX12345678{i}CN", d] for i, d in enumerate(dates)]
    assert [r.ship_date for r in parse(write_csv(tmp_path, rows))] == expected


def test_headerless_single_column_is_confident(tmp_path):
    path = tmp_path / "list.txt"
    path.write_text("LX123456785CN\n1Z999AA10123456784\n\nRR123456785CN, EE123456785US\n")
    table = open_table(path, path.name)
    assert (table.confident, table.header_row, table.columns) == (True, 0, {"tracking_number": 0})
    assert [n for _, n in numbers(table.records())] == [
        "LX123456785CN",
        "1Z999AA10123456784",
        "RR123456785CN",
        "EE123456785US",
    ]


def test_unknown_headers_need_a_mapping(tmp_path):
    rows = [["Sku", "Colis", "Qty"], ["A-1", "LX123456785CN", "2"], ["B-2", "RR123456785CN", "1"]]
    table = open_table(write_csv(tmp_path, rows), "x.csv")
    assert not table.confident and table.header_row == 1
    assert table.headers == ["Sku", "Colis", "Qty"]
    assert table.columns == {"tracking_number": 1}  # the guess the mapping step starts from
    items = list(table.records({"tracking_number": 1, "order_id": 0}))
    assert [(r.number, r.order_id) for r in items] == [
        ("LX123456785CN", "A-1"),
        ("RR123456785CN", "B-2"),
    ]


def test_no_tracking_column_refuses_records_until_mapped(tmp_path):
    rows = [["Sku", "Qty"], ["A", "2"], ["B", "1"]]
    table = open_table(write_csv(tmp_path, rows), "x.csv")
    assert not table.confident and "tracking_number" not in table.columns
    assert table.header_row == 1
    with pytest.raises(FileRefused, match="No column of tracking numbers"):
        table.records()
    mapped = list(table.records({"tracking_number": 0}))  # the gate still judges each value
    assert errors(mapped) == [(2, "A", "no_digits"), (3, "B", "no_digits")]
    with pytest.raises(ValueError):
        table.records({"weight": 1})


def test_signature_ignores_case_and_punctuation_only(tmp_path):
    a = open_table(write_csv(tmp_path, [HEADER, ROWS[0]], name="a.csv"), "a.csv")
    b = open_table(
        write_csv(
            tmp_path, [[h.upper() + " " for h in HEADER], ROWS[0]], delimiter=";", name="b.csv"
        ),
        "b.csv",
    )
    c = open_table(write_csv(tmp_path, [HEADER[:-1], ROWS[0][:-1]], name="c.csv"), "c.csv")
    assert a.signature() == b.signature() != c.signature()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\r\n\r\n ,, \r\n", "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "not a spreadsheet"),
        (b"%PDF-1.4\n" + bytes(range(256)) * 40, "not a spreadsheet"),
        (b"<!DOCTYPE html><html><table><tr><td>1</td></tr></table></html>", "web page"),
        (b"PK\x03\x04broken zip", "damaged"),
    ],
)
def test_whole_file_refusals(tmp_path, content, message):
    path = tmp_path / "upload.xlsx"
    path.write_bytes(content)
    with pytest.raises(FileRefused, match=message):
        open_table(path, path.name)


def test_size_limit_and_header_only_file(tmp_path):
    path = write_csv(tmp_path, [HEADER, *ROWS])
    with pytest.raises(FileRefused, match="larger than the upload limit"):
        open_table(path, path.name, max_bytes=50)
    assert open_table(path, path.name, max_bytes=os.path.getsize(path))
    with pytest.raises(FileRefused, match="no rows below"):
        open_table(write_csv(tmp_path, [["Report"], HEADER, []], name="h.csv"), "h.csv")


def _with_member(path: Path, name: str, data: bytes, replace: bool = False) -> Path:
    out = path.with_name("changed.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if not (replace and info.filename == name):
                dst.writestr(info, src.read(info))
        dst.writestr(name, data)
    return out


def test_zip_bomb_is_refused_before_reading(tmp_path):
    path = write_xlsx(tmp_path, [["Tracking"], ["LX123456785CN"]])
    bomb = _with_member(path, "xl/media/image1.bin", bytes(30_000_000))
    with pytest.raises(FileRefused, match="unpacks to far more"):
        open_table(bomb, bomb.name)


def test_oversized_workbook_and_shared_strings_are_refused(tmp_path, monkeypatch):
    path = write_xlsx(tmp_path, [["Tracking"]] + [[f"LX{100000000 + i}CN"] for i in range(500)])
    strings = "".join(f"<si><t>{i}</t></si>" for i in range(500)).encode()
    path = _with_member(path, "xl/sharedStrings.xml", b"<sst>" + strings + b"</sst>")
    monkeypatch.setattr(workbooks, "MAX_SHARED_STRINGS_BYTES", 1000)
    with pytest.raises(FileRefused, match="too large"):
        open_table(path, path.name)
    monkeypatch.setattr(workbooks, "MAX_SHARED_STRINGS_BYTES", 10**9)
    monkeypatch.setattr(workbooks, "MAX_UNPACKED_BYTES", 5000)
    with pytest.raises(FileRefused, match="too large"):
        open_table(path, path.name)


def test_xml_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    path = write_xlsx(tmp_path, [["Tracking"], ["LX123456785CN"]])
    evil = (
        f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" '
        'uniqueCount="2"><si><t>Tracking</t></si><si><t>&x;</t></si></sst>'
    ).encode()
    with pytest.raises(FileRefused, match="entity"):
        open_table(_with_member(path, "xl/sharedStrings.xml", evil, replace=True), "e.xlsx")


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "docs.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(FileRefused, match="not a spreadsheet"):
        open_table(path, "orders.xlsx")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LX123456785CN\nRR123456785CN", [(1, "LX123456785CN"), (2, "RR123456785CN")]),
        ("Tracking number\nLX123456785CN", [(2, "LX123456785CN")]),
        ("LX123456785CN RR123456785CN", [(1, "LX123456785CN"), (1, "RR123456785CN")]),
        ("1Z 999 AA1 0123 4567 84", [(1, "1Z 999 AA1 0123 4567 84")]),
        ("  LX123456785CN;RR123456785CN,\t\n\n", [(1, "LX123456785CN"), (1, "RR123456785CN")]),
        ("", []),
    ],
)
def test_pasted_numbers(text, expected):
    assert numbers(parse_pasted(text)) == expected


def test_pasted_over_long_number_and_excel_errors():
    items = list(parse_pasted("#N/A\n" + "9" * 65))
    assert errors(items) == [(1, "#N/A", "spreadsheet_error"), (2, "9" * 65, "number_too_long")]


def test_every_reason_has_a_message(tmp_path):
    assert set(REASON_MESSAGES) >= {
        "missing_number",
        "number_too_long",
        "spreadsheet_error",
        "unreadable_row",
        "placeholder",
        "formula",
    }
    assert all(text.endswith(".") for text in REASON_MESSAGES.values())
    assert FIELDS[0] == "tracking_number"


def test_broken_column_config_is_refused_clearly(tmp_path, monkeypatch):
    bad = tmp_path / "columns.json"
    bad.write_text('{"fields": {"tracking_number": {"max_length": 0, "exact": ["x"]}}}')
    monkeypatch.setattr(columns, "CONFIG_PATH", bad)
    columns.aliases.cache_clear()
    try:
        with pytest.raises(ValueError, match="fields must be exactly"):
            columns.aliases()
    finally:
        columns.aliases.cache_clear()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000), st.sampled_from(["x.csv", "x.xlsx", "x.txt"]))
def test_random_bytes_never_crash(content, name):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            items = list(open_table(path, name).records({"tracking_number": 0}))
        except FileRefused as refusal:
            assert str(refusal)
            return
        assert all(isinstance(i, Record | RejectedRow) for i in items)


good_numbers = st.from_regex(r"[A-Z]{2}[0-9]{9}[A-Z]{2}", fullmatch=True)
bad_cells = st.sampled_from(["", "#N/A", "9" * 80])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(good_numbers, bad_cells), min_size=1, max_size=40),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["utf-8", "utf-16", "cp1252"]),
)
def test_n_good_rows_and_m_bad_rows_give_n_records_and_m_errors(cells, delimiter, encoding):
    rows = [["Tracking Number", "Name"]] + [[c, "Zoë"] for c in cells]
    with tempfile.TemporaryDirectory() as folder:
        items = parse(write_csv(Path(folder), rows, delimiter, encoding))
    good = [c for c in cells if c not in ("", "#N/A", "9" * 80)]
    assert [r.number for r in items if isinstance(r, Record)] == good
    assert len(errors(items)) == len(cells) - len(good)


def test_every_valid_number_of_the_specification_survives_a_one_column_file(tmp_path):
    import json

    spec = require_shared("tracking_number_data", "couriers")

    valid = [
        number
        for path in sorted(spec.glob("*.json"))
        for rule in json.loads(path.read_text()).get("tracking_numbers", [])
        for number in rule.get("test_numbers", {}).get("valid", [])
    ]
    path = tmp_path / "numbers.csv"
    path.write_text("\n".join(valid) + "\n")
    table = open_table(path, path.name)
    assert table.confident and table.columns == {"tracking_number": 0}
    assert [r.number for r in table.records()] == [v.strip() for v in valid]


def test_big_sheets_are_streamed_by_openpyxl_with_the_same_result(tmp_path, monkeypatch):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["C2"] = "Orders"
    for offset, row in enumerate([HEADER, *ROWS, [None], ["#9", 9.4001e21, "Zoë"]]):
        for column, value in enumerate(row, start=3):
            sheet.cell(row=4 + offset, column=column, value=value)
    path = tmp_path / "offset.xlsx"
    workbook.save(path)

    def read():
        table = open_table(path, path.name)
        items = [(r.row, r.number, r.order_id, r.customer_name) for r in table.records()]
        return table.headers, table.columns, table.signature(), items

    in_memory = read()
    assert read() == in_memory  # a table can be read again (preview, then mapping, then import)
    monkeypatch.setattr(workbooks, "CALAMINE_MAX_SHEET_BYTES", 0)
    assert read() == in_memory
    headers, found, _, items = in_memory
    assert headers[:3] == ["", "", "Order Number"] and found["tracking_number"] == 3
    assert items[-1] == (8, "9.4001E+21", "#9", "Zoë")


def test_excel_sep_line_names_the_delimiter_and_is_not_a_row(tmp_path):
    path = tmp_path / "sep.csv"
    path.write_text("sep=;\r\nTracking;Name\r\nLX123456785CN;Zoë, Anne\r\n", encoding="utf-8-sig")
    items = parse(path)
    assert [(r.row, r.number, r.customer_name) for r in items] == [
        (2, "LX123456785CN", "Zoë, Anne")
    ]


TRUNCATED_HEAD = (
    "Order,Tracking number,Customer\r\n#1,LX123456785CN,Ann\r\n#2,RR123456785CN,Bob\r\n"
)


@pytest.mark.parametrize(
    ("tail", "shown"),
    [
        ("#3,CP12345", "#3, CP12345"),  # cut inside the number: never import half a number
        ('#3,EE123456785CN,"Cy', "#3, EE123456785CN, Cy"),  # cut inside a quoted cell
        ("#3,EE123456785CN,Cy" + "\x00" * 5000, None),  # complete width, NUL padding after it
        ("#3,CP12" + "\x00" * 70_000, "#3, CP12"),  # an interrupted download padded with NULs
    ],
)
def test_a_file_cut_off_mid_row_imports_the_complete_rows(tmp_path, tail, shown):
    path = tmp_path / "cut.csv"
    path.write_bytes((TRUNCATED_HEAD + tail).encode())
    items = parse(path)
    assert numbers(items)[:2] == [(2, "LX123456785CN"), (3, "RR123456785CN")]
    if shown is None:
        assert numbers(items)[2:] == [(4, "EE123456785CN")] and not errors(items)
    else:
        assert len(numbers(items)) == 2
        assert errors(items) == [(4, shown, "truncated_row")]


def test_a_file_without_a_final_line_break_is_complete(tmp_path):
    path = tmp_path / "no-newline.csv"
    path.write_text(TRUNCATED_HEAD + "#3,EE123456785CN,Cy")
    assert numbers(parse(path))[-1] == (4, "EE123456785CN") and not errors(parse(path))


def test_a_cut_off_workbook_is_named_as_such(tmp_path):
    path = write_xlsx(tmp_path, [["Tracking"], ["LX123456785CN"]])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileRefused, match="cut off"):
        open_table(path, path.name)


def test_a_file_of_a_million_columns_is_refused_after_reading_one_row(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\nx\n")
    with pytest.raises(FileRefused, match="1,000,000 columns"):
        open_table(path, path.name)


def test_empty_trailing_columns_do_not_count(tmp_path):
    path = tmp_path / "trailing.csv"
    path.write_text("Tracking number,Name" + "," * 16_000 + "\nLX123456785CN,Ann" + "," * 16_000)
    assert numbers(parse(path)) == [(2, "LX123456785CN")]
