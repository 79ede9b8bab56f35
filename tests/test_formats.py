from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Integer, Numeric

from circular_platform import formats
from circular_platform.models import Question


@pytest.mark.parametrize(
    ("text", "locale", "value"),
    [
        ("2.500,5", "nl", Decimal("2500.5")),
        ("2,500.5", "en", Decimal("2500.5")),
        ("40,5", "nl", Decimal("40.5")),
        ("2.500", "nl", Decimal("2500")),
        ("2,500", "en", Decimal("2500")),
        ("2500.5", "nl", Decimal("2500.5")),  # only one reading, so Dutch takes the decimal point
        ("40,5", "en", Decimal("40.5")),
        ("€ 250.000", "nl", Decimal("250000")),
    ],
)
def test_parse_number(text, locale, value):
    assert formats.parse_number(text, locale) == value


@pytest.mark.parametrize("text", ["veel", "", "NaN", "Infinity", "1e5", "12.34.567", "2,5,5"])
def test_parse_number_refuses_what_is_no_number(app, text):
    with app.test_request_context(), pytest.raises(ValueError, match="Vul een getal in"):
        formats.parse_number(text, "nl")


def test_bounds_are_what_the_columns_hold():
    quantity, budget = Question.__table__.c.quantity.type, Question.__table__.c.budget_min.type
    assert isinstance(quantity, Numeric)
    digits = quantity.precision - quantity.scale
    assert Decimal(10**digits) - Decimal(10) ** -quantity.scale == formats.QUANTITY_MAX
    assert quantity.scale == formats.QUANTITY_PLACES
    assert isinstance(budget, Integer)
    assert formats.EUROS_MAX == 2_147_483_647


def test_quantity_and_euro_bounds(app):
    assert formats.parse_quantity("999.999.999.999,99", "nl") == formats.QUANTITY_MAX
    assert formats.parse_euros("2.147.483.647", "nl") == formats.EUROS_MAX
    with app.test_request_context():
        for parse, text in [
            (formats.parse_quantity, "1.000.000.000.000"),
            (formats.parse_quantity, "-1"),
            (formats.parse_quantity, "0,001"),
            (formats.parse_euros, "2.147.483.648"),
            (formats.parse_euros, "-1"),
        ]:
            with pytest.raises(ValueError, match="van 0 tot en met"):
                parse(text, "nl")


@pytest.mark.parametrize(
    ("value", "locale", "text"),
    [
        (2500.5, "nl", "2.500,5"),
        (2500.5, "en", "2,500.5"),
        (Decimal("2500.50"), "nl", "2.500,5"),
        (None, "nl", ""),
    ],
)
def test_format_number(value, locale, text):
    assert formats.format_number(value, locale) == text


def test_csv_number_has_a_decimal_comma_and_no_grouping():
    assert formats.csv_number(Decimal("2500.50")) == "2500,5"
    assert formats.csv_number(250000) == "250000"
    assert formats.csv_number(20.0, 1) == "20,0"
    assert formats.csv_number(100 / 3, 1) == "33,3"


@pytest.mark.parametrize("text", ["2027-03", "03-2027", "3-2027", "2027/03", "1-3-2027", "2027-03-15"])
def test_parse_month(text):
    assert formats.parse_month(text) == date(2027, 3, 1)


@pytest.mark.parametrize("text", ["2027-13", "maart", "1899-03", ""])
def test_parse_month_refuses(app, text):
    with app.test_request_context(), pytest.raises(ValueError, match="jjjj-mm"):
        formats.parse_month(text)


def test_format_month():
    assert formats.format_month(date(2027, 3, 1)) == "2027-03"
    assert formats.display_month(date(2027, 3, 1)) == "03-2027"


def test_write_csv_neutralises_formulas_but_not_numbers():
    data = formats.write_csv(["titel", "aantal"], [{"titel": "=HYPERLINK()", "aantal": -5}, ["@x", None]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == ["titel;aantal", "'=HYPERLINK();-5", "'@x;"]
    assert formats.parse_csv_text("'=HYPERLINK()") == "=HYPERLINK()"
    assert formats.parse_csv_text("'t Zandt") == "'t Zandt"


def test_display_month_name_in_a_sentence():
    assert formats.display_month_name(date(2028, 3, 1), locale="nl") == "maart 2028"
    assert formats.display_month_name(date(2028, 3, 1), locale="en") == "March 2028"


NOW = datetime(2026, 12, 5, 12, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ago", "language", "text"),
    [
        (timedelta(seconds=40), "nl", "40 seconden"),
        (timedelta(minutes=10), "nl", "10 minuten"),
        (timedelta(hours=5, minutes=10), "nl", "5 uur"),
        (timedelta(days=20, hours=3), "nl", "3 weken"),
        (timedelta(days=20, hours=3), "en", "3 weeks"),
        (timedelta(days=400), "nl", "1 jaar"),
    ],
)
def test_an_age_is_said_as_people_say_it_in_the_readers_language(app, ago, language, text):
    with app.test_request_context("/", headers={"Accept-Language": language}):
        assert formats.display_age(NOW - ago, NOW) == text
        assert formats.display_age((NOW - ago).replace(tzinfo=None), NOW) == text  # SQLite's naive UTC
