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
    rounds: int


FULL = Sizes(
    seats=100,
    attendees=1_000,
    concurrency=64,
    browse_small=200,
    browse_events=10_000,
    scale_bookings=100_000,
    rounds=3,
)
SMOKE = Sizes(
    seats=10, attendees=50, concurrency=8, browse_small=20, browse_events=200, scale_bookings=1_000, rounds=1
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
