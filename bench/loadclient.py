"""A small HTTP client for load runs: a merchant signing up, uploading and browsing the grid."""

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "load test password 42"


class Merchant:
    """One browser-like session against a running Parceldesk."""

    def __init__(self, base: str, email: str):
        self.base, self.email = base, email
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def request(self, path, data=None, headers=None, content_type=None):
        """(status, body text) of one request; HTTP errors are answers, not exceptions."""
        body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
        request = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def token(self, path):
        return TOKEN.search(self.request(path)[1]).group(1)

    def sign_up(self):
        data = {"email": self.email, "password": PASSWORD, "csrf_token": self.token("/signup")}
        return self.request("/signup", data)[0]

    def upload(self, csv_text: str, name="load.csv"):
        """Post a CSV through the upload form; returns the HTTP status."""
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{self.token('/uploads')}\r\n",
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n",
        ]
        body = "".join(parts).encode() + csv_text.encode() + f"\r\n--{boundary}--\r\n".encode()
        return self.request(
            "/uploads", body, content_type=f"multipart/form-data; boundary={boundary}"
        )[0]

    def timed(self, path, htmx=True):
        """(status, seconds) of one grid request, as htmx would send it."""
        headers = {"HX-Request": "true"} if htmx else {}
        start = time.perf_counter()
        status, _ = self.request(path, headers=headers)
        return status, time.perf_counter() - start


GRID_PATHS = [
    "/shipments",
    "/shipments?status=alert",
    "/shipments?status=undelivered",
    "/shipments?status=needs_action",
    "/shipments?status=delivered&sort=oldest_event",
    "/shipments?q=SBX",
    "/shipments?page=2",
]


def sample_csv(rows: int, seed: str) -> str:
    """A CSV of `rows` sandbox numbers with a spread of outcomes (unique per seed)."""
    names = [
        "DELIVERED",
        "ALERTLOST",
        "UNDELIVEREDABSENT",
        "PICKUPAWAITING",
        "TRANSITMOVING",
        "RETURNEDTOSENDER",
    ]
    lines = ["Order,Tracking number,Customer"]
    for i in range(rows):
        lines.append(f"#{seed}-{i},SBX{names[i % len(names)]}{seed}{i:06d},Customer {i}")
    return "\n".join(lines) + "\n"
