"""Field normalisation: dates in many languages and orders, countries to ISO-2, first email."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jobs.files.normalize import DateOrder, country_code, first_email, parse_date


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("2025-03-04", True, date(2025, 3, 4)),
        ("2025-03-04T10:00:00+01:00", False, date(2025, 3, 4)),
        ("04.03.2025", True, date(2025, 3, 4)),
        ("03/04/2025", False, date(2025, 3, 4)),
        ("04-03-2025", True, date(2025, 3, 4)),  # a plugin's dd-mm-yyyy
        ("4/3/25", True, date(2025, 3, 4)),
        ("04-Mär-25", True, date(2025, 3, 4)),  # eBay.de
        ("26-Feb-25", True, date(2025, 2, 26)),
        ("Mar-04-25", True, date(2025, 3, 4)),  # eBay.com
        ("March 4, 2025", True, date(2025, 3, 4)),
        ("4. März 2025", True, date(2025, 3, 4)),
        ("4 mars 2025", True, date(2025, 3, 4)),
        ("4 févr. 2025", True, date(2025, 2, 4)),
        ("4 de marzo de 2025", True, date(2025, 3, 4)),
        ("4 marzo 2025", True, date(2025, 3, 4)),
        ("4 mrt 2025", True, date(2025, 3, 4)),
        ("4 de março de 2025", True, date(2025, 3, 4)),
        ("4 dez 2025", True, date(2025, 12, 4)),
        ("Dec 4, 2025 10:31 AM PST", True, date(2025, 12, 4)),
        ("31/12/2025", False, None),  # contradicts a month-first column: not guessed per row
        ("soon", True, None),
        ("", True, None),
    ],
)
def test_dates(text, day_first, expected):
    assert parse_date(text, day_first) == expected


def test_the_order_of_a_column_comes_from_all_its_values():
    order = DateOrder()
    for text in ["03/04/2025", "01/02/2025", "05/06/2025"]:
        order.feed(text)
    assert not order.decided and order.is_day_first  # undecided: day first, as most write
    order.feed("12/31/2025")
    assert order.decided and not order.is_day_first


@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.booleans())
def test_numeric_dates_read_back_in_their_columns_order(day, day_first):
    text = day.strftime("%d/%m/%Y" if day_first else "%m/%d/%Y")
    assert parse_date(text, day_first) == day


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("GBR", "GB"),
        ("gb", "GB"),
        ("DEU", "DE"),
        ("Deutschland", "DE"),
        ("Allemagne", "DE"),
        ("Alemania", "DE"),
        ("Germania", "DE"),
        ("Duitsland", "DE"),
        ("Vereinigte Staaten", "US"),
        ("United States", "US"),
        ("USA", "US"),
        ("États-Unis", "US"),
        ("España", "ES"),
        ("Espagne", "ES"),
        ("Österreich", "AT"),
        ("Russia", "RU"),
        ("Narnia", None),
        ("", None),
    ],
)
def test_countries(text, code):
    assert country_code(text) == code


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("ann@shop.test; bob@shop.test", "ann@shop.test"),
        ("Ann <ann@shop.test>, bob@shop.test", "ann@shop.test"),
        ("ann@shop.test", "ann@shop.test"),
        ("no email", "no email"),
    ],
)
def test_first_email(text, email):
    assert first_email(text) == email
