"""Series of events: one event repeated by a rule (every Tuesday and Thursday, the last Friday of each
month), each date a whole event with its own capacity and bookings.

A rule is built from a few choices (``Repeat``), stored on the Series as RFC 5545 text and read back
with python-dateutil. Dates are computed on the series' own wall clock: naive local times in its zone,
each made aware on its own, so a weekly 19:00 stays at 19:00 across daylight-saving changes.

The services here write through events.services, so every date follows the rules of any event.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from itertools import islice
from typing import Unpack
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import MONTHLY, WEEKLY, rrule, rrulestr, weekday
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from eventhub.errors import DomainError, ErrorCode, raise_if
from events import services
from events.clock import instant_in_zone
from events.locks import lock_event, lock_events
from events.models import Event, Series, TicketType

MAX_DATES = 104  # two years of a weekly event
MAX_YEARS = 2
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # RFC 5545's, in the same order
NTH_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
BYDAY = re.compile(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


RULE_FREQUENCIES = {Frequency.WEEKLY: WEEKLY, Frequency.MONTHLY: MONTHLY}
MAX_INTERVAL = {Frequency.WEEKLY: 52, Frequency.MONTHLY: 12}
UNITS = {Frequency.WEEKLY: "week", Frequency.MONTHLY: "month"}


def _refused(message: str, field: str | None = None, code=ErrorCode.INVALID_RECURRENCE) -> DomainError:
    return DomainError(code, message, field=field)


def _day(moment: date) -> str:
    """ "Tue 1 Apr 2031": how a refusal names a date."""
    return f"{moment:%a} {moment.day} {moment:%b %Y}"


@dataclass(frozen=True)
class Repeat:
    """How a series repeats, as an organizer chooses it.

    Weekly on one or more weekdays, or monthly on the ``nth`` (1 to 4, or -1 for the last) of one
    weekday; every ``interval`` weeks or months; ending on the day ``until`` or after ``count`` dates
    (the first event counts). Weekdays are numbered as date.weekday() numbers them: 0 is Monday.
    """

    frequency: str
    weekdays: tuple[int, ...] = ()
    nth: int | None = None
    interval: int = 1
    until: date | None = None
    count: int | None = None

    def refusal(self) -> DomainError | None:
        """Why these choices make no rule, whatever the first date, or None."""
        if self.frequency not in Frequency.values:
            return _refused("Repeat weekly or monthly.", "frequency")
        if not self.weekdays or not set(self.weekdays) <= set(range(7)):
            return _refused("Choose the weekdays it happens on.", "weekdays")
        return self._shape_refusal() or self._interval_refusal() or self._end_refusal()

    def _shape_refusal(self) -> DomainError | None:
        if self.frequency == Frequency.WEEKLY and self.nth is not None:
            return _refused("Only a monthly series happens on the first, second ... or last weekday.", "nth")
        if self.frequency == Frequency.MONTHLY and len(set(self.weekdays)) != 1:
            return _refused("A monthly series happens on one weekday: the first Friday, say.", "weekdays")
        if self.frequency == Frequency.MONTHLY and self.nth not in NTH_NAMES:
            return _refused("Say which of the month's weekdays: the first to the fourth, or the last.", "nth")
        return None

    def _interval_refusal(self) -> DomainError | None:
        most = MAX_INTERVAL[self.frequency]
        if not 1 <= self.interval <= most:
            return _refused(f"Repeat every 1 to {most} {UNITS[self.frequency]}s.", "interval")
        return None

    def _end_refusal(self) -> DomainError | None:
        if (self.until is None) == (self.count is None):
            return _refused("End the series either on a date or after a number of dates.")
        if self.count is not None and self.count < 2:
            return _refused("A series has at least two dates.", "count")
        if self.count is not None and self.count > MAX_DATES:
            return _refused(f"A series has at most {MAX_DATES} dates.", "count", ErrorCode.TOO_MANY_DATES)
        return None

    def rule(self, first: datetime) -> str:
        """The RFC 5545 text of this repeat from ``first``, the event's own start as a naive wall time.

        Refused unless ``first`` is its first date and it gives another, up to MAX_DATES dates within
        MAX_YEARS years.
        """
        raise_if(self.refusal())
        rule = rrule(
            RULE_FREQUENCIES[self.frequency],
            dtstart=first,
            interval=self.interval,
            byweekday=self._byweekday(),
            count=self.count,
            until=datetime.combine(self.until, time(23, 59, 59)) if self.until else None,
        )
        raise_if(self._dates_refusal(first, list(islice(rule, MAX_DATES + 1))))
        return str(rule)

    def _byweekday(self) -> list[weekday]:
        if self.frequency == Frequency.MONTHLY:
            return [weekday(self.weekdays[0], self.nth)]
        return [weekday(day) for day in sorted(set(self.weekdays))]

    def _dates_refusal(self, first: datetime, walls: list[datetime]) -> DomainError | None:
        end_field = "until" if self.until else "count"
        if self.until is not None and self.until <= first.date():
            return _refused("This rule gives no date after the event itself: end it later.", end_field)
        if not walls or walls[0] != first:
            return _refused(
                f"The event itself is on {_day(first)}, which this rule skips: choose its weekday"
                f"{' and its place in the month' if self.frequency == Frequency.MONTHLY else ''}.",
                "weekdays",
            )
        if len(walls) < 2:
            return _refused("This rule gives no date after the event itself: end it later.", end_field)
        if len(walls) > MAX_DATES:
            return _refused(
                f"A series has at most {MAX_DATES} dates: end it sooner or repeat less often.",
                end_field,
                ErrorCode.TOO_MANY_DATES,
            )
        if walls[-1] > first + relativedelta(years=MAX_YEARS):
            return _refused(
                f"A series lasts {MAX_YEARS} years at most; this one would end on {_day(walls[-1])}.",
                end_field,
                ErrorCode.TOO_MANY_DATES,
            )
        return None

    @classmethod
    def from_rule(cls, rule: str) -> "Repeat":
        """The choices a rule made by ``rule()`` was built from."""
        line = next(line for line in rule.splitlines() if line.startswith("RRULE:"))
        parts = dict(part.split("=", 1) for part in line.removeprefix("RRULE:").split(";"))
        days = [BYDAY.fullmatch(day).groups() for day in parts.get("BYDAY", "").split(",") if day]
        until = parts.get("UNTIL")
        return cls(
            frequency=Frequency(parts["FREQ"].lower()),
            weekdays=tuple(WEEKDAY_CODES.index(code) for _, code in days),
            nth=int(days[0][0]) if days and days[0][0] else None,
            interval=int(parts.get("INTERVAL", 1)),
            until=datetime.strptime(until[:8], "%Y%m%d").date() if until else None,
            count=int(parts["COUNT"]) if "COUNT" in parts else None,
        )

    def describe(self) -> str:
        """In words: "Every week on Tuesday and Thursday, 12 times"."""
        unit = UNITS[self.frequency]
        every = f"Every {unit}" if self.interval == 1 else f"Every {self.interval} {unit}s"
        if self.frequency == Frequency.MONTHLY:
            on = f"the {NTH_NAMES[self.nth]} {WEEKDAY_NAMES[self.weekdays[0]]}"
        else:
            on = _joined([WEEKDAY_NAMES[day] for day in sorted(self.weekdays)])
        end = f"{self.count} times" if self.count else f"until {self.until.day} {self.until:%B %Y}"
        return f"{every} on {on}, {end}"


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def describe(rule: str) -> str:
    """A stored rule in words ("Every month on the last Friday, until 30 June 2031")."""
    return Repeat.from_rule(rule).describe()


def starts_of(rule: str, zone_name: str) -> list[datetime]:
    """The starts a stored rule gives, in order: its wall times on ``zone_name``'s clock, each made aware.

    A wall time the clocks skip or show twice that day is refused, as when an organizer types one.
    """
    zone = ZoneInfo(zone_name)
    starts = []
    for wall in islice(rrulestr(rule), MAX_DATES):
        try:
            starts.append(instant_in_zone(wall, zone))
        except ValidationError as error:
            raise _refused(" ".join(error.messages)) from None
    return starts


def local_start(event: Event) -> datetime:
    """The event's start as its own clock shows it, without a zone: where a series' rule starts.

    To the second, as RFC 5545 writes times (and dateutil reads them).
    """
    return timezone.localtime(event.starts_at, ZoneInfo(event.timezone)).replace(tzinfo=None, microsecond=0)


# Making a series ------------------------------------------------------------------------------


def repeat_refusal(event: Event) -> DomainError | None:
    """Why ``event`` cannot start a series, or None."""
    if event.series_id is not None:
        return DomainError(ErrorCode.ALREADY_IN_SERIES, "This event is already part of a series.")
    if event.status == Event.Status.CANCELLED:
        return DomainError(ErrorCode.NOT_REPEATABLE, "A cancelled event cannot be repeated.")
    if event.has_started:
        return DomainError(
            ErrorCode.NOT_REPEATABLE, "This event has already started: copy it, then repeat the copy."
        )
    return None


def series_starts(*, event: Event, repeat: Repeat) -> list[datetime]:
    """The starts a series of ``event`` repeated by ``repeat`` would have, the event's own first, or the
    refusal create_series would give. Writes nothing: the console previews the dates with it."""
    raise_if(repeat_refusal(event))
    return starts_of(repeat.rule(local_start(event)), event.timezone)


def create_series(*, event: Event, by, repeat: Repeat) -> Series:
    """Repeat ``event`` by ``repeat``: it becomes the first date, each later date a copy of it
    (copy_event_to: ticket types, seats, questions, nobody booked), all linked to the new series.

    A published event's copies are published through the publish service; a draft's stay drafts.
    Under the event's lock, so two requests cannot both make it a series.
    """
    with transaction.atomic():
        event = lock_event(event.pk)
        services.ensure_manages(event=event, by=by)
        raise_if(repeat_refusal(event))
        rule = repeat.rule(local_start(event))
        later = starts_of(rule, event.timezone)[1:]
        series = Series.objects.create(
            organizer=event.organizer, title=event.title, rule=rule, timezone=event.timezone
        )
        copies = [services.copy_event_to(event=event, by=by, starts_at=start) for start in later]
        Event.objects.filter(pk__in=[event.pk, *(copy.pk for copy in copies)]).update(series=series)
        if event.status == Event.Status.PUBLISHED:
            for copy in copies:
                services.publish_event(event=copy, by=by)
    return series


# Changing a series ------------------------------------------------------------------------------


class Scope(models.TextChoices):
    THIS = "this", "This event only"
    FUTURE = "future", "This and all later events of the series"


# What moves one date: changed only with Scope.THIS.
ONE_DATE_FIELDS = ("starts_at", "ends_at", "timezone", "status")


def update_series(
    *,
    event: Event,
    by,
    scope: str,
    prices: dict[str, Decimal] | None = None,
    **changes: Unpack[services.EventChanges],
) -> Event:
    """Change one date of a series (``Scope.THIS``: update_event), or it and every later date that has
    not started and is not cancelled (``Scope.FUTURE``), all or nothing.

    ``prices`` sets the price of the ticket types of each name (a date that sells no type of that name
    keeps its own). Dates, times and status change one date at a time. The dates are locked in
    primary-key order first, then changed through the event services, so each keeps its own rules
    (capacity never below its bookings); a refusal names the date refused.
    """
    if scope == Scope.THIS:
        with transaction.atomic():
            event = services.update_event(event=event, by=by, **changes)
            _set_prices(event, prices or {}, by)
            return event
    raise_if(_future_refusal(event=event, by=by, scope=scope))
    with transaction.atomic():
        locked = lock_events(_this_and_later(event).values_list("pk", flat=True))
        # Compared with the stored row: the caller's copy may hold the new values already (a form's).
        stored = next((one for one in locked if one.pk == event.pk), None) or Event.objects.get(pk=event.pk)
        raise_if(_moved_refusal(stored, changes))
        changes = {name: value for name, value in changes.items() if name not in ONE_DATE_FIELDS}
        for occurrence in locked:
            if occurrence.status != Event.Status.CANCELLED and not occurrence.has_started:
                _change_one(occurrence, by=by, changes=changes, prices=prices or {})
    return Event.objects.get(pk=event.pk)


def _future_refusal(*, event: Event, by, scope: str) -> DomainError | None:
    if scope != Scope.FUTURE:
        return DomainError(
            ErrorCode.INVALID_SCOPE, "Apply a change to this event only or to the later ones too."
        )
    if not event.is_managed_by(by):
        return DomainError(ErrorCode.NOT_ALLOWED, "Only the event's organizer or staff can change it.")
    if event.series_id is None:
        return DomainError(ErrorCode.INVALID_SCOPE, "This event is not part of a series: change it alone.")
    return None


def _moved_refusal(event: Event, changes: dict) -> DomainError | None:
    moved = [name for name in ONE_DATE_FIELDS if name in changes and changes[name] != getattr(event, name)]
    if moved:
        return DomainError(
            ErrorCode.INVALID_SCOPE,
            "Dates, times and status change one event at a time: apply this change to this event only.",
            field=moved[0],
        )
    return None


def _this_and_later(event: Event):
    """``event`` and the later dates of its series that have not started and are not cancelled."""
    later = Event.objects.filter(series_id=event.series_id, starts_at__gte=event.starts_at)
    return later.upcoming().exclude(status=Event.Status.CANCELLED)


def _change_one(event: Event, *, by, changes: dict, prices: dict[str, Decimal]) -> None:
    try:
        if changes:
            event = services.update_event(event=event, by=by, **changes)
        _set_prices(event, prices, by)
    except (DomainError, ValidationError) as refusal:
        raise _dated(refusal, event) from refusal


def _set_prices(event: Event, prices: dict[str, Decimal], by) -> None:
    for ticket_type in TicketType.objects.filter(event=event, name__in=list(prices)):
        services.update_ticket_type(ticket_type=ticket_type, by=by, price=prices[ticket_type.name])


def _dated(refusal: DomainError | ValidationError, event: Event) -> DomainError | ValidationError:
    """The same refusal, its words starting with the date refused ("Tue 1 Apr 2031: ...")."""
    day = _day(local_start(event))
    if isinstance(refusal, DomainError):
        return DomainError(refusal.code, f"{day}: {refusal.message}", field=refusal.field)
    if hasattr(refusal, "error_dict"):
        return ValidationError(
            {name: [f"{day}: {message}" for message in messages] for name, messages in refusal}
        )
    return ValidationError([f"{day}: {message}" for message in refusal.messages])


def cancel_series(*, series: Series, by) -> list[Event]:
    """Cancel every date of ``series`` that has not started yet; those that have stay as they are.

    Each through cancel_event, in primary-key order after locking them all: the apps above cancel
    and refund each date's paid tickets once this commits.
    """
    if not series.is_managed_by(by):
        raise DomainError(ErrorCode.NOT_ALLOWED, "Only the series' organizer or staff can cancel it.")
    with transaction.atomic():
        remaining = series.occurrences.upcoming().exclude(status=Event.Status.CANCELLED)
        cancelled = [
            services.cancel_event(event=occurrence, by=by)
            for occurrence in lock_events(remaining.values_list("pk", flat=True))
            if occurrence.status != Event.Status.CANCELLED and not occurrence.has_started
        ]
        if not cancelled:
            raise DomainError(
                ErrorCode.ALREADY_CANCELLED,
                "No date of this series is left to cancel: each has started or is cancelled.",
            )
    return cancelled
