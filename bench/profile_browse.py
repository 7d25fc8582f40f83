"""CPU per browsing request, measured in this process: where `make bench` says a page is slow, this says why.

    .venv/bin/python -m bench.profile_browse                   # CPU ms per request, uncached and cached
    .venv/bin/python -m bench.profile_browse --cache redis     # the cache in Redis (--redis-url)
    .venv/bin/python -m bench.profile_browse --profile api     # and the hottest functions of one path

It recreates its own PostgreSQL database (``eventhub_profile_bench``, or BENCH_DATABASE_URL; the
same refusals as the bench), writes published events with ticket types, a category and tags, then
sends each path through Django's own handler (the test Client, DEBUG off, after a warm-up) and
reads the process's CPU time (time.process_time), not wall time, so other work on the machine
hardly moves the numbers. The floor is ``GET /api/users/me/`` signed in with a JWT.
"""

import argparse
import cProfile
import os
import pstats
import time

from bench import database
from bench.server import production_env

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/eventhub_profile_bench"
TAGS = ("jazz", "outdoors", "family", "late")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200, help="measured requests per path")
    parser.add_argument("--cache", choices=("locmem", "redis"), default="locmem")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--profile", choices=("api", "html", "event", "floor"), help="cProfile one path")
    return parser.parse_args(argv)


def setup(args) -> None:
    db = database.DatabaseUrl(args.database_url)
    database.recreate(db)
    cache_url = args.redis_url if args.cache == "redis" else "locmemcache://"
    env = production_env(database_url=args.database_url, cache_url=cache_url, EMAIL_URL="dummymail://")
    database.setup_django(env)
    database.migrate()


def create_catalogue(count: int):
    """``count`` published events, each with its default type and a priced one, a category and two tags."""
    from bench import data  # models: only once Django is set up
    from events.models import Category, Event, Tag, TicketType

    organizer = data.create_organizer()
    data.create_events(organizer, count)
    tags = [Tag.objects.create(name=name, slug=name) for name in TAGS]
    categories = list(Category.objects.all())
    events = list(Event.objects.order_by("pk"))
    for i, event in enumerate(events):
        event.category = categories[i % len(categories)] if categories else None
        event.tags.set(tags[i % 3 : i % 3 + 2])
    Event.objects.bulk_update(events, ["category"])
    TicketType.objects.bulk_create(
        TicketType(event=event, name="VIP", capacity=10, price="90.00", position=1) for event in events
    )
    data.analyze()
    return organizer, events[0]


def floor_token() -> str:
    from bench import data

    return data.access_tokens(data.create_attendees("profile-floor", 1))[0]


def cpu_ms_per_request(client, path: str, count: int, **headers) -> float:
    for _ in range(20):  # warm-up: templates, URL resolvers, content types, the first cache fill
        response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code)
    started = time.process_time()
    for _ in range(count):
        client.get(path, **headers)
    return (time.process_time() - started) * 1000 / count


def measure(client, paths: dict, count: int) -> dict[str, float]:
    return {name: cpu_ms_per_request(client, path, count, **extra) for name, (path, extra) in paths.items()}


def main(argv=None) -> None:
    args = parse_args(argv)
    setup(args)
    from django.test import Client, override_settings

    from bench.data import NO_CACHE

    _, first = create_catalogue(args.events)
    token = floor_token()
    paths = {
        "api": ("/api/events/?page_size=50", {}),
        "html": ("/", {}),
        "event": (first.get_absolute_url(), {}),
        "floor": ("/api/users/me/", {"HTTP_AUTHORIZATION": f"Bearer {token}"}),
    }
    client = Client(HTTP_HOST="127.0.0.1")
    with override_settings(CACHES=NO_CACHE):
        rendered = measure(client, paths, args.requests)
    served = measure(client, paths, args.requests)
    print(f"{args.events} events, {args.requests} requests a path: CPU ms per request (floor/this)")
    print(f"  {'':6} {'path':40} {'no cache':>16} {'cache ' + args.cache:>16}")
    for name, (path, _) in paths.items():
        columns = (f"{r[name]:7.2f} ({r['floor'] / r[name]:5.2f})" for r in (rendered, served))
        print(f"  {name:6} {path:40} " + " ".join(f"{column:>16}" for column in columns))
    if args.profile:
        path, headers = paths[args.profile]
        profiler = cProfile.Profile()
        with override_settings(CACHES=NO_CACHE):  # what rendering costs
            profiler.runcall(lambda: [client.get(path, **headers) for _ in range(args.requests)])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
