"""What a run does and how long it may take: the sizes of a full run and of a smoke run."""

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    seats: int  # seats on sale in each flash sale
    attendees: int  # attendees racing for them: one booking request each
    concurrency: int
    browse_small: int  # events when queries per list request are first counted
    browse_events: int  # events when they are counted again, and while the list pages are loaded
    scale_bookings: int  # bookings the big event already holds
    bookings: int  # confirmed bookings per round of each booking flavour, by that round's attendees
    seated_seats: int  # numbered seats in the seated flash sale
    seated_buyers: int  # distinct buyers racing for them, half naming a seat at random
    seat_map_small: int  # seats of the hall whose map's SQL queries are counted first
    seat_map_seats: int  # seats of the hall whose map is counted again and loaded
    seat_map_requests: int
    feed_posts_small: int  # posts in the feed when its SQL queries are first counted (under one page)
    feed_posts: int  # posts in the feed when they are counted again, and while the feed is loaded
    dashboard_bookings_small: (
        int  # bookings of the organizer's event when the dashboard's queries are first counted
    )
    dashboard_bookings: int  # bookings of the other organizer's event, counted again and loaded
    page_requests: int  # loads of the feed and of the dashboard each
    rounds: int


FULL = Sizes(
    seats=100,
    attendees=1_000,
    concurrency=64,
    browse_small=200,
    browse_events=10_000,
    scale_bookings=100_000,
    bookings=500,
    seated_seats=2_000,
    seated_buyers=3_000,
    seat_map_small=50,
    seat_map_seats=5_000,
    seat_map_requests=500,
    feed_posts_small=5,
    feed_posts=300,
    dashboard_bookings_small=100,
    dashboard_bookings=10_000,
    page_requests=300,
    rounds=3,
)
SMOKE = Sizes(
    seats=10,
    attendees=50,
    concurrency=8,
    browse_small=20,
    browse_events=200,
    scale_bookings=1_000,
    bookings=50,
    seated_seats=60,
    seated_buyers=90,
    seat_map_small=50,
    seat_map_seats=500,
    seat_map_requests=40,
    feed_posts_small=5,
    feed_posts=60,
    dashboard_bookings_small=20,
    dashboard_bookings=200,
    page_requests=10,
    rounds=1,
)


class BenchTimeout(Exception):
    pass


class Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self, phase: str) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise BenchTimeout(f"the bench's time limit of {self.seconds:.0f} s ran out during {phase}")
        return left
