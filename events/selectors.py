"""Reads for events that querysets alone do not express."""


class UpcomingThenPast:
    """Upcoming events soonest first, then past ones most recent first, as one list a paginator can slice.

    Each part is read in index order (starts_at, id), so a page costs the same
    however many events exist; a single ORDER BY over "is it upcoming?" would
    sort every visible event on every request. The first pages take two
    queries (the count and the page); a page past the upcoming events takes
    at most two more.
    """

    def __init__(self, events):
        self.events = events
        self.upcoming = events.upcoming().order_by("starts_at", "pk")
        self.past = events.past().order_by("-starts_at", "-pk")

    def count(self) -> int:
        return self.events.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list:
        start, stop = window.start or 0, window.stop
        rows = list(self.upcoming[start:stop])
        if len(rows) == stop - start:
            return rows
        # The upcoming part ended inside this window (then its size is known) or before it.
        upcoming_total = start + len(rows) if rows or start == 0 else self.upcoming.count()
        return rows + list(self.past[max(start - upcoming_total, 0) : stop - upcoming_total])
