"""An asyncio load generator: a fixed list of requests, a fixed number in flight, bounded in time.

One process, one event loop, one aiohttp session: cheap enough per request that on a 2-core
machine it leaves the cores to the server. It measures its own CPU share (process CPU time over
wall time) so a reader can tell whether the generator, not the server, was the bottleneck.
"""

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

ERROR_STATUS = 0  # a request that got no HTTP answer (timeout, refused connection)


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


@dataclass
class LoadResult:
    latencies: list[float]  # seconds, one per answered request
    statuses: Counter  # HTTP status -> count (0: no answer)
    codes: Counter  # "409 event_full" -> count, from the {"detail", "code"} error shape
    wall: float
    cpu: float
    sent: int
    samples: list[str]  # a few bodies of 5xx answers and transport errors, to say what went wrong

    @property
    def rps(self) -> float:
        return self.sent / self.wall if self.wall else 0.0

    @property
    def cpu_share(self) -> float:
        return self.cpu / self.wall if self.wall else 0.0


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least pct% of values at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def json_request(method: str, url: str, token: str | None = None, payload: dict | None = None) -> Request:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = None
    if payload is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(payload).encode()
    return Request(method, url, headers, body)


class _Run:
    """The shared state of one load run; a single event loop, so no locks are needed."""

    def __init__(self, requests: list[Request], deadline: float):
        self.requests = requests
        self.deadline = deadline
        self.next_index = 0
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.codes: Counter = Counter()
        self.samples: list[str] = []

    def take(self) -> Request | None:
        if self.next_index >= len(self.requests) or time.monotonic() >= self.deadline:
            return None
        self.next_index += 1
        return self.requests[self.next_index - 1]

    def record(self, status: int, elapsed: float, body: bytes) -> None:
        self.statuses[status] += 1
        self.latencies.append(elapsed)
        if 400 <= status < 500:
            self.codes[f"{status} {_error_code(body)}"] += 1
        elif status >= 500 and len(self.samples) < 5:
            self.samples.append(f"{status}: {body[:300]!r}")

    def record_error(self, exc: BaseException) -> None:
        self.statuses[ERROR_STATUS] += 1
        if len(self.samples) < 5:
            self.samples.append(f"no answer: {type(exc).__name__}: {exc}")


def _error_code(body: bytes) -> str:
    try:
        return str(json.loads(body).get("code", "-"))
    except (ValueError, AttributeError):
        return "-"


async def _worker(session: aiohttp.ClientSession, run: _Run) -> None:
    while (request := run.take()) is not None:
        started = time.perf_counter()
        try:
            async with session.request(
                request.method, request.url, headers=request.headers, data=request.body
            ) as response:
                body = await response.read()
            run.record(response.status, time.perf_counter() - started, body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            run.record_error(exc)


async def _drive(
    requests: list[Request], concurrency: int, time_limit: float, request_timeout: float
) -> _Run:
    run = _Run(requests, time.monotonic() + time_limit)
    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=request_timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        workers = [_worker(session, run) for _ in range(min(concurrency, len(requests)))]
        # The whole run stops at its time limit plus one request timeout, whatever happens.
        await asyncio.wait_for(asyncio.gather(*workers), time_limit + request_timeout + 1)
    return run


def run_load(
    requests: list[Request], *, concurrency: int, time_limit: float, request_timeout: float = 30.0
) -> LoadResult:
    """Send every request once, ``concurrency`` at a time; stop early when ``time_limit`` runs out."""
    wall_start, cpu_start = time.perf_counter(), time.process_time()
    run = asyncio.run(_drive(requests, concurrency, time_limit, request_timeout))
    wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    return LoadResult(
        latencies=run.latencies,
        statuses=run.statuses,
        codes=run.codes,
        wall=wall,
        cpu=cpu,
        sent=run.next_index,
        samples=run.samples,
    )
