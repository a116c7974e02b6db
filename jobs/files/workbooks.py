"""Reading Excel workbooks (xlsx, also ods and xls) safely: zip bombs and XML entities refused."""

import re
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

from jobs.files.delimited import FileRefused, Row

# Limits on what a workbook may unpack to, checked before the sheet is parsed. A real 100,000-row
# export unpacks to ~30 MB at a ratio of ~10; zip bombs reach ratios near 1,000.
MAX_UNPACKED_BYTES = 400_000_000
MAX_SHARED_STRINGS_BYTES = 100_000_000
MAX_RATIO = 200
RATIO_MIN_BYTES = 1_000_000  # tiny members may compress extremely well without harm
MAX_MEMBERS = 5_000
# calamine reads a whole sheet into memory (about 2x its XML); bigger sheets are streamed by
# openpyxl instead, slower but with flat memory.
CALAMINE_MAX_SHEET_BYTES = 80_000_000
CHUNK = 1 << 20
# A DTD or entity declaration: spreadsheets never need one, and parsers may resolve it (XXE).
DECLARATION = re.compile(rb"<!\s*(?:doctype|entity)", re.IGNORECASE)
DECLARATION_OVERLAP = 64  # bytes of one chunk searched again with the next (UTF-32: 4 a char)

MESSAGES = {
    "corrupt": "This Excel file is damaged or not a real Excel file; "
    "please open it in Excel and save it again, or export it as CSV.",
    "password": "This Excel file is protected by a password; please save an unprotected copy.",
    "bomb": "This Excel file unpacks to far more data than a spreadsheet of its size should, "
    "so it was refused.",
    "too_large": "This spreadsheet is too large to import in one go; "
    "please split it into smaller files.",
    "entities": "This Excel file contains XML entity declarations, which spreadsheets never need, "
    "so it was refused.",
    "not_spreadsheet": "This file is a zip archive but not a spreadsheet; "
    "please upload the .xlsx or CSV file itself.",
    "no_sheet": "This workbook has no visible sheet with data.",
    "cut_off": "This Excel file is cut off before its end (an interrupted download or copy?); "
    "please save or download it again.",
}
EOCD = b"PK\x05\x06"  # a zip archive's last record: missing when the file was cut off


def check_zip(path: Path) -> int:
    """Refuse a workbook unpacking out of proportion; return the size of its largest sheet."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            _check_declared(members)
            for info in members:
                _check_member(archive, info)
            sheets = [m.file_size for m in members if m.filename.startswith("xl/worksheets/")]
            return max(sheets, default=0)
    except zipfile.BadZipFile as exc:
        raise FileRefused(MESSAGES["cut_off" if _cut_off(path) else "corrupt"]) from exc
    except (OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
        # unsupported compression, encryption or a truncated member: unreadable either way
        raise FileRefused(MESSAGES["corrupt"]) from exc


def _cut_off(path: Path) -> bool:
    """True for the start of a real workbook whose end record (the archive's last) is missing."""
    with open(path, "rb") as f:
        head = f.read(30 + 64)
        f.seek(0, 2)
        f.seek(max(0, f.tell() - (1 << 16) - 22))
        tail = f.read()
    name_length = int.from_bytes(head[26:28], "little") if len(head) >= 30 else 0
    name = head[30 : 30 + name_length]
    known = name.startswith((b"[Content_Types].xml", b"xl/", b"_rels/", b"docProps/", b"mimetype"))
    return known and EOCD not in tail


def _check_declared(members: list[zipfile.ZipInfo]) -> None:
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names and "content.xml" not in names:
        raise FileRefused(MESSAGES["not_spreadsheet"])
    if len(members) > MAX_MEMBERS:
        raise FileRefused(MESSAGES["bomb"])
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED_BYTES:
        raise FileRefused(MESSAGES["too_large"])
    for m in members:
        if m.file_size > RATIO_MIN_BYTES and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise FileRefused(MESSAGES["bomb"])
        if m.filename.endswith("sharedStrings.xml") and m.file_size > MAX_SHARED_STRINGS_BYTES:
            raise FileRefused(MESSAGES["too_large"])


def _check_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Inflate one member in chunks (zipfile stops at the declared size and checks the CRC),
    refusing a DTD or entity declaration anywhere in it, not only near its start.

    Every member is searched, whatever its name, and also with NUL bytes dropped so UTF-16 or
    UTF-32 XML cannot hide a declaration; a chunk's tail is kept so none is split unseen.
    """
    tail = b""
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            window = tail + chunk
            if DECLARATION.search(window) or DECLARATION.search(window.replace(b"\x00", b"")):
                raise FileRefused(MESSAGES["entities"])
            tail = window[-DECLARATION_OVERLAP:]


def _open_workbook(path: Path):
    from python_calamine import CalamineWorkbook, PasswordError

    try:
        return CalamineWorkbook.from_path(str(path))
    except PasswordError as exc:
        raise FileRefused(MESSAGES["password"]) from exc
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # the Rust reader can panic (a BaseException) on broken files
        raise FileRefused(MESSAGES["corrupt"]) from exc


def _first_sheet(workbook):
    """The first visible worksheet holding any cell."""
    from python_calamine import SheetTypeEnum, SheetVisibleEnum

    for index, meta in enumerate(workbook.sheets_metadata):
        if meta.typ != SheetTypeEnum.WorkSheet or meta.visible != SheetVisibleEnum.Visible:
            continue
        try:
            sheet = workbook.get_sheet_by_index(index)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # see _open_workbook
            raise FileRefused(MESSAGES["corrupt"]) from exc
        if sheet.height > 0 and sheet.width > 0:
            return sheet
    raise FileRefused(MESSAGES["no_sheet"])


class WorkbookSource:
    """The first visible sheet of a workbook; cells keep their types (float, date, bool, str).

    Column indexes count from column A, whichever reader is used, so mappings stay valid.
    """

    def __init__(self, path: Path, kind: str):
        largest = check_zip(path) if kind == "zip" else 0
        self.path = path
        self.streamed = largest > CALAMINE_MAX_SHEET_BYTES and _is_xlsx(path)
        self.sheet = None if self.streamed else _first_sheet(_open_workbook(path))

    def rows(self) -> Iterator[Row]:
        """Every row of the sheet with its 1-based row number as Excel shows it."""
        if self.streamed:
            yield from _streamed_rows(self.path)
            return
        padding = [""] * self.sheet.start[1] if self.sheet.start else []
        try:
            for number, cells in enumerate(self.sheet.iter_rows(), start=1):
                yield number, padding + cells if padding else cells
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as exc:  # see _open_workbook
            raise FileRefused(MESSAGES["corrupt"]) from exc


def _is_xlsx(path: Path) -> bool:
    with zipfile.ZipFile(path) as archive:
        return "xl/workbook.xml" in archive.namelist()


def _streamed_rows(path: Path) -> Iterator[Row]:
    """Rows of the first visible worksheet read by openpyxl in read-only mode (flat memory)."""
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # styles and extensions openpyxl skips are irrelevant
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheets = [s for s in workbook.worksheets if s.sheet_state == "visible"]
            if not sheets:
                raise FileRefused(MESSAGES["no_sheet"])
            for number, cells in enumerate(sheets[0].iter_rows(values_only=True), start=1):
                yield number, list(cells)
        finally:
            workbook.close()
    except (FileRefused, GeneratorExit):
        raise
    except Exception as exc:  # openpyxl raises many kinds on broken XML; all mean a damaged file
        raise FileRefused(MESSAGES["corrupt"]) from exc
