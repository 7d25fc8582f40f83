"""Run the eventhub benchmark: ``python -m bench.run`` (``make bench``), or ``--smoke`` for a quick check.

It creates a fresh PostgreSQL database, starts the app under gunicorn on loopback ports, runs the
scenarios (see bench/README.md), writes results.json, results.md and latency.png, and stops every
process it started, also on failure or Ctrl-C. Exit status: 1 on any correctness failure
(overbooking, a server error, a counter that drifted, an unexpected answer) or a time-out; 2 when
a performance target is missed and --strict is given.
"""

import argparse
import dataclasses
import logging
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench import database, report
from bench.plan import FULL, SMOKE, BenchTimeout, Deadline
from bench.server import production_env

BENCH_DIR = Path(__file__).resolve().parent
LOG_DIR = BENCH_DIR / "out"  # the servers' logs, never committed
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/eventhub_bench"
SMOKE_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/eventhub_bench_smoke"
DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/14"
DEFAULT_CACHE_URL = "redis://127.0.0.1:6379/13"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, results in bench/out/")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server (default 2)")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--rounds", type=int, help="rounds of the compared scenarios (default 3; smoke 1)")
    parser.add_argument("--timeout", type=float, help="seconds for the whole run (default 480; smoke 120)")
    parser.add_argument("--strict", action="store_true", help="also exit non-zero when a target is missed")
    parser.add_argument("--out", type=Path, help="where results go (default bench/, smoke: bench/out/)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="PostgreSQL for the bench, dropped and recreated; its name must contain 'bench' "
        f"(default $BENCH_DATABASE_URL, else {DEFAULT_DATABASE_URL}; smoke: {SMOKE_DATABASE_URL})",
    )
    parser.add_argument(
        "--broker-url",
        default=os.environ.get("BENCH_BROKER_URL", DEFAULT_BROKER_URL),
        help="Redis database the app servers queue background work in, as production does (emptied "
        f"before and after the run; default $BENCH_BROKER_URL, else {DEFAULT_BROKER_URL})",
    )
    parser.add_argument(
        "--cache-url",
        default=os.environ.get("BENCH_CACHE_URL", DEFAULT_CACHE_URL),
        help="Redis database the app servers cache in (anonymous pages, throttles), as production does "
        f"(emptied before and after the run; default $BENCH_CACHE_URL, else {DEFAULT_CACHE_URL})",
    )
    args = parser.parse_args(argv)
    if args.cache_url == args.broker_url:
        parser.error("--cache-url and --broker-url must name different Redis databases")
    args.database_url = args.database_url or (SMOKE_DATABASE_URL if args.smoke else DEFAULT_DATABASE_URL)
    return args


def _interrupt_on_signals() -> None:
    """Ctrl-C and TERM (from make, CI or kill) unwind through the cleanup that stops the servers,
    even when the bench was started in the background, where INT is inherited as ignored."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    # An interrupted load run leaves cancelled request futures; asyncio would log each one.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)


def run_bench(args: argparse.Namespace, out_dir: Path) -> dict:
    load_at_start = os.getloadavg()[0]
    sizes = SMOKE if args.smoke else FULL
    if args.rounds:
        sizes = dataclasses.replace(sizes, rounds=args.rounds)
    deadline = Deadline(args.timeout or (120.0 if args.smoke else 480.0))
    db = database.DatabaseUrl(args.database_url)
    static_root = Path(tempfile.mkdtemp(prefix="eventhub-bench-static-"))
    env = production_env(
        database_url=db.url,
        cache_url=args.cache_url,
        STATIC_ROOT=str(static_root),
        CELERY_BROKER_URL=args.broker_url,
    )
    empty_redis(args.broker_url, args.cache_url)
    print(f"Database {db.name}: recreating and migrating")
    postgres_version = database.recreate(db)
    database.setup_django(env)
    database.migrate()
    from bench.scenarios import Bench  # imports the app's models: only once Django is set up

    bench = Bench(
        sizes=sizes,
        env=env,
        workers=args.workers,
        worker_class=args.worker_class,
        deadline=deadline,
        log_dir=LOG_DIR,
    )
    try:
        print("Writing bench data (attendees, events, the big event's bookings)")
        bench.prepare()
        print(f"Running {sizes.rounds} round(s) against {args.workers} {args.worker_class} workers")
        bench.run()
    finally:
        bench.stop_servers()
        empty_redis(args.broker_url, args.cache_url)
    summaries = {name: scenario.summary() for name, scenario in bench.scenarios.items()}
    return {
        "machine": report.machine(postgres_version, load_at_start),
        "config": {
            "mode": "smoke" if args.smoke else "full",
            "workers": args.workers,
            "worker_class": args.worker_class,
            **sizes.__dict__,
            "database": db.name,
            "elapsed_s": round(deadline.seconds - deadline.remaining("the report"), 1),
            **bench.timings,
        },
        "scenarios": summaries,
        "counter_checks": bench.counter_checks,
        "targets": report.targets(summaries),
        "cpu_ratios": report.cpu_ratios(summaries),
        "failures": report.correctness_failures(summaries, bench.counter_checks),
    }


def empty_redis(*urls: str) -> None:
    """Drop what the servers left in Redis: the emails and other tasks they queued (no worker runs
    during a bench) and their cache, so each run starts cold and leaves nothing behind.

    Only a Redis on this machine is emptied, as only a database on it is dropped.
    """
    import redis

    for url in urls:
        if urlsplit(url).hostname not in database.LOOPBACK_HOSTS:
            raise SystemExit(f"The bench empties its Redis databases, so they must be on this machine: {url}")
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()


def publish(results: dict, out_dir: Path) -> None:
    report.write_json(out_dir / "results.json", results)
    report.write_markdown(out_dir / "results.md", results)
    report.write_chart(out_dir / "latency.png", results)
    print((out_dir / "results.md").read_text())
    print(f"Results: {out_dir / 'results.json'}, {out_dir / 'results.md'}, {out_dir / 'latency.png'}")


def verdict(results: dict, strict: bool) -> int:
    for target in results["targets"]:
        mark = "MET   " if target["met"] else "MISSED"
        print(f"{mark}  {target['target']}: {target['value']} ({target['goal']})")
    if results["failures"]:
        print("FAILED: " + "; ".join(results["failures"]), file=sys.stderr)
        return 1
    print(f"Server CPU per request, as ratios: {results['cpu_ratios']}")
    missed = [t["target"] for t in results["targets"] if not t["met"]]
    if missed and strict:
        print(f"Targets missed (--strict): {', '.join(missed)}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out_dir = args.out or (BENCH_DIR / "out" if args.smoke else BENCH_DIR)
    out_dir.mkdir(parents=True, exist_ok=True)
    LOG_DIR.mkdir(exist_ok=True)
    _interrupt_on_signals()
    started = time.perf_counter()
    try:
        results = run_bench(args, out_dir)
    except (BenchTimeout, RuntimeError, ValueError) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted: servers stopped.", file=sys.stderr)
        return 130
    publish(results, out_dir)
    print(f"Finished in {time.perf_counter() - started:.0f} s; the bench database is kept for inspection.")
    return verdict(results, args.strict)


if __name__ == "__main__":
    sys.exit(main())
