"""The bench's scenarios, run in order against real gunicorn servers on one fresh database.

Rounds interleave the scenarios whose rates are compared (flash sale on an empty event, the
floor, flash sale on a 100,000-booking event), so a slow moment on the machine touches all of
them alike instead of skewing one ratio. The browse and two-server scenarios run once.
"""

import subprocess
import sys
import time
from pathlib import Path

from bench import data
from bench.cpu import CpuMeter
from bench.database import REPO_ROOT
from bench.loadgen import LoadResult, Request, json_request, run_load
from bench.plan import BenchTimeout, Deadline, Sizes
from bench.server import AppServer
from bench.stats import Scenario

REQUEST_TIMEOUT = 30.0
PHASE_TIME_LIMIT = 90.0


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
            "browse_api": Scenario("browse_api", "GET /api/events/?page_size=50", frozenset({200})),
            "browse_html": Scenario("browse_html", "GET / (HTML list)", frozenset({200})),
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
        paths = ("/api/users/me/", "/api/events/?page_size=50", "/")
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
        self.scenarios["flash_sale_scale"].extra["bookings_held"] = data.bookings_held(self.scale_event)
        self._browse(primary)
        self.check_counters("after the one-server scenarios")
        self._two_servers(primary)
        self.check_counters("after the two-server flash sale")

    def _load(self, scenario: Scenario, requests: list[Request]) -> LoadResult:
        """One timed run, with the CPU it cost every running app server and the database."""
        limit = min(PHASE_TIME_LIMIT, self.deadline.remaining(scenario.name))
        meter = CpuMeter([server.process.pid for server in self.servers if server.running])
        meter.start()
        result = run_load(
            requests, concurrency=self.sizes.concurrency, time_limit=limit, request_timeout=REQUEST_TIMEOUT
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

    def _floor(self, server: AppServer, tokens: list[str]) -> None:
        requests = [json_request("GET", f"{server.base_url}/api/users/me/", token) for token in tokens]
        self._load(self.scenarios["floor"], requests)

    def _browse(self, server: AppServer) -> None:
        count = self.sizes.attendees
        for name, path in (("browse_api", "/api/events/?page_size=50"), ("browse_html", "/")):
            requests = [json_request("GET", server.base_url + path) for _ in range(count)]
            self._load(self.scenarios[name], requests)
            self.scenarios[name].extra["events"] = self.sizes.browse_events

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
