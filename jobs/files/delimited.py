"""Reading uploaded files into rows: format sniffing, text decoding, CSV dialects."""

import codecs
import csv
import io
import os
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")
SINGLE_COLUMN = "\x1f"  # a delimiter that never occurs in text, for one-column files
LEGACY_ERRORS = "parceldesk-cp1252"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Encodings charset-normalizer may propose that we trust over the Windows-1252 fallback.
CJK_ENCODINGS = {
    "gb18030",
    "gb2312",
    "gbk",
    "big5",
    "big5hkscs",
    "cp950",
    "shift_jis",
    "cp932",
    "euc_jp",
    "euc_kr",
    "cp949",
    "johab",
    "utf_16_le",
    "utf_16_be",
}

Row = tuple[int, list | None]  # (1-based row number, cells or None when the row is unreadable)


class FileRefused(Exception):
    """The whole file is refused; str(e) is one clear sentence for the merchant."""


class Truncated(list):
    """The cells of a last row the file cuts off in the middle (a list, marked)."""


TAIL_BYTES = 4096
CHUNK_BYTES = 1 << 16


MESSAGES = {
    "empty": "The file is empty: it contains no rows.",
    "too_big": "The file is larger than the upload limit of {limit}.",
    "binary": "This is not a spreadsheet or CSV file; "
    "please export your orders as CSV or Excel (.xlsx).",
    "markup": "This file is a web page or XML document, not a spreadsheet; "
    "please open it in Excel and save it as .xlsx or CSV.",
}


def _cp1252_fallback(exc: UnicodeError):
    """Decode each undecodable byte as Windows-1252 (Latin-1 where 1252 has a hole)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    chunk = exc.object[exc.start : exc.end]
    return "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in chunk), exc.end


codecs.register_error(LEGACY_ERRORS, _cp1252_fallback)


def check_size(path: Path, max_bytes: int | None) -> int:
    """The file size in bytes, after refusing empty and over-limit files."""
    size = os.path.getsize(path)
    if size == 0:
        raise FileRefused(MESSAGES["empty"])
    if max_bytes is not None and size > max_bytes:
        raise FileRefused(MESSAGES["too_big"].format(limit=_human(max_bytes)))
    return size


def _human(n: int) -> str:
    return f"{n / 1_000_000:g} MB" if n >= 1_000_000 else f"{n:,} bytes"


def sniff_kind(path: Path) -> str:
    """'zip' (xlsx/ods), 'ole' (xls) or 'text', from the file's first bytes, not its name."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    return "text"


def detect_encoding(sample: bytes) -> str:
    """The codec to read a text file with, decided from its first bytes."""
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        return _utf16_without_bom(sample)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8-sig"
    except UnicodeDecodeError:
        return _legacy_encoding(sample)


def _utf16_without_bom(sample: bytes) -> str:
    """UTF-16 without a BOM has NULs in every other byte; other NULs mean a binary file."""
    half = max(1, len(sample) // 2)
    even, odd = sample[0::2].count(0) / half, sample[1::2].count(0) / half
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    raise FileRefused(MESSAGES["binary"])


def _legacy_encoding(sample: bytes) -> str:
    """A CJK legacy codec when charset-normalizer is sure of one, else Windows-1252."""
    from charset_normalizer import from_bytes

    try:
        best = from_bytes(sample).best()
    except Exception:  # a detector hiccup must never cost the upload; 1252 is the safe default
        best = None
    if best is not None and best.encoding in CJK_ENCODINGS:
        return best.encoding
    return "cp1252"


def _decode_sample(sample: bytes, encoding: str) -> str:
    text = codecs.getincrementaldecoder(encoding)(LEGACY_ERRORS).decode(sample, final=False)
    cut = max(text.rfind("\n"), text.rfind("\r"))
    return text[: cut + 1] if cut > 0 and len(sample) == SAMPLE_BYTES else text


def _refuse_non_text(text: str) -> None:
    head = text.lstrip("\ufeff \t\r\n")[:200].lower()
    if head.startswith(("<!doctype", "<html", "<table", "<?xml", "<workbook")):
        raise FileRefused(MESSAGES["markup"])
    bad = sum(1 for ch in text if (ch < " " and ch not in "\t\n\r\f\v") or ch in "\x7f\ufffd")
    if bad > max(2, len(text) // 100):
        raise FileRefused(MESSAGES["binary"])
    if not text.strip("\ufeff \t\r\n,;|"):
        raise FileRefused(MESSAGES["empty"])


def sniff_delimiter(text: str, is_header=None) -> str:
    """The delimiter that splits out a known header row, else the one giving most lines the same
    field count (>1); one-column files get none."""
    best, best_score = SINGLE_COLUMN, (False, 0, 0)
    for delimiter in DELIMITERS:
        try:
            lines = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            rows = [r for r in islice(lines, 200) if any(c.strip() for c in r)]
        except csv.Error:
            continue
        header = is_header is not None and any(is_header(r) for r in rows[:30])
        counts = Counter(len(r) for r in rows)
        lines, width = max(((n, w) for w, n in counts.items()), default=(0, 0))
        if header:
            lines, width = max(((n, w) for w, n in counts.items() if w > 1), default=(0, 0))
        if width > 1 and (header, lines, width) > best_score:
            best, best_score = delimiter, (header, lines, width)
    return best


class TextSource:
    """A delimited text file (CSV, TSV, Excel 'Unicode text'), read lazily with a fixed dialect."""

    def __init__(self, path: Path, is_header=None):
        self.path = path
        # An interrupted download or copy may leave the file padded with NULs after the cut.
        self.end = os.path.getsize(path) - _trailing_nuls(path)
        with open(path, "rb") as f:
            sample = f.read(min(SAMPLE_BYTES, self.end))
        if not sample:
            raise FileRefused(MESSAGES["empty"])
        self.encoding = detect_encoding(sample)
        if self.encoding.startswith(("utf-16", "utf-32")):
            self.end = os.path.getsize(path)  # their NULs are part of the text
        text = _decode_sample(sample, self.encoding)
        _refuse_non_text(text)
        # Excel's "sep=;" first line names the delimiter, and Excel hides that line
        first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
        self.sep_line = len(first) == 5 and first.lower().startswith("sep=")
        self.delimiter = first[4] if self.sep_line else sniff_delimiter(text, is_header)
        self._tail = self._read_tail()

    def _read_tail(self) -> str:
        with open(self.path, "rb") as f:
            f.seek(max(0, self.end - TAIL_BYTES))
            return f.read(self.end - f.tell()).decode(self.encoding, "replace")

    def _cut_off(self, cells: list, previous: list | None) -> bool:
        """Whether the last row stops mid-row: no line break at the end of the file, and fewer
        cells than the row before or an unclosed quote on its line."""
        if self._tail.endswith(("\n", "\r")):
            return False
        last_line = self._tail[max(self._tail.rfind("\n"), self._tail.rfind("\r")) + 1 :]
        fewer = previous is not None and len(cells) < len(previous)
        return fewer or last_line.count('"') % 2 == 1

    def rows(self) -> Iterator[Row]:
        """Every record of the file with its 1-based row number, as a spreadsheet numbers it;
        a last row the file cuts off comes as Truncated cells."""
        with open(self.path, "rb") as raw:
            limited = io.BufferedReader(_Limited(raw, self.end))
            text = io.TextIOWrapper(
                limited, encoding=self.encoding, errors=LEGACY_ERRORS, newline=""
            )
            reader = csv.reader(text, delimiter=self.delimiter)
            number = -1 if self.sep_line else 0
            held, before = None, None  # the last row is held back until we know it is the last
            while True:
                number += 1
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except csv.Error:  # e.g. a field over the csv size limit: report the row, go on
                    cells = None
                if number > 0:
                    if held is not None:
                        yield held
                        before = held[1] if held[1] is not None else before
                    held = (number, cells)
            if held is not None:
                number, cells = held
                if cells is not None and self._cut_off(cells, before):
                    cells = Truncated(cells)
                yield number, cells


class _Limited(io.RawIOBase):
    """A raw file read only up to `end` (the NUL padding after a cut stays unread)."""

    def __init__(self, raw, end: int):
        self._raw, self._left = raw, end

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[: self._left]
        count = self._raw.readinto(view)
        self._left -= count
        return count


def _trailing_nuls(path: Path) -> int:
    """How many NUL bytes end the file."""
    size, count = os.path.getsize(path), 0
    with open(path, "rb") as f:
        while count < size:
            f.seek(max(0, size - count - CHUNK_BYTES))
            chunk = f.read(min(CHUNK_BYTES, size - count))
            stripped = len(chunk.rstrip(b"\x00"))
            count += len(chunk) - stripped
            if stripped:
                return count
    return count
