"""Reads behind the pages that help people find events: organizers' public pages and the month calendar."""

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Window
from django.db.models.functions import RowNumber

from accounts.models import User, fold
from events.filters import PAST, UPCOMING
from events.models import Event

# Upcoming events soonest first, past ones most recent first.
TAB_ORDER = {UPCOMING: ("starts_at", "pk"), PAST: ("-starts_at", "-pk")}

# A calendar day lists this many events at most; the rest are counted and linked to the list.
EVENTS_PER_DAY = 5

MONTH = re.compile(r"(\d{4})-(\d{2})")
# Every month shown has whole weeks and a month either side, all within the dates Python can hold.
FIRST_YEAR, LAST_YEAR = date.min.year + 1, date.max.year - 1


# Organizers -----------------------------------------------------------------------------------


def public_organizers():
    """Who has a public organizer page: active accounts with the organizer role (has_public_page)."""
    return User.objects.filter(role=User.Role.ORGANIZER, is_active=True)


def has_public_page(user) -> bool:
    return user.is_active and user.is_organizer


def public_organizer(username: str) -> User | None:
    """The organizer ``username`` names, in any spelling of it (as sign-in finds accounts), or None."""
    return public_organizers().filter(username_key=fold(username)).first()


def organizer_events(organizer: User, when: str):
    """The organizer's published events, upcoming or past (the filter's ``when``), in that tab's order."""
    events = Event.objects.published().filter(organizer=organizer).select_related("category")
    return (events.past() if when == PAST else events.upcoming()).order_by(*TAB_ORDER[when])


def events_run_by(organizer: User) -> int:
    """The events an organizer has run: published ones that have started (a cancelled event never ran)."""
    return Event.objects.published().past().filter(organizer=organizer).count()


# The month calendar ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, value: str | None, *, default: date) -> "Month":
        """A month written 2026-12; anything else (missing, malformed, out of range) is ``default``'s."""
        match = MONTH.fullmatch((value or "").strip())
        if match:
            year, month = int(match[1]), int(match[2])
            if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12:
                return cls(year, month)
        return cls(default.year, default.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def previous(self) -> "Month | None":
        if self.month == 1:
            return Month(self.year - 1, 12) if self.year > FIRST_YEAR else None
        return Month(self.year, self.month - 1)

    @property
    def next(self) -> "Month | None":
        if self.month == 12:
            return Month(self.year + 1, 1) if self.year < LAST_YEAR else None
        return Month(self.year, self.month + 1)

    def weeks(self) -> list[list[date]]:
        """The month's weeks, Monday first, whole: with the days of the months either side that fill them."""
        return calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(self.year, self.month)


@dataclass
class CalendarDay:
    day: date
    in_month: bool
    is_today: bool
    events: list[Event] = field(default_factory=list)
    more: int = 0  # events that day beyond those listed


def month_calendar(events, month: Month, *, today: date) -> list[list[CalendarDay]]:
    """``month``'s weeks, each day with ``events`` that start on it where they happen (their starts_on).

    One query however many events the month holds: each day's first EVENTS_PER_DAY
    come with the day's total beside them.
    """
    shown = defaultdict(list)
    totals = {}
    for event in _first_of_each_day(events.filter(starts_on__range=(month.first_day, month.last_day))):
        shown[event.starts_on].append(event)
        totals[event.starts_on] = event.day_total
    return [
        [
            CalendarDay(
                day=day,
                in_month=day.month == month.month,
                is_today=day == today,
                events=shown[day],
                more=totals.get(day, 0) - len(shown[day]),
            )
            for day in week
        ]
        for week in month.weeks()
    ]


def _first_of_each_day(events):
    by_day = {"partition_by": "starts_on"}
    return (
        events.annotate(
            rank=Window(RowNumber(), order_by=("starts_at", "pk"), **by_day),
            day_total=Window(Count("pk"), **by_day),
        )
        .filter(rank__lte=EVENTS_PER_DAY)
        .order_by("starts_on", "starts_at", "pk")
    )
