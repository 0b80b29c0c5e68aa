"""Legal clocks for privacy requests (standards E27, E28, E32, D23, F39).

Rules shared by every clock:

- Days count in the business's time zone, from the local date of receipt. The received day is
  day 0; day 1 is the next day. This matches "within N days of receipt" and a calendar on the wall.
- A request received on a weekend, a holiday or after business hours is not moved to the next
  business day. Doing so could only make deadlines later; counting from the real date keeps the
  business on time under either reading of the law.
- Calendar-day and month deadlines stay on their date even when it is a weekend or holiday: the
  law counts calendar days, and the earlier date is on time under either reading.
- A due date is the last day on which the action is on time. `days_left` and `is_overdue` derive
  from it and today's date, so nothing stale is ever stored.
"""

from __future__ import annotations

import calendar as gregorian
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from holidays import HolidayBase, country_holidays

from prefcenter.models import RequestKind

ACKNOWLEDGE_BUSINESS_DAYS = 10
RESPOND_DAYS = 45
OPT_OUT_SALE_BUSINESS_DAYS = 15
DISCONTINUE_BUSINESS_DAYS = 10
GDPR_MONTHS = 1
GDPR_EXTENSION_MONTHS = 2
NO_HOLIDAYS = {"", "none"}

# CCPA requests to know, delete or correct: acknowledged, then answered.
CCPA_RESPONSE_KINDS = {RequestKind.CORRECTION, RequestKind.ACCESS, RequestKind.DELETION}
# Everything GDPR lets a person ask of a controller: access, rectification, erasure, objection
# (Art. 21, which covers direct marketing and the sale of data).
GDPR_KINDS = CCPA_RESPONSE_KINDS | {RequestKind.OPT_OUT_SALE, RequestKind.DISCONTINUE}

# A holidays object fills in a year the first time a date in it is asked about, and marks the
# year done before its holidays are in: a concurrent reader could see a holiday as a workday.
_holiday_lookup = threading.Lock()


@dataclass(frozen=True)
class BusinessCalendar:
    """The business's time zone and the days it works."""

    time_zone: ZoneInfo
    holidays: HolidayBase

    def is_business_day(self, day: date) -> bool:
        """Not a weekend (the country's own: Friday-Saturday in Israel) and not a holiday."""
        with _holiday_lookup:
            return self.holidays.is_working_day(day)

    def add_business_days(self, start: date, count: int) -> date:
        """The count-th business day after start; start itself is never counted."""
        if count < 0:
            raise ValueError("count business days forward only")
        day = start
        for _ in range(count):
            day += timedelta(days=1)
            while not self.is_business_day(day):
                day += timedelta(days=1)
        return day

    def local_date(self, moment: datetime) -> date:
        """The date an aware moment falls on in the business's time zone."""
        if moment.tzinfo is None:
            # A naive value would be read as the server's local time: a silent off-by-one-day.
            raise ValueError("an aware datetime is needed to find the local date")
        return moment.astimezone(self.time_zone).date()


@cache
def calendar_for(time_zone: str, holiday_country: str) -> BusinessCalendar:
    """The calendar for settings like ("America/Los_Angeles", "US-CA").

    holiday_country is a country ("US", "GB") or country-subdivision ("US-CA", "DE-BY") known to
    the `holidays` package; "" or "none" means weekends only. Cached: a holidays object keeps
    each year it has worked out, so one object per setting serves every request.
    """
    return BusinessCalendar(ZoneInfo(time_zone), _holidays(holiday_country))


def _holidays(spec: str) -> HolidayBase:
    if spec.strip().lower() in NO_HOLIDAYS:
        return HolidayBase()
    country, _, subdivision = spec.strip().upper().partition("-")
    try:
        return country_holidays(country, subdiv=subdivision or None)
    except NotImplementedError:
        raise ValueError(f"{spec!r} is no holiday calendar the holidays package knows") from None


@dataclass(frozen=True)
class Deadline:
    rule: str  # "acknowledge", "respond", "opt_out" or "gdpr_respond"
    label: str
    standard: str
    due: date


def deadlines_for(
    kind: str,
    received_at: datetime,
    calendar: BusinessCalendar,
    *,
    gdpr: bool = False,
    extended: bool = False,
) -> list[Deadline]:
    """The deadlines a request of this kind runs against; none for "other" (no legal clock)."""
    request_kind = RequestKind(kind)
    received = calendar.local_date(received_at)
    found = _legal_deadlines(request_kind, received, calendar, extended)
    if gdpr and request_kind in GDPR_KINDS:
        found.append(_gdpr_deadline(received, extended))
    return found


def _legal_deadlines(
    kind: RequestKind, received: date, calendar: BusinessCalendar, extended: bool
) -> list[Deadline]:
    if kind in CCPA_RESPONSE_KINDS:
        return [_acknowledge(received, calendar), _respond(received, extended)]
    if kind == RequestKind.OPT_OUT_SALE:
        label = f"Stop selling or sharing (CCPA, {OPT_OUT_SALE_BUSINESS_DAYS} business days)"
        due = calendar.add_business_days(received, OPT_OUT_SALE_BUSINESS_DAYS)
        return [Deadline("opt_out", label, "E32", due)]
    if kind == RequestKind.DISCONTINUE:
        label = (
            f"Stop sending marketing email (CAN-SPAM, {DISCONTINUE_BUSINESS_DAYS} business days)"
        )
        due = calendar.add_business_days(received, DISCONTINUE_BUSINESS_DAYS)
        return [Deadline("opt_out", label, "D23", due)]
    return []


def _acknowledge(received: date, calendar: BusinessCalendar) -> Deadline:
    label = f"Confirm receipt (CCPA, {ACKNOWLEDGE_BUSINESS_DAYS} business days)"
    due = calendar.add_business_days(received, ACKNOWLEDGE_BUSINESS_DAYS)
    return Deadline("acknowledge", label, "E27", due)


def _respond(received: date, extended: bool) -> Deadline:
    """45 calendar days, verification included; one extension makes it 90 (45 + 45)."""
    days = RESPOND_DAYS * 2 if extended else RESPOND_DAYS
    label = f"Respond (CCPA, {'extended to ' if extended else ''}{days} calendar days)"
    return Deadline("respond", label, "E28", received + timedelta(days=days))


def _gdpr_deadline(received: date, extended: bool) -> Deadline:
    """One month from receipt (Art. 12(3)); extended, two further months from that due date.

    The extension runs on from the first due date, as "two further months" reads; after a
    clamped month end (Jan 31 -> Feb 28 -> Apr 28) this is the earlier of the possible readings.
    """
    due = add_months(received, GDPR_MONTHS)
    if extended:
        due = add_months(due, GDPR_EXTENSION_MONTHS)
        return Deadline("gdpr_respond", "Respond (GDPR, extended by two months)", "F39", due)
    return Deadline("gdpr_respond", "Respond (GDPR, one month)", "F39", due)


def add_months(start: date, months: int) -> date:
    """The same day of the month, months later; clamped to the month's last day when it is shorter.

    Jan 31 + 1 month is Feb 28, or Feb 29 in a leap year; Mar 15 + 1 month is Apr 15. This is the
    EU rule for periods in months (Regulation 1182/71, Art. 3(2)(c)).
    """
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, gregorian.monthrange(year, month)[1]))


def extension_notice_due(received_at: datetime, calendar: BusinessCalendar) -> date:
    """The last day to tell the requester of an extension and why: day 44.

    The checklist (E28) asks for notice before day 45, the statute within the first 45 days;
    day 44 satisfies both.
    """
    return calendar.local_date(received_at) + timedelta(days=RESPOND_DAYS - 1)


def days_left(due: date, today: date) -> int:
    """Days until the due date: 0 on the day itself, negative once it has passed."""
    return (due - today).days


def is_overdue(due: date, today: date) -> bool:
    """Overdue from the day after the due date: the due date itself is still on time."""
    return today > due
