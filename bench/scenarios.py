"""The bench's scenarios, run in order against real gunicorn servers on one fresh database.

Rounds interleave the scenarios whose rates are compared (flash sale on an empty event, the
floor, anonymous browsing, flash sale on a 100,000-booking event, confirmed bookings of an
untyped, a typed, a seated and a priced event), so a slow moment on the machine touches all of them
alike instead of skewing one ratio. The seated sale, the pages (seat map, feed, dashboard) and the
two-server scenarios run once.
"""

import json
import random
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.urls import reverse

from bench import data
from bench.cpu import CpuMeter
from bench.database import REPO_ROOT
from bench.loadgen import LoadResult, Request, json_request, run_load
from bench.plan import BenchTimeout, Deadline, Sizes
from bench.server import AppServer
from bench.stats import Scenario
from events.models import Event

REQUEST_TIMEOUT = 30.0
PHASE_TIME_LIMIT = 90.0
BOOKING_FLAVOURS = ("booking_untyped", "booking_typed", "booking_seated", "booking_priced")
BROWSE_PATHS = {"browse_api": "/api/events/?page_size=50", "browse_html": "/"}  # and browse_event's page
SEAT_DRAW_SEED = 2_000  # the seated sale's buyers draw the same seats in every run
FRIENDS = 20  # the feed reader's friends, who write its posts
STALE_WAIT_SECONDS = 3.0  # how long a page is watched for a booking to show before it counts as missed
SEATS_BOOKED = re.compile(rb'aria-label="(\d+) of \d+ seats booked"')


class Bench:
    """Holds the servers it started, so the caller can stop them whatever happens."""

    def __init__(
        self, *, sizes: Sizes, env: dict[str, str], workers: int, worker_class: str, deadline, log_dir
    ):
        self.sizes = sizes
        self.env = env
        self.workers = workers
        self.worker_class = worker_class
        self.deadline: Deadline = deadline
        self.log_dir: Path = log_dir
        self.servers: list[AppServer] = []
        self.scenarios = {
            "flash_sale": Scenario("flash_sale", "Flash sale, empty event", frozenset({201, 409})),
            "floor": Scenario("floor", "Floor: GET /api/users/me/", frozenset({200})),
            "flash_sale_scale": Scenario(
                "flash_sale_scale",
                f"Flash sale, event holding {sizes.scale_bookings:,}",
                frozenset({201, 409}),
            ),
            "booking_untyped": Scenario(
                "booking_untyped", "Booking, one default type (body: event)", frozenset({201})
            ),
            "booking_typed": Scenario(
                "booking_typed", "Booking, one of three free types (body names it)", frozenset({201})
            ),
            "booking_seated": Scenario(
                "booking_seated", "Booking, seated type (the hall chooses)", frozenset({201})
            ),
            "booking_priced": Scenario(
                "booking_priced", "Booking, priced type (held until paid)", frozenset({201})
            ),
            "seated_sale": Scenario(
                "seated_sale",
                f"Seated flash sale, {sizes.seated_seats:,} seats, {sizes.seated_buyers:,} buyers",
                frozenset({201, 409}),
            ),
            "browse_api": Scenario("browse_api", "GET /api/events/?page_size=50", frozenset({200})),
            "browse_html": Scenario("browse_html", "GET / (HTML list)", frozenset({200})),
            "browse_event": Scenario("browse_event", "GET an event page (three types)", frozenset({200})),
            "seat_map": Scenario(
                "seat_map", f"Seat map page, {sizes.seat_map_seats:,} seats", frozenset({200})
            ),
            "feed": Scenario(
                "feed", f"Community feed, {sizes.feed_posts:,} posts (signed in)", frozenset({200})
            ),
            "dashboard": Scenario(
                "dashboard",
                f"Organizer dashboard, event holding {sizes.dashboard_bookings:,}",
                frozenset({200}),
            ),
            "two_servers": Scenario("two_servers", "Flash sale, two app servers", frozenset({201, 409})),
        }
        self.counter_checks: list[dict] = []
        self.timings: dict[str, float] = {}

    # Setup -------------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Every row the scenarios need, written before any clock starts."""
        started = time.perf_counter()
        sizes = self.sizes
        self.organizer = data.create_organizer()
        pools = [data.create_attendees(f"a{r}-", sizes.attendees) for r in range(sizes.rounds)]
        self.tokens = [data.access_tokens(pool) for pool in pools]
        self.sale_events = [
            data.create_event(self.organizer, title=f"Flash sale {r + 1}", capacity=sizes.seats)
            for r in range(sizes.rounds)
        ]
        self._count_list_queries(sizes.browse_small)
        data.create_events(self.organizer, sizes.browse_events, start=sizes.browse_small)
        self._count_list_queries(sizes.browse_events)
        self.event_page, self.event_page_types = data.create_typed_event(
            self.organizer, title="An evening of three tickets", capacity=sizes.seats, price=data.PRICE
        )
        self.paths = {**BROWSE_PATHS, "browse_event": self.event_page.get_absolute_url()}
        self._prepare_scale_event()
        self._prepare_booking_events()
        self._prepare_seated_sale()
        self._prepare_seat_maps()
        self._prepare_feed()
        self._prepare_dashboards()
        data.analyze()
        self.timings["prepare_s"] = round(time.perf_counter() - started, 1)

    def _prepare_scale_event(self) -> None:
        """The big event: its last rounds x seats bookings are cancelled, so every round can open
        exactly ``seats`` fresh seats while the event keeps holding ``scale_bookings`` rows."""
        sizes = self.sizes
        self.holders = data.create_attendees("holder-", sizes.scale_bookings)
        self.scale_event = data.create_event(
            self.organizer, title="Stadium night", capacity=sizes.scale_bookings
        )
        data.fill_event(self.scale_event, self.holders, cancelled=sizes.seats * sizes.rounds)

    def _prepare_booking_events(self) -> None:
        """Per round, an event of each booking flavour with room for every booking of the round, and
        the body each attendee sends to it."""
        count, organizer = self.sizes.bookings, self.organizer
        self.booking_runs: dict[str, list[tuple]] = {name: [] for name in BOOKING_FLAVOURS}
        for r in range(self.sizes.rounds):
            untyped = data.create_event(organizer, title=f"Booking {r + 1}", capacity=count)
            typed, types = data.create_typed_event(organizer, title=f"Typed booking {r + 1}", capacity=count)
            seated, stalls = data.create_seated_event(organizer, title=f"Seated booking {r + 1}", seats=count)
            priced, priced_types = data.create_typed_event(
                organizer,
                title=f"Priced booking {r + 1}",
                capacity=count,
                names=("Standard",),
                price=data.PRICE,
            )
            for name, event, choices in (
                ("booking_untyped", untyped, []),
                ("booking_typed", typed, types),
                ("booking_seated", seated, [stalls]),
                ("booking_priced", priced, priced_types),
            ):
                self.booking_runs[name].append((event, _booking_bodies(event, choices, count)))

    def _prepare_seated_sale(self) -> None:
        sizes = self.sizes
        self.seated_tokens = data.access_tokens(data.create_attendees("seated-", sizes.seated_buyers))
        self.seated_event, self.seated_type = data.create_seated_event(
            self.organizer, title="Seated flash sale", seats=sizes.seated_seats
        )

    def _prepare_seat_maps(self) -> None:
        """SQL queries per seat map page counted in-process for a small hall and a big one; the big
        one's page is the one loaded later."""
        for seats in (self.sizes.seat_map_small, self.sizes.seat_map_seats):
            event, stalls = data.create_seated_event(self.organizer, title=f"Hall of {seats:,}", seats=seats)
            self.seat_map_path = reverse("bookings:seats", args=[event.pk, stalls.pk])
            self._count_queries("seat_map", f"{seats:,} seats", self.seat_map_path)

    def _prepare_feed(self) -> None:
        """An attendee whose friends write about the catalogue's events: the feed's SQL queries counted
        with fewer posts than a page holds, then with ``feed_posts``; its page is loaded later."""
        reader = data.create_attendees("reader-", 1)[0]
        friends = data.create_attendees("friend-", FRIENDS)
        data.make_friends(reader, friends)
        events = list(Event.objects.order_by("pk")[:50])
        path = reverse("community:feed")
        written = 0
        for posts in (self.sizes.feed_posts_small, self.sizes.feed_posts):
            data.write_posts(friends, events, count=posts - written, liked_by=reader)
            written = posts
            self._count_queries("feed", f"{posts:,} posts", path, reader)
        self.feed_request = (path, data.session_cookie(reader))

    def _prepare_dashboards(self) -> None:
        """Two organizers, each with an event holding bookings (a few, then ``dashboard_bookings``): the
        admin index's SQL queries counted for both; the second one's is loaded later."""
        path = reverse("admin:index")
        for bookings in (self.sizes.dashboard_bookings_small, self.sizes.dashboard_bookings):
            organizer = data.create_organizer(f"dashboard-{bookings}")
            event = data.create_event(organizer, title=f"Holding {bookings:,}", capacity=bookings)
            data.fill_event(event, self.holders[:bookings], cancelled=0)
            self._count_queries("dashboard", f"{bookings:,} bookings", path, organizer)
        self.dashboard_request = (path, data.session_cookie(organizer))

    def _count_list_queries(self, events: int) -> None:
        for name, path in BROWSE_PATHS.items():
            self._count_queries(name, f"{events:,} events", path)

    def _count_queries(self, name: str, size: str, path: str, user=None) -> None:
        status, queries = data.queries_per_request(path, user)
        scenario = self.scenarios[name]
        scenario.extra.setdefault("queries_per_request", {})[size] = queries
        scenario.check(f"in-process GET with {size}", status == 200, f"status {status}")

    # Servers -----------------------------------------------------------------------------------

    def start_server(self) -> AppServer:
        index = len(self.servers) + 1
        server = AppServer(
            env=self.env,
            workers=self.workers,
            worker_class=self.worker_class,
            log_path=self.log_dir / f"gunicorn-{index}.log",
        )
        self.servers.append(server)
        server.start(cwd=REPO_ROOT, timeout=min(30.0, self.deadline.remaining("server start")))
        self._warm_up(server)
        return server

    def _warm_up(self, server: AppServer) -> None:
        """Each worker opens its database connection and loads its URLs and templates off the clock."""
        kinds = [
            json_request("GET", server.base_url + "/api/users/me/", self.tokens[0][0]),
            *(self._page_request(server, path) for path in (*self.paths.values(), self.seat_map_path)),
            self._page_request(server, *self.feed_request),
            self._page_request(server, *self.dashboard_request),
        ]
        requests = [kinds[i % len(kinds)] for i in range(max(8 * len(kinds), 8 * self.workers))]
        run_load(requests, concurrency=self.sizes.concurrency, time_limit=30, request_timeout=REQUEST_TIMEOUT)

    @staticmethod
    def _page_request(server: AppServer, path: str, headers: dict[str, str] | None = None) -> Request:
        """A GET of a page or of the API, anonymous unless ``headers`` carry a session cookie."""
        accept = "application/json" if path.startswith("/api/") else "text/html"
        return Request("GET", server.base_url + path, {"Accept": accept, **(headers or {})})

    def stop_servers(self) -> None:
        for server in self.servers:
            server.stop()

    # Scenarios ---------------------------------------------------------------------------------

    def run(self) -> None:
        primary = self.start_server()
        urls = [primary.base_url]
        for r in range(self.sizes.rounds):
            self._flash_sale(self.scenarios["flash_sale"], self.sale_events[r], self.tokens[r], urls)
            self._floor(primary, self.tokens[r])
            self._browse(primary)
            data.open_seats(self.scale_event, self.sizes.seats, by=self.organizer)
            self._flash_sale(self.scenarios["flash_sale_scale"], self.scale_event, self.tokens[r], urls)
            for name in BOOKING_FLAVOURS:
                event, bodies = self.booking_runs[name][r]
                tokens = self.tokens[r][: len(bodies)]
                self._book_every_time(self.scenarios[name], event, _posts(primary, tokens, bodies))
        self.scenarios["flash_sale_scale"].extra["bookings_held"] = data.bookings_held(self.scale_event)
        self._seats_shown_after_booking(primary)
        self._seated_sale(primary)
        self._pages(primary)
        self.check_counters("after the one-server scenarios")
        self._two_servers(primary)
        self.check_counters("after the two-server flash sale")

    def _load(self, scenario: Scenario, requests: list[Request], concurrency: int = 0) -> LoadResult:
        """One timed run, with the CPU it cost every running app server and the database."""
        limit = min(PHASE_TIME_LIMIT, self.deadline.remaining(scenario.name))
        meter = CpuMeter([server.process.pid for server in self.servers if server.running])
        meter.start()
        result = run_load(
            requests,
            concurrency=concurrency or self.sizes.concurrency,
            time_limit=limit,
            request_timeout=REQUEST_TIMEOUT,
        )
        scenario.add(result, meter.stop())
        if result.sent < len(requests):
            raise BenchTimeout(f"{scenario.name}: {result.sent} of {len(requests)} requests in {limit:.0f} s")
        return result

    def _flash_sale(self, scenario: Scenario, event, tokens: list[str], base_urls: list[str]) -> None:
        """Every attendee presses Book once; exactly ``seats`` may win, whatever the interleaving."""
        before = data.confirmed_bookings(event)
        requests = [
            json_request("POST", f"{base_urls[i % len(base_urls)]}/api/bookings/", token, {"event": event.pk})
            for i, token in enumerate(tokens)
        ]
        result = self._load(scenario, requests)
        won = data.confirmed_bookings(event) - before
        seats = self.sizes.seats
        label = f"round {len(scenario.runs)}"
        scenario.check(f"{label}: confirmed bookings", won == seats, f"{won} confirmed for {seats} seats")
        scenario.check(
            f"{label}: 201 answers",
            result.statuses[201] == seats,
            f"{result.statuses[201]} for {seats} seats",
        )
        scenario.extra.update(seats=seats, attendees=len(tokens))
        scenario.extra.setdefault("confirmed_per_round", []).append(won)

    def _book_every_time(self, scenario: Scenario, event, requests: list[Request]) -> None:
        """Distinct attendees and room for all: every request confirms a booking, so the rate is what
        a booking costs, not what a refusal costs."""
        self._load(scenario, requests)
        won = data.confirmed_bookings(event)
        scenario.check(
            f"round {len(scenario.runs)}: confirmed bookings",
            won == len(requests),
            f"{won} confirmed of {len(requests)} requests",
        )
        scenario.extra["requests"] = len(requests)

    def _seated_sale(self, server: AppServer) -> None:
        """Every buyer presses Book once: the odd ones name a seat drawn at random (two may draw the
        same seat: 409 seat_taken), the even ones let the hall choose. No seat may be sold twice."""
        draw, seats = random.Random(SEAT_DRAW_SEED), data.seat_ids(self.seated_type)
        hall_chooses = {"event": self.seated_event.pk, "ticket_type": self.seated_type.pk}
        bodies = [
            hall_chooses | {"seat": draw.choice(seats)} if i % 2 else hall_chooses
            for i in range(len(self.seated_tokens))
        ]
        result = self._load(self.scenarios["seated_sale"], _posts(server, self.seated_tokens, bodies))
        self._check_seated_sale(result)

    def _check_seated_sale(self, result: LoadResult) -> None:
        scenario, seats = self.scenarios["seated_sale"], self.sizes.seated_seats
        won = data.confirmed_bookings(self.seated_event)
        held = data.seats_held(self.seated_type)
        distinct = data.distinct_seats_confirmed(self.seated_event)
        scenario.check("confirmed within the seats", won <= seats, f"{won} confirmed for {seats} seats")
        created = result.statuses[201]
        scenario.check("201 answers", created == won, f"{created} for {won} confirmed")
        scenario.check(
            "every seat held once",
            held == distinct == won,
            f"{won} confirmed bookings on {distinct} different seats; {held} seats held",
        )
        scenario.extra.update(
            seats=seats,
            buyers=len(self.seated_tokens),
            naming_a_seat=len(self.seated_tokens) // 2,
            confirmed_per_round=[won],
        )

    def _floor(self, server: AppServer, tokens: list[str]) -> None:
        requests = [json_request("GET", f"{server.base_url}/api/users/me/", token) for token in tokens]
        self._load(self.scenarios["floor"], requests)

    def _browse(self, server: AppServer) -> None:
        """Anonymous visitors of the list page, the API's list and an event page, served as production
        serves them (from the cache in Redis, one rendering a second at most)."""
        for name, path in self.paths.items():
            requests = [self._page_request(server, path) for _ in range(self.sizes.attendees)]
            self._load(self.scenarios[name], requests)
            self.scenarios[name].extra["events"] = self.sizes.browse_events

    def _seats_shown_after_booking(self, server: AppServer) -> None:
        """Each browsing path, read from the cache, then booked into: how long until it shows the
        booking. The API list's first event is booked for both lists."""
        listed = json.loads(_get(server.base_url + BROWSE_PATHS["browse_api"]))["results"][0]["id"]
        fresh = data.access_tokens(data.create_attendees("fresh-", len(self.paths)))
        listed_body = {"event": listed}
        page_body = {"event": self.event_page.pk, "ticket_type": self.event_page_types[0].pk}
        for (name, path), token in zip(self.paths.items(), fresh, strict=True):
            event_id, body = (
                (self.event_page.pk, page_body) if name == "browse_event" else (listed, listed_body)
            )
            booking = json_request("POST", f"{server.base_url}/api/bookings/", token, body)
            lag = _seconds_until_shown(server.base_url + path, _seats_reader(name, event_id), booking)
            self.scenarios[name].extra["seats_shown_after_s"] = lag

    def _pages(self, server: AppServer) -> None:
        """The heavy pages, two requests in flight per worker: every worker busy all the time, yet the
        latency is the page's, not a queue's (at 64 in flight it would be 32 pages' worth)."""
        self._page("seat_map", server, self.seat_map_path, count=self.sizes.seat_map_requests)
        self.scenarios["seat_map"].extra["seats"] = self.sizes.seat_map_seats
        self._page("feed", server, *self.feed_request)
        self.scenarios["feed"].extra["posts"] = self.sizes.feed_posts
        self._page("dashboard", server, *self.dashboard_request)
        self.scenarios["dashboard"].extra["bookings"] = self.sizes.dashboard_bookings

    def _page(self, name: str, server: AppServer, path: str, headers=None, count: int = 0) -> None:
        concurrency = 2 * self.workers
        request = self._page_request(server, path, headers)
        self._load(self.scenarios[name], [request] * (count or self.sizes.page_requests), concurrency)
        self.scenarios[name].extra["concurrency"] = concurrency

    def _two_servers(self, primary: AppServer) -> None:
        """A second app server on the same database: the row lock, not a process, keeps the count."""
        second = self.start_server()
        event = data.create_event(self.organizer, title="Flash sale, two servers", capacity=self.sizes.seats)
        scenario = self.scenarios["two_servers"]
        self._flash_sale(scenario, event, self.tokens[0], [primary.base_url, second.base_url])
        scenario.extra.update(servers=2, workers_per_server=self.workers)
        second.stop()

    def check_counters(self, when: str) -> None:
        """The app's own audit: every event's booked_seats against its confirmed rows."""
        done = subprocess.run(
            [sys.executable, "manage.py", "check_booking_counters"],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=min(120.0, self.deadline.remaining("check_booking_counters")),
        )
        output = (done.stdout + done.stderr).strip().splitlines()
        self.counter_checks.append(
            {"check": f"check_booking_counters {when}", "ok": done.returncode == 0, "detail": output[-1:]}
        )


def _booking_bodies(event, ticket_types: list, count: int) -> list[dict]:
    """``count`` bodies booking ``event``, naming its ``ticket_types`` in turn (none when empty)."""
    if not ticket_types:
        return [{"event": event.pk}] * count
    return [{"event": event.pk, "ticket_type": ticket_types[i % len(ticket_types)].pk} for i in range(count)]


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT) as response:
        return response.read()


def _send(request: Request) -> int:
    sent = urllib.request.Request(request.url, request.body, request.headers, method=request.method)
    try:
        with urllib.request.urlopen(sent, timeout=REQUEST_TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def _seats_reader(name: str, event_id: int):
    """How a browsing path shows the seats an event has booked: the API by ``seats_left``, the pages by
    the seats bar (the list page's bar of that event comes after its link)."""
    if name == "browse_api":
        return lambda body: next(-e["seats_left"] for e in json.loads(body)["results"] if e["id"] == event_id)
    link = Event.objects.get(pk=event_id).get_absolute_url().encode()

    def booked(body: bytes) -> int:
        start = body.find(b'href="' + link + b'"') if name == "browse_html" else 0
        if start < 0:
            raise RuntimeError(f"{name}: event {event_id} is not on the page")
        return int(SEATS_BOOKED.search(body, start).group(1))

    return booked


def _seconds_until_shown(url: str, read, booking: Request) -> float | None:
    """Seconds from a booking's answer until ``url`` shows it (read twice before, so a copy of the page
    is in the cache for the booking to outdate); None when it was not shown within STALE_WAIT_SECONDS."""
    before = read(_get(url))
    read(_get(url))
    status = _send(booking)
    if status != 201:
        raise RuntimeError(f"booking to watch {url} answered {status}")
    booked = time.perf_counter()
    while True:
        shown = read(_get(url)) != before
        waited = time.perf_counter() - booked
        if shown:
            return round(waited, 3)
        if waited >= STALE_WAIT_SECONDS:
            return None
        time.sleep(0.02)


def _posts(server: AppServer, tokens: list[str], bodies: list[dict]) -> list[Request]:
    """One booking request per attendee, each with its own body."""
    url = f"{server.base_url}/api/bookings/"
    return [json_request("POST", url, token, body) for token, body in zip(tokens, bodies, strict=True)]
