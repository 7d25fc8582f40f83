"""CPU per browsing request, measured in this process: where `make bench` says a page is slow, this says why.

    .venv/bin/python -m bench.profile_browse                   # CPU ms per request, uncached and cached
    .venv/bin/python -m bench.profile_browse --cache redis     # the cache in Redis (--redis-url)
    .venv/bin/python -m bench.profile_browse --profile api     # and the hottest functions of one path
    .venv/bin/python -m bench.profile_browse --pages           # and the signed-in pages (see below)

It recreates its own PostgreSQL database (``eventhub_profile_bench``, or BENCH_DATABASE_URL; the
same refusals as the bench), writes published events with ticket types, a category and tags, then
sends each path through Django's own handler (the test Client, DEBUG off, after a warm-up) and
reads the process's CPU time (time.process_time), not wall time, so other work on the machine
hardly moves the numbers. The floor is ``GET /api/users/me/`` signed in with a JWT.

With ``--pages``, three heavier pages too, each signed in with a session: the seat map of a hall of
SEATS seats (a tenth of them taken) seen by an attendee, that attendee's feed (FRIENDS friends who
wrote POSTS posts, some shared, commented and liked), and the organizer dashboard (the admin's
index) of an organizer whose event holds BOOKINGS bookings.
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
SEATS, FRIENDS, POSTS, BOOKINGS = 5_000, 20, 300, 10_000
PAGES = ("seats", "feed", "dashboard")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200, help="measured requests per path")
    parser.add_argument("--cache", choices=("locmem", "redis"), default="locmem")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--pages", action="store_true", help="also the seat map, feed and dashboard")
    parser.add_argument(
        "--profile", choices=("api", "html", "event", "floor", *PAGES), help="cProfile one path"
    )
    parser.add_argument("--served", action="store_true", help="profile with the cache, not without")
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


def signed_in(user):
    """A client with ``user``'s session, as a browser signed in to the site holds one."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def create_pages() -> dict:
    """The rows behind the three signed-in pages; their paths, each with the client that asks."""
    from django.urls import reverse

    from accounts.services import register_account
    from bench import data
    from bookings.views import seat_map_url
    from events.models import Seat

    organizer = register_account(
        username="profile-organizer", email="pages@bench.invalid", password=data.PASSWORD, role="organizer"
    )
    hall, stalls = data.create_seated_event(organizer, title="Seated concert", seats=SEATS)
    Seat.objects.filter(ticket_type=stalls, number__lte=SEATS // 500).update(held=True)
    busy = data.create_event(organizer, title="Full concert", capacity=BOOKINGS)
    data.fill_event(busy, data.create_attendees("profile-holder", BOOKINGS), cancelled=BOOKINGS // 20)
    viewer = create_feed()
    data.analyze()
    return {
        "seats": (seat_map_url(hall.pk, stalls.pk), {}, signed_in(viewer)),
        "feed": (reverse("community:feed"), {}, signed_in(viewer)),
        "dashboard": (reverse("admin:index"), {}, signed_in(organizer)),
    }


def create_feed():
    """An attendee with FRIENDS friends who wrote POSTS posts through the community's own services:
    every fifth friends-only, every seventh a share of the last public one, every third commented on and
    every fourth liked by the attendee."""
    from django.test import override_settings

    from bench import data
    from community import friends, posts
    from community.models import Post

    viewer, *others = data.create_attendees("profile-reader", FRIENDS + 1)
    for other in others:
        friends.accept_request(friendship=friends.request_friendship(by=other, to=viewer), by=viewer)
    public: list[Post] = []
    with override_settings(COMMUNITY_WRITES_PER_WINDOW=POSTS * 2):
        for i in range(POSTS):
            author = others[i % FRIENDS]
            if i % 7 == 6:
                post = posts.share(by=author, post=public[-1], body=f"Look at this, number {i}.")
            else:
                visibility = Post.Visibility.FRIENDS if i % 5 == 4 else Post.Visibility.PUBLIC
                post = posts.create_post(
                    author=author, body=f"Post {i}: see you there.", visibility=visibility
                )
            if i % 3 == 0:
                posts.create_comment(post=post, author=viewer, body=f"Reply to {i}.")
            if i % 4 == 0:
                posts.like(by=viewer, target=post)
            if post.visibility == Post.Visibility.PUBLIC:
                public.append(post)
    return viewer


def cpu_ms_per_request(client, path: str, count: int, **headers) -> float:
    for _ in range(20):  # warm-up: templates, URL resolvers, content types, the first cache fill
        response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code)
    started = time.process_time()
    for _ in range(count):
        client.get(path, **headers)
    return (time.process_time() - started) * 1000 / count


def queries(client, path: str, **headers) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(path, **headers)
    return len(captured)


def measure(paths: dict, count: int) -> dict[str, tuple[float, int]]:
    """Per path: (CPU ms per request, SQL queries of one request)."""
    return {
        name: (cpu_ms_per_request(client, path, count, **extra), queries(client, path, **extra))
        for name, (path, extra, client) in paths.items()
    }


def report(paths: dict, rendered: dict, served: dict, args) -> None:
    print(f"{args.events} events, {args.requests} requests a path: CPU ms per request (floor/this) queries")
    print(f"  {'':9} {'path':40} {'no cache':>22} {'cache ' + args.cache:>22}")
    for name, (path, _, _) in paths.items():
        columns = (
            f"{r[name][0]:7.2f} ({r['floor'][0] / r[name][0]:5.2f}) {r[name][1]:4d}q"
            for r in (rendered, served)
        )
        print(f"  {name:9} {path:40} " + " ".join(f"{column:>22}" for column in columns))


def main(argv=None) -> None:
    args = parse_args(argv)
    setup(args)
    from django.test import Client, override_settings

    from bench.data import NO_CACHE

    _, first = create_catalogue(args.events)
    token = floor_token()
    anonymous = Client(HTTP_HOST="127.0.0.1")
    paths = {
        "api": ("/api/events/?page_size=50", {}, anonymous),
        "html": ("/", {}, anonymous),
        "event": (first.get_absolute_url(), {}, anonymous),
        "floor": ("/api/users/me/", {"HTTP_AUTHORIZATION": f"Bearer {token}"}, anonymous),
    }
    if args.pages or args.profile in PAGES:
        paths |= create_pages()
    with override_settings(CACHES=NO_CACHE):
        rendered = measure(paths, args.requests)
    served = measure(paths, args.requests)
    report(paths, rendered, served, args)
    if args.profile:
        path, headers, client = paths[args.profile]
        profiler = cProfile.Profile()
        caches = {} if args.served else {"CACHES": NO_CACHE}  # what rendering costs, or serving
        with override_settings(**caches):
            profiler.runcall(lambda: [client.get(path, **headers) for _ in range(args.requests)])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
