"""XML entity declarations are refused wherever they sit in a workbook (issue 14, low 11)."""

import random

import openpyxl
import pytest

from jobs.files import workbooks
from jobs.files.parsing import FileRefused, open_table
from tests.test_parsing import _with_member, write_xlsx

SST = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def strings_with_entity_after(padding: int, encoding="utf-8") -> bytes:
    """A shared-strings part whose entity declaration comes after `padding` bytes of comment."""
    text = (
        '<?xml version="1.0"?>'
        f"<!--{random.Random(padding).randbytes(padding // 2).hex()}-->"  # incompressible
        '<!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
        f"{SST}<si><t>Tracking</t></si><si><t>&x;</t></si></sst>"
    )
    return text.encode(encoding)


@pytest.mark.parametrize(
    ("padding", "encoding"),
    [
        (0, "utf-8"),
        (5000, "utf-8"),
        (3_000_000, "utf-8"),
        (5000, "utf-16"),
        ((1 << 20) - 80, "utf-8"),
    ],
)
def test_an_entity_declared_anywhere_is_refused(tmp_path, padding, encoding):
    path = write_xlsx(tmp_path, [["Tracking"], ["LX123456785CN"]])
    evil = _with_member(
        path, "xl/sharedStrings.xml", strings_with_entity_after(padding, encoding), replace=True
    )
    with pytest.raises(FileRefused, match="entity"):
        open_table(evil, "e.xlsx")


def test_a_declaration_in_any_member_is_refused(tmp_path):
    path = write_xlsx(tmp_path, [["Tracking"], ["LX123456785CN"]])
    evil = _with_member(path, "customXml/item1.dat", b"x" * 10_000 + b"<!ENTITY y 'z'>")
    with pytest.raises(FileRefused, match="entity"):
        open_table(evil, "e.xlsx")


def test_big_sheets_streamed_by_openpyxl_parse_with_defusedxml(tmp_path, monkeypatch):
    assert openpyxl.DEFUSEDXML  # openpyxl hands every part to defusedxml's parser
    path = write_xlsx(tmp_path, [["Tracking"], ["LX123456785CN"], ["RR123456785DE"]])
    monkeypatch.setattr(workbooks, "CALAMINE_MAX_SHEET_BYTES", 0)  # the openpyxl path
    table = open_table(path, path.name)
    assert table._source.streamed
    assert [r.number for r in table.records()] == ["LX123456785CN", "RR123456785DE"]
