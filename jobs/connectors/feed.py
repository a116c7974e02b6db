"""A CSV/TSV/XLSX file at a URL (a published spreadsheet, a shop's scheduled export).

The file is fetched with optional Basic auth or a header token, and with If-None-Match /
If-Modified-Since: an unchanged file answers 304 and costs nothing. It is then read exactly as
an uploaded file, with the feed's remembered column mapping (or the merchant's mapping for the
same headers, as uploads reuse it).
"""

import base64
import json
import os
import tempfile
from urllib.parse import urlsplit

from jobs.connectors.base import Connector, ConnectorError, Page
from jobs.files.parsing import FileRefused, open_table


class FeedConnector(Connector):
    kind = "feed"

    def _headers(self, conditional: bool) -> dict:
        headers = {"Accept": "text/csv, application/vnd.ms-excel, */*"}
        user, password = self.credentials.get("username"), self.credentials.get("password")
        if user or password:
            pair = base64.b64encode(f"{user or ''}:{password or ''}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {pair}"
        if self.credentials.get("header_name") and self.credentials.get("header_value"):
            headers[self.credentials["header_name"]] = self.credentials["header_value"]
        if conditional and self.state.get("etag"):
            headers["If-None-Match"] = self.state["etag"]
        if conditional and self.state.get("last_modified"):
            headers["If-Modified-Since"] = self.state["last_modified"]
        return headers

    def _download(self, conditional: bool):
        limit = int(self.settings.get("MAX_UPLOAD_MB", 50)) << 20
        answer = self.request("GET", self.url, headers=self._headers(conditional), limit=limit)
        if answer.status_code == 304:
            return answer
        if answer.status_code in (401, 403):
            raise ConnectorError(
                f"The feed refused Parceldesk ({answer.status_code}): check its user name and "
                "password or its token."
            )
        if answer.status_code == 404:
            raise ConnectorError("No file at this address (404): check the feed's URL.")
        if answer.status_code != 200:
            raise ConnectorError(
                f"The feed answered {answer.status_code}.", transient=answer.status_code >= 500
            )
        return answer

    def test(self) -> str:
        """Fetch the file and read its header: says which column holds the numbers."""
        answer = self._download(conditional=False)
        with _local(answer.content, self.url) as path:
            table = self._table(path)
            mapping = self._mapping(table)
            column = table.headers[mapping["tracking_number"]] or "the first column"
        return f"The feed was read: tracking numbers in “{column}”."

    def pull(self, cursor: dict):
        """One page: the whole file, unless the server says it did not change (304)."""
        answer = self._download(conditional=True)
        if answer.status_code == 304:
            return
        headers = {k.lower(): v for k, v in answer.headers.items()}
        state = {"etag": headers.get("etag"), "last_modified": headers.get("last-modified")}
        page = Page(self._items(answer.content), {}, state)
        yield page

    def _items(self, content: bytes):
        with _local(content, self.url) as path:
            table = self._table(path)
            mapping = self._mapping(table)
            self.chosen_mapping = mapping
            yield from table.records(mapping)

    def _table(self, path):
        try:
            return open_table(
                path, _name(self.url), int(self.settings.get("MAX_UPLOAD_MB", 50)) << 20
            )
        except FileRefused as refused:
            raise ConnectorError(f"The feed's file was refused: {refused}") from None

    def _mapping(self, table) -> dict:
        if self.mapping:
            return {k: int(v) for k, v in self.mapping.items()}
        if table.confident:
            return dict(table.columns)
        remembered = _remembered(self.merchant_id, table.signature())
        if remembered:
            return remembered
        raise ConnectorError(
            "No tracking-number column was found in the feed: upload the file once and choose "
            "its column (the choice is remembered), or name the column on the connection."
        )


def _remembered(merchant_id, signature) -> dict | None:
    from jobs.store.models import ColumnMapping

    if merchant_id is None:
        return None
    row = ColumnMapping.get_or_none(
        ColumnMapping.merchant == merchant_id, ColumnMapping.signature == signature
    )
    return {k: int(v) for k, v in json.loads(row.mapping).items()} if row else None


def _name(url: str) -> str:
    return os.path.basename(urlsplit(url).path) or "feed.csv"


class _local:
    """The fetched bytes in a private temporary file for as long as the block runs."""

    def __init__(self, content: bytes, url: str):
        self.content, self.suffix = content, os.path.splitext(_name(url))[1][:10]

    def __enter__(self):
        handle, self.path = tempfile.mkstemp(prefix="parceldesk-feed-", suffix=self.suffix)
        with os.fdopen(handle, "wb") as out:
            out.write(self.content)
        return self.path

    def __exit__(self, *exc):
        os.unlink(self.path)
