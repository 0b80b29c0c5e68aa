"""Legal clocks: business days, calendar days and months, checked against dates on a 2026 calendar.

No function here reads the clock: "today" is passed in, so every test is frozen by construction.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from prefcenter.services.deadlines import (
    add_months,
    calendar_for,
    days_left,
    deadlines_for,
    extension_notice_due,
    is_overdue,
)

LA_US = calendar_for("America/Los_Angeles", "US")
LA_CA = calendar_for("America/Los_Angeles", "US-CA")


def la_noon(day: date) -> datetime:
    """20:00 UTC: noon or 1 pm in Los Angeles, so the local date is the UTC date."""
    return datetime(day.year, day.month, day.day, 20, tzinfo=UTC)


def dues(kind: str, received: date, **options: bool) -> dict[str, date]:
    return {d.rule: d.due for d in deadlines_for(kind, la_noon(received), LA_US, **options)}


def test_acknowledge_skips_weekends_and_thanksgiving() -> None:
    # standards E27: received Fri Nov 20; Thu Nov 26 is Thanksgiving, so day 10 is Mon Dec 7.
    assert dues("access", date(2026, 11, 20))["acknowledge"] == date(2026, 12, 7)


def test_acknowledge_skips_christmas_and_new_year_across_the_year_end() -> None:
    # standards E27: Fri Dec 25 and Fri Jan 1 are holidays; day 10 is Tue Jan 5, 2027.
    assert dues("deletion", date(2026, 12, 18))["acknowledge"] == date(2027, 1, 5)


def test_a_subdivision_adds_its_own_holidays() -> None:
    # standards E27: in California the day after Thanksgiving (Fri Nov 27) is a holiday too.
    found = deadlines_for("correction", la_noon(date(2026, 11, 20)), LA_CA)
    assert found[0].rule == "acknowledge"
    assert found[0].due == date(2026, 12, 8)


@pytest.mark.parametrize(
    ("calendar_setting", "day", "works"),
    [
        (("America/Los_Angeles", "US"), date(2026, 3, 31), True),
        (("America/Los_Angeles", "US-CA"), date(2026, 3, 31), False),  # Cesar Chavez Day
        (("America/Los_Angeles", "US"), date(2026, 7, 3), False),  # July 4th (a Saturday) observed
        (("America/Los_Angeles", "US"), date(2026, 7, 4), False),  # Saturday
        (("Europe/Berlin", "DE-BY"), date(2026, 1, 6), False),  # Epiphany, Bavaria
        (("Europe/London", "GB"), date(2026, 12, 28), False),  # Boxing Day (a Saturday) observed
        (("America/Los_Angeles", "none"), date(2026, 11, 26), True),  # weekends only
        (("America/Los_Angeles", ""), date(2026, 11, 28), False),  # still no Saturdays
    ],
)
def test_business_days_follow_the_configured_calendar(
    calendar_setting: tuple[str, str], day: date, works: bool
) -> None:
    assert calendar_for(*calendar_setting).is_business_day(day) is works


def test_without_holidays_only_weekends_are_skipped() -> None:
    # standards E27: Thanksgiving counts as a working day: day 10 is Fri Dec 4.
    weekends_only = calendar_for("America/Los_Angeles", "none")
    assert weekends_only.add_business_days(date(2026, 11, 20), 10) == date(2026, 12, 4)


def test_a_request_received_on_a_saturday_counts_from_that_saturday() -> None:
    # standards E27: not moved to Monday, so it is due with Friday's requests, never later.
    assert dues("access", date(2026, 11, 21))["acknowledge"] == date(2026, 12, 7)


def test_the_local_date_decides_not_the_utc_date() -> None:
    # standards E28: 03:00 UTC on Mar 1 is 19:00 on Sat Feb 28 in Los Angeles; day 45 is Apr 14.
    received_at = datetime(2026, 3, 1, 3, tzinfo=UTC)
    assert LA_US.local_date(received_at) == date(2026, 2, 28)
    found = deadlines_for("access", received_at, LA_US)
    assert [d.due for d in found if d.rule == "respond"] == [date(2026, 4, 14)]


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        LA_US.local_date(datetime(2026, 3, 1, 3))


def test_respond_is_45_calendar_days_across_a_month_end_and_stays_on_a_saturday() -> None:
    # standards E28: Jan 21 + 45 days is Sat Mar 7; calendar days do not move off weekends.
    assert dues("access", date(2026, 1, 21))["respond"] == date(2026, 3, 7)


def test_respond_stays_on_christmas() -> None:
    # standards E28: Nov 10 + 45 days is Fri Dec 25, a holiday, and the deadline stays there.
    assert dues("deletion", date(2026, 11, 10))["respond"] == date(2026, 12, 25)


def test_respond_across_the_year_end_and_extended_to_90_days() -> None:
    # standards E28: Nov 19 + 45 is Sun Jan 3, 2027; extended, Nov 19 + 90 is Wed Feb 17, 2027.
    assert dues("correction", date(2026, 11, 19))["respond"] == date(2027, 1, 3)
    assert dues("correction", date(2026, 11, 19), extended=True)["respond"] == date(2027, 2, 17)


def test_extension_keeps_the_acknowledgement_deadline() -> None:
    # standards E27, E28: extending moves the answer, not the confirmation of receipt.
    assert dues("access", date(2026, 11, 20), extended=True) == {
        "acknowledge": date(2026, 12, 7),
        "respond": date(2027, 2, 18),
    }


def test_extension_notice_is_due_the_day_before_day_45() -> None:
    # standards E28: respond is due Sun Jan 3, 2027, so notice of an extension by Sat Jan 2.
    assert extension_notice_due(la_noon(date(2026, 11, 19)), LA_US) == date(2027, 1, 2)


def test_extension_notice_counts_from_the_local_date() -> None:
    # standards E28: received Sat Feb 28 in Los Angeles (Mar 1 in UTC); day 44 is Apr 13.
    received_at = datetime(2026, 3, 1, 3, tzinfo=UTC)
    assert extension_notice_due(received_at, LA_US) == date(2026, 4, 13)


def test_opt_out_of_sale_is_15_business_days_past_july_4th_observed() -> None:
    # standards E32: received Wed Jul 1; Fri Jul 3 is July 4th observed; day 15 is Thu Jul 23.
    found = deadlines_for("opt_out_sale", la_noon(date(2026, 7, 1)), LA_US)
    assert [(d.rule, d.standard, d.due) for d in found] == [("opt_out", "E32", date(2026, 7, 23))]


def test_discontinue_is_10_business_days_past_memorial_day() -> None:
    # standards D23: received Mon May 18; Mon May 25 is Memorial Day; day 10 is Tue Jun 2.
    found = deadlines_for("discontinue", la_noon(date(2026, 5, 18)), LA_US)
    assert [(d.rule, d.standard, d.due) for d in found] == [("opt_out", "D23", date(2026, 6, 2))]


def test_other_has_no_legal_clock_even_with_gdpr() -> None:
    assert deadlines_for("other", la_noon(date(2026, 11, 20)), LA_US, gdpr=True) == []


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="refund"):
        deadlines_for("refund", la_noon(date(2026, 11, 20)), LA_US)


def test_an_unknown_holiday_calendar_is_refused() -> None:
    with pytest.raises(ValueError, match="XX-YY"):
        calendar_for("America/Los_Angeles", "XX-YY")


def test_calendars_are_built_once_per_setting() -> None:
    assert calendar_for("America/Los_Angeles", "US") is LA_US


def test_each_kind_gets_its_own_rules_and_standards() -> None:
    # standards E27, E28, F39
    found = deadlines_for("access", la_noon(date(2026, 3, 15)), LA_US, gdpr=True)
    assert [(d.rule, d.standard, d.due) for d in found] == [
        ("acknowledge", "E27", date(2026, 3, 27)),
        ("respond", "E28", date(2026, 4, 29)),
        ("gdpr_respond", "F39", date(2026, 4, 15)),
    ]
    assert [d.label for d in found] == [
        "Confirm receipt (CCPA, 10 business days)",
        "Respond (CCPA, 45 calendar days)",
        "Respond (GDPR, one month)",
    ]


@pytest.mark.parametrize(
    "kind", ["correction", "access", "deletion", "discontinue", "opt_out_sale"]
)
def test_gdpr_adds_one_month_to_every_kind_with_a_right_behind_it(kind: str) -> None:
    # standards F39: Mar 15 + one month is Apr 15.
    assert dues(kind, date(2026, 3, 15), gdpr=True)["gdpr_respond"] == date(2026, 4, 15)


def test_gdpr_is_off_unless_configured() -> None:
    assert "gdpr_respond" not in dues("access", date(2026, 3, 15))


@pytest.mark.parametrize(
    ("received", "due", "extended_due"),
    [
        (date(2026, 1, 31), date(2026, 2, 28), date(2026, 4, 28)),  # not a leap year
        (date(2028, 1, 31), date(2028, 2, 29), date(2028, 4, 29)),  # leap year
        (date(2026, 12, 31), date(2027, 1, 31), date(2027, 3, 31)),  # across the year end
        (date(2026, 3, 15), date(2026, 4, 15), date(2026, 6, 15)),
    ],
)
def test_gdpr_one_month_then_two_further_months(
    received: date, due: date, extended_due: date
) -> None:
    # standards F39: a month ends on the same day of the month, or the month's last day.
    assert dues("access", received, gdpr=True)["gdpr_respond"] == due
    assert dues("access", received, gdpr=True, extended=True)["gdpr_respond"] == extended_due


def test_gdpr_counts_in_the_business_time_zone() -> None:
    # standards F39: 23:30 UTC on Jan 31 is already Feb 1 in Berlin, so due Mar 1, not Feb 28.
    berlin = calendar_for("Europe/Berlin", "DE-BY")
    found = deadlines_for("deletion", datetime(2026, 1, 31, 23, 30, tzinfo=UTC), berlin, gdpr=True)
    assert [d.due for d in found if d.rule == "gdpr_respond"] == [date(2026, 3, 1)]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 31), 3, date(2026, 4, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 11, 30), 14, date(2028, 1, 30)),
    ],
)
def test_add_months_clamps_to_the_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("today", "left", "overdue"),
    [
        (date(2026, 12, 6), 1, False),
        (date(2026, 12, 7), 0, False),
        (date(2026, 12, 8), -1, True),
        (date(2027, 1, 6), -30, True),
    ],
)
def test_days_left_and_overdue_around_the_due_date(today: date, left: int, overdue: bool) -> None:
    due = date(2026, 12, 7)
    assert days_left(due, today) == left
    assert is_overdue(due, today) is overdue


def test_today_is_the_business_date_at_utc_midnight() -> None:
    # At 03:00 UTC on Mar 1 it is still Feb 28 in Los Angeles: a request due Feb 28 is on time.
    today = LA_US.local_date(datetime(2026, 3, 1, 3, tzinfo=UTC))
    assert days_left(date(2026, 2, 28), today) == 0
    assert not is_overdue(date(2026, 2, 28), today)
