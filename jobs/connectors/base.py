"""What every connector shares: errors as sentences, pages, requests, rows → import records."""

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from jobs import outbound
from jobs.files.columns import FIELDS  # the fields an upload maps, in the same order
from jobs.files.parsing import Table

# Columns of the rows API connectors produce; they go through the same Table code as an
# uploaded file (plausibility gate, normalisation, other columns kept), with a fixed mapping.
HEADERS = [
    "Tracking number",
    "Order",
    "Carrier",
    "Customer",
    "Email",
    "Country",
    "Ship date",
    "Tracking link",
]
MAPPING = {name: index for index, name in enumerate(FIELDS)}

sleep = time.sleep  # tests replace it: back-off waits are asserted, not endured


class ConnectorError(Exception):
    """What is wrong, in one sentence a merchant can act on; `transient` ones are retried."""

    def __init__(self, message: str, transient: bool = False):
        super().__init__(message)
        self.transient = transient


@dataclass
class Page:
    """Import items (Records and RejectedRows) and the cursor to save once they are stored."""

    items: Iterator
    cursor: dict
    extra_state: dict = field(default_factory=dict)  # e.g. a feed's ETag


class _Rows:
    """An in-memory table source: what Table reads a file through."""

    def __init__(self, rows: list[list[str]], first: int):
        self._rows, self._first = rows, first

    def rows(self):
        yield 1, list(HEADERS)
        for offset, cells in enumerate(self._rows):
            yield self._first + offset, cells


def items_from_rows(rows: list[dict], first_row: int) -> Iterator:
    """Import items for API rows (dicts by field name), numbered from `first_row`."""
    cells = [[str(r.get(f) or "") for f in FIELDS] + [r.get("tracking_link") or ""] for r in rows]
    source = _Rows(cells, first_row)
    table = Table(source, [(1, list(HEADERS))], "pull")
    return table.records(dict(MAPPING))


class Connector:
    """A source of shipments. Subclasses set `kind` and implement test() and pull(cursor)."""

    kind = ""
    PAGE_ROWS_START = 2  # row 1 is the header of the in-memory table

    def __init__(self, url, credentials, settings, *, merchant_id=None, mapping=None, **state):
        self.url = url
        self.credentials = credentials
        self.settings = settings
        self.merchant_id = merchant_id
        self.mapping = mapping
        self.state = state
        self.warning = None  # said after a pull that worked only in part
        self._row = self.PAGE_ROWS_START

    @staticmethod
    def normalize_url(url: str) -> str:
        return url.strip()

    def test(self) -> str:
        raise NotImplementedError

    def pull(self, cursor: dict) -> Iterator[Page]:
        raise NotImplementedError

    def page(self, rows: list[dict], cursor: dict) -> Page:
        """A Page of API rows, numbered on from the previous page of this pull."""
        first, self._row = self._row, self._row + len(rows)
        return Page(items_from_rows(rows, first), cursor)

    def request(self, method, url, *, headers=None, body=None, limit=None):
        """One HTTP exchange with the source, under the outbound rules (ConnectorError if none)."""
        try:
            return outbound.fetch(
                method,
                url,
                headers=headers,
                body=body,
                allow_private=bool(self.settings.get("ALLOW_PRIVATE_URLS")),
                timeout=float(self.settings.get("CONNECTION_TIMEOUT_SECONDS", 30.0)),
                limit=limit or int(self.settings.get("CONNECTION_MAX_BYTES", 20 << 20)),
            )
        except outbound.UnsafeURL as unsafe:
            raise ConnectorError(
                f"Parceldesk will not connect to this address: {unsafe}."
            ) from None
        except outbound.TooLarge as large:
            raise ConnectorError(f"The answer was refused: {large}.") from None
        except outbound.FETCH_ERRORS as failure:
            raise ConnectorError(_network_sentence(failure), transient=True) from None


def _network_sentence(failure) -> str:
    """A network failure in words, without the URL (it may carry credentials)."""
    import requests

    if isinstance(failure, requests.Timeout):
        return "The shop did not answer in time; the next pull tries again."
    if isinstance(failure, requests.TooManyRedirects):
        return "The address redirects too many times."
    if isinstance(failure, requests.exceptions.SSLError):
        return "The shop's HTTPS certificate is not valid."
    return "The shop could not be reached (connection refused or the name is unknown)."
