"""Series rules: built from a few choices, refused when they make no sane series, read back in words and
as dates on the series' own clock (a weekly 19:00 stays 19:00 across daylight-saving changes)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from eventhub.errors import DomainError, ErrorCode
from events.series import MAX_DATES, Frequency, Repeat, describe, starts_of

BERLIN = ZoneInfo("Europe/Berlin")
WEEKLY, MONTHLY = Frequency.WEEKLY, Frequency.MONTHLY
TUESDAY, THURSDAY, FRIDAY, SUNDAY = 1, 3, 4, 6
# Tue 18 Mar 2031, 19:00: Berlin's clocks go forward on Sun 30 March and back on Sun 26 October.
SPRING_TUESDAY = datetime(2031, 3, 18, 19, 0)


def refusal(repeat: Repeat, first: datetime = SPRING_TUESDAY) -> DomainError:
    with pytest.raises(DomainError) as refused:
        repeat.rule(first)
    return refused.value


def local_walls(rule: str, zone=BERLIN) -> list[tuple]:
    return [
        (start.date(), start.strftime("%H:%M"))
        for start in (s.astimezone(zone) for s in starts_of(rule, zone.key))
    ]


def test_weekly_rule_is_stored_as_rfc_5545_text_from_the_event_start():
    rule = Repeat(WEEKLY, (TUESDAY, THURSDAY), count=12).rule(SPRING_TUESDAY)
    assert rule == "DTSTART:20310318T190000\nRRULE:FREQ=WEEKLY;COUNT=12;BYDAY=TU,TH"


def test_weekly_dates_keep_19_00_in_berlin_across_the_spring_change():
    rule = Repeat(WEEKLY, (TUESDAY,), count=3).rule(SPRING_TUESDAY)
    starts = starts_of(rule, "Europe/Berlin")
    assert [start.astimezone(BERLIN).strftime("%a %d %b %H:%M") for start in starts] == [
        "Tue 18 Mar 19:00",
        "Tue 25 Mar 19:00",
        "Tue 01 Apr 19:00",
    ]
    # The same wall time is an hour earlier in UTC once summer time starts.
    assert [start.utcoffset().total_seconds() / 3600 for start in starts] == [1, 1, 2]
    # Python subtracts times of one zone by their wall clocks: in UTC the week is an hour short.
    assert starts[2].astimezone(UTC) - starts[1].astimezone(UTC) == timedelta(days=7, hours=-1)


def test_monthly_dates_keep_19_00_in_berlin_across_the_autumn_change():
    first_monday = datetime(2031, 9, 1, 19, 0)
    rule = Repeat(MONTHLY, (0,), nth=1, until=date(2031, 12, 31)).rule(first_monday)
    assert local_walls(rule) == [
        (date(2031, 9, 1), "19:00"),
        (date(2031, 10, 6), "19:00"),
        (date(2031, 11, 3), "19:00"),  # after the clocks went back on 26 October
        (date(2031, 12, 1), "19:00"),
    ]
    offsets = [start.utcoffset().total_seconds() / 3600 for start in starts_of(rule, "Europe/Berlin")]
    assert offsets == [2, 2, 1, 1]


def test_monthly_on_the_last_weekday():
    last_friday = datetime(2031, 1, 31, 19, 0)
    rule = Repeat(MONTHLY, (FRIDAY,), nth=-1, count=3).rule(last_friday)
    assert [day for day, _ in local_walls(rule)] == [date(2031, 1, 31), date(2031, 2, 28), date(2031, 3, 28)]


def test_until_ends_on_that_day_and_count_counts_the_event_itself():
    by_date = Repeat(WEEKLY, (TUESDAY,), until=date(2031, 4, 1)).rule(SPRING_TUESDAY)
    by_count = Repeat(WEEKLY, (TUESDAY,), count=3).rule(SPRING_TUESDAY)
    assert local_walls(by_date) == local_walls(by_count)
    assert len(local_walls(Repeat(WEEKLY, (TUESDAY,), until=date(2031, 3, 31)).rule(SPRING_TUESDAY))) == 2


def test_interval_skips_weeks():
    rule = Repeat(WEEKLY, (TUESDAY,), interval=2, count=3).rule(SPRING_TUESDAY)
    assert [day for day, _ in local_walls(rule)] == [date(2031, 3, 18), date(2031, 4, 1), date(2031, 4, 15)]


@pytest.mark.parametrize(
    ("repeat", "text"),
    [
        (Repeat(WEEKLY, (THURSDAY, TUESDAY), count=12), "Every week on Tuesday and Thursday, 12 times"),
        (
            Repeat(WEEKLY, (TUESDAY,), interval=2, until=date(2031, 6, 30)),
            "Every 2 weeks on Tuesday, until 30 June 2031",
        ),
        (Repeat(WEEKLY, (0, TUESDAY, 2), count=4), "Every week on Monday, Tuesday and Wednesday, 4 times"),
        (Repeat(MONTHLY, (TUESDAY,), nth=3, count=5), "Every month on the third Tuesday, 5 times"),
        (
            Repeat(MONTHLY, (TUESDAY,), nth=3, interval=3, count=3),
            "Every 3 months on the third Tuesday, 3 times",
        ),
    ],
)
def test_a_stored_rule_reads_back_in_words(repeat, text):
    assert describe(repeat.rule(SPRING_TUESDAY)) == text
    assert Repeat.from_rule(repeat.rule(SPRING_TUESDAY)) == Repeat(
        repeat.frequency,
        tuple(sorted(repeat.weekdays)),
        repeat.nth,
        repeat.interval,
        repeat.until,
        repeat.count,
    )


@pytest.mark.parametrize(
    ("repeat", "field", "words"),
    [
        (Repeat("daily", (TUESDAY,), count=3), "frequency", "weekly or monthly"),
        (Repeat(WEEKLY, (), count=3), "weekdays", "weekdays"),
        (Repeat(WEEKLY, (7,), count=3), "weekdays", "weekdays"),
        (Repeat(WEEKLY, (TUESDAY,), nth=1, count=3), "nth", "Only a monthly series"),
        (Repeat(MONTHLY, (TUESDAY, THURSDAY), nth=3, count=3), "weekdays", "one weekday"),
        (Repeat(MONTHLY, (TUESDAY,), nth=5, count=3), "nth", "first to the fourth, or the last"),
        (Repeat(MONTHLY, (TUESDAY,), count=3), "nth", "first to the fourth, or the last"),
        (Repeat(WEEKLY, (TUESDAY,), interval=0, count=3), "interval", "1 to 52 weeks"),
        (Repeat(WEEKLY, (TUESDAY,), interval=53, count=3), "interval", "1 to 52 weeks"),
        (Repeat(MONTHLY, (TUESDAY,), nth=3, interval=13, count=3), "interval", "1 to 12 months"),
        (Repeat(WEEKLY, (TUESDAY,)), None, "either on a date or after a number"),
        (
            Repeat(WEEKLY, (TUESDAY,), count=3, until=date(2031, 6, 1)),
            None,
            "either on a date or after a number",
        ),
        (Repeat(WEEKLY, (TUESDAY,), count=1), "count", "at least two dates"),
        (Repeat(WEEKLY, (THURSDAY,), count=3), "weekdays", "Tue 18 Mar 2031, which this rule skips"),
        (Repeat(MONTHLY, (TUESDAY,), nth=1, count=3), "weekdays", "which this rule skips"),
        (Repeat(WEEKLY, (TUESDAY,), until=date(2031, 3, 18)), "until", "no date after the event itself"),
        (Repeat(WEEKLY, (TUESDAY,), until=date(2031, 3, 24)), "until", "no date after the event itself"),
        (Repeat(WEEKLY, (TUESDAY,), until=date(2030, 1, 1)), "until", "no date after the event itself"),
    ],
)
def test_rules_that_make_no_series_are_refused_beside_their_field(repeat, field, words):
    refused = refusal(repeat)
    assert refused.code == ErrorCode.INVALID_RECURRENCE
    assert (refused.field, words in refused.message) == (field, True), refused.message


@pytest.mark.parametrize(
    "repeat",
    [
        Repeat(WEEKLY, (TUESDAY,), count=MAX_DATES + 1),
        Repeat(WEEKLY, tuple(range(7)), until=date(2031, 7, 1)),  # 106 days
        Repeat(MONTHLY, (TUESDAY,), nth=3, count=30),  # two and a half years
        Repeat(WEEKLY, (TUESDAY,), interval=8, until=date(2033, 6, 1)),  # 14 dates, past two years
    ],
)
def test_rules_past_104_dates_or_two_years_are_refused(repeat):
    assert refusal(repeat).code == ErrorCode.TOO_MANY_DATES


def test_a_rule_up_to_the_limits_is_taken():
    weekly = Repeat(WEEKLY, (TUESDAY,), count=MAX_DATES).rule(SPRING_TUESDAY)
    assert len(starts_of(weekly, "UTC")) == MAX_DATES
    two_years = Repeat(MONTHLY, (TUESDAY,), nth=3, until=date(2033, 3, 18)).rule(SPRING_TUESDAY)
    assert local_walls(two_years)[-1] == (date(2033, 3, 15), "19:00")


def test_a_wall_time_the_clocks_skip_is_refused_naming_it():
    # The last Sunday of March at 02:30: Berlin's clocks jump from 02:00 to 03:00 on 30 March 2031.
    rule = Repeat(WEEKLY, (SUNDAY,), count=3).rule(datetime(2031, 3, 23, 2, 30))
    with pytest.raises(DomainError) as refused:
        starts_of(rule, "Europe/Berlin")
    assert refused.value.code == ErrorCode.INVALID_RECURRENCE
    assert "Sun 30 Mar 2031, 02:30 does not exist in Europe/Berlin" in refused.value.message
