"""Whatever the mix of good and bad rows, every row is either stored or rejected with a reason."""

import csv
import io

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from jobs.imports import import_upload
from jobs.store.models import Merchant, RowError, Shipment, Upload
from jobs.tracking.checkdigits import s10_check_digit

SUFFIXES = ["CN", "GB", "DE", "FR", "JP", "ES"]
BAD_VALUES = st.sampled_from(["", "   ", "9.4001E+21", "1.23456789012346E+19", "X" * 80])


def s10(serial: int, prefix: str, country: str) -> str:
    digits = f"{serial:08d}"
    return f"{prefix}{digits}{s10_check_digit(digits)}{country}"


good_numbers = st.lists(
    st.builds(
        s10,
        st.integers(0, 99_999_999),
        st.sampled_from(["LX", "RR", "CP", "EE"]),
        st.sampled_from(SUFFIXES),
    ),
    unique=True,
    max_size=30,
)


def write_csv(path, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Order number", "Tracking number", "Customer"])
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(good=good_numbers, bad=st.lists(BAD_VALUES, max_size=10), data=st.data())
def test_n_good_rows_and_m_bad_rows(app, tmp_path, good, bad, data):
    assume(good or bad)  # a file with no rows at all is refused as a whole (tested elsewhere)
    Shipment.delete().execute()
    Upload.delete().execute()
    merchant = Merchant.get_or_none(Merchant.email == "p@example.com") or Merchant.create(
        email="p@example.com", password_hash="x"
    )
    rows = [[f"#{i}", number, "Ann"] for i, number in enumerate(good)]
    rows += [[f"#b{i}", value, "Bob"] for i, value in enumerate(bad)]
    rows = data.draw(st.permutations(rows))
    path = tmp_path / "generated.csv"
    write_csv(path, rows)
    upload = Upload.create(merchant=merchant, filename="generated.csv", stored_path=str(path))

    counts = import_upload(upload.id)

    assert counts["imported"] == len(good)
    assert counts["rejected"] == len(bad)
    assert counts["rows_total"] == len(good) + len(bad)
    assert Shipment.select().where(Shipment.merchant == merchant).count() == len(good)
    errors = list(RowError.select().where(RowError.upload == upload.id))
    assert len(errors) == len(bad) and all(e.reason for e in errors)
    stored = {s.tracking_number for s in Shipment.select()}
    assert stored == set(good)
