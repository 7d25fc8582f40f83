"""The bench's scenarios, run in order against real gunicorn servers on one fresh database.

Rounds interleave the scenarios whose rates are compared (flash sale on an empty event, the
floor, flash sale on a 100,000-booking event, confirmed bookings of an untyped, a typed and a
seated event), so a slow moment on the machine touches all of them alike instead of skewing one
ratio. The seated sale, browse, seat map and two-server scenarios run once.
"""

import random
import subprocess
import sys
import time
from pathlib import Path

from django.urls import reverse

from bench import data
from bench.cpu import CpuMeter
from bench.database import REPO_ROOT
from bench.loadgen import LoadResult, Request, json_request, run_load
from bench.plan import BenchTimeout, Deadline, Sizes
from bench.server import AppServer
from bench.stats import Scenario

REQUEST_TIMEOUT = 30.0
PHASE_TIME_LIMIT = 90.0
BOOKING_FLAVOURS = ("booking_untyped", "booking_typed", "booking_seated")
SEAT_DRAW_SEED = 2_000  # the seated sale's buyers draw the same seats in every run


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
                "booking_typed", "Booking, one of three types (body names it)", frozenset({201})
            ),
            "booking_seated": Scenario(
                "booking_seated", "Booking, seated type (the hall chooses)", frozenset({201})
            ),
            "seated_sale": Scenario(
                "seated_sale",
                f"Seated flash sale, {sizes.seated_seats:,} seats, {sizes.seated_buyers:,} buyers",
                frozenset({201, 409}),
            ),
            "browse_api": Scenario("browse_api", "GET /api/events/?page_size=50", frozenset({200})),
            "browse_html": Scenario("browse_html", "GET / (HTML list)", frozenset({200})),
            "seat_map": Scenario(
                "seat_map", f"Seat map page, {sizes.seat_map_seats:,} seats", frozenset({200})
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
        self._prepare_scale_event()
        self._prepare_booking_events()
        self._prepare_seated_sale()
        self._prepare_seat_maps()
        data.analyze()
        self.timings["prepare_s"] = round(time.perf_counter() - started, 1)

    def _prepare_scale_event(self) -> None:
        """The big event: its last rounds x seats bookings are cancelled, so every round can open
        exactly ``seats`` fresh seats while the event keeps holding ``scale_bookings`` rows."""
        sizes = self.sizes
        holders = data.create_attendees("holder-", sizes.scale_bookings)
        self.scale_event = data.create_event(
            self.organizer, title="Stadium night", capacity=sizes.scale_bookings
        )
        data.fill_event(self.scale_event, holders, cancelled=sizes.seats * sizes.rounds)

    def _prepare_booking_events(self) -> None:
        """Per round, an event of each booking flavour with room for every booking of the round, and
        the body each attendee sends to it."""
        count, organizer = self.sizes.bookings, self.organizer
        self.booking_runs: dict[str, list[tuple]] = {name: [] for name in BOOKING_FLAVOURS}
        for r in range(self.sizes.rounds):
            untyped = data.create_event(organizer, title=f"Booking {r + 1}", capacity=count)
            typed, types = data.create_typed_event(organizer, title=f"Typed booking {r + 1}", capacity=count)
            seated, stalls = data.create_seated_event(organizer, title=f"Seated booking {r + 1}", seats=count)
            for name, event, choices in (
                ("booking_untyped", untyped, []),
                ("booking_typed", typed, types),
                ("booking_seated", seated, [stalls]),
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
        scenario = self.scenarios["seat_map"]
        for seats in (self.sizes.seat_map_small, self.sizes.seat_map_seats):
            event, stalls = data.create_seated_event(self.organizer, title=f"Hall of {seats:,}", seats=seats)
            self.seat_map_path = reverse("bookings:seats", args=[event.pk, stalls.pk])
            status, queries = data.queries_per_request(self.seat_map_path)
            scenario.extra.setdefault("queries_per_request", {})[str(seats)] = queries
            scenario.check(f"in-process GET with {seats:,} seats", status == 200, f"status {status}")

    def _count_list_queries(self, events: int) -> None:
        for name, path in (("browse_api", "/api/events/?page_size=50"), ("browse_html", "/")):
            status, queries = data.queries_per_request(path)
            scenario = self.scenarios[name]
            scenario.extra.setdefault("queries_per_request", {})[str(events)] = queries
            scenario.check(f"in-process GET with {events:,} events", status == 200, f"status {status}")

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
        paths = ("/api/users/me/", "/api/events/?page_size=50", "/", self.seat_map_path)
        tokens = self.tokens[0]
        requests = [
            json_request("GET", server.base_url + paths[i % len(paths)], tokens[i % len(tokens)])
            for i in range(max(60, 8 * self.workers))
        ]
        run_load(requests, concurrency=self.sizes.concurrency, time_limit=30, request_timeout=REQUEST_TIMEOUT)

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
            data.open_seats(self.scale_event, self.sizes.seats, by=self.organizer)
            self._flash_sale(self.scenarios["flash_sale_scale"], self.scale_event, self.tokens[r], urls)
            for name in BOOKING_FLAVOURS:
                event, bodies = self.booking_runs[name][r]
                tokens = self.tokens[r][: len(bodies)]
                self._book_every_time(self.scenarios[name], event, _posts(primary, tokens, bodies))
        self.scenarios["flash_sale_scale"].extra["bookings_held"] = data.bookings_held(self.scale_event)
        self._seated_sale(primary)
        self._browse(primary)
        self._seat_map(primary)
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
        count = self.sizes.attendees
        for name, path in (("browse_api", "/api/events/?page_size=50"), ("browse_html", "/")):
            requests = [json_request("GET", server.base_url + path) for _ in range(count)]
            self._load(self.scenarios[name], requests)
            self.scenarios[name].extra["events"] = self.sizes.browse_events

    def _seat_map(self, server: AppServer) -> None:
        """Anonymous viewers of the big hall's map, two per worker: every worker busy all the time, yet
        the latency is the page's, not a queue's (at 64 in flight it would be 32 pages' worth)."""
        concurrency = 2 * self.workers
        url = server.base_url + self.seat_map_path
        requests = [Request("GET", url, {"Accept": "text/html"}) for _ in range(self.sizes.seat_map_requests)]
        self._load(self.scenarios["seat_map"], requests, concurrency=concurrency)
        self.scenarios["seat_map"].extra.update(seats=self.sizes.seat_map_seats, concurrency=concurrency)

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


def _posts(server: AppServer, tokens: list[str], bodies: list[dict]) -> list[Request]:
    """One booking request per attendee, each with its own body."""
    url = f"{server.base_url}/api/bookings/"
    return [json_request("POST", url, token, body) for token, body in zip(tokens, bodies, strict=True)]
