"""Targets, and the three files a run leaves: results.json (everything), results.md (the table the
README links to) and latency.png (the latency percentiles, for the README)."""

import json
import os
import platform
import textwrap
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

BOOKING_FLOOR_TARGET = 0.6
BROWSE_FLOOR_TARGET = 0.8  # anonymous browsing: at least 0.8 of the floor's rate
SCALE_TARGET = 0.85  # within 15% of the empty event's rate
FLAVOUR_TARGET = 0.9  # typed and seated booking: at most about 10% costlier than untyped
SEAT_MAP_P95_MS = 150
API_LIST_APP_CPU_MS = 4.0
PAGE_FLOOR_CPU_TIMES = 3  # the heavy pages: at most three times the floor's app CPU per request
SEATS_STALE_SECONDS = 1.0
PRETIX_ORDERS_PER_MINUTE = 500  # pretix's published ceiling per event with quotas, not measured here
FLAVOURS = {
    "booking_untyped": "untyped",
    "booking_typed": "typed",
    "booking_seated": "seated",
    "booking_priced": "priced",
}
BROWSING = ("browse_api", "browse_html", "browse_event")
PAGES = ("seat_map", "feed", "dashboard")


def machine(postgres_version: str, load_at_start: float) -> dict:
    """What the figures were measured on; a 1-minute load average well above 0 at the start means
    something else was using the cores."""
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "django": version("django"),
        "postgresql": postgres_version,
        "gunicorn": version("gunicorn"),
        "aiohttp": version("aiohttp"),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_at_start": round(load_at_start, 2),
        "load_average_at_end": round(os.getloadavg()[0], 2),
    }


def _cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown"
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else "unknown"


def _ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 3) if denominator else 0.0


def targets(summaries: dict[str, dict]) -> list[dict]:
    """Each target with its measured value and whether it is met."""
    return [
        *_overbooking_targets(summaries),
        *_rate_targets(summaries),
        *_flavour_targets(summaries),
        *_browse_targets(summaries),
        *_page_targets(summaries),
    ]


def _overbooking_targets(summaries: dict[str, dict]) -> list[dict]:
    return [
        _target(
            "No overbooking, one server",
            "each sale confirms exactly its seats",
            _confirmed(summaries, "flash_sale", "flash_sale_scale"),
            _checks_ok(summaries, "flash_sale", "flash_sale_scale"),
        ),
        _target(
            "No overbooking, seated sale",
            "at most its seats confirmed, each seat held once, only 201 and 409",
            _confirmed(summaries, "seated_sale"),
            _checks_ok(summaries, "seated_sale") and not summaries["seated_sale"]["unexpected_statuses"],
        ),
        _target(
            "No overbooking, two servers",
            "exactly its seats confirmed",
            _confirmed(summaries, "two_servers"),
            _checks_ok(summaries, "two_servers"),
        ),
    ]


def _rate_targets(summaries: dict[str, dict]) -> list[dict]:
    scale = _ratio(summaries["flash_sale_scale"]["rps"], summaries["flash_sale"]["rps"])
    return [
        _floor_rate_target(summaries, "flash_sale", "Flash sale", BOOKING_FLOOR_TARGET),
        *(
            _floor_rate_target(summaries, key, f"Booking, {name}", BOOKING_FLOOR_TARGET)
            for key, name in FLAVOURS.items()
        ),
        _target(
            f"{summaries['flash_sale_scale']['title']}: rps / empty event rps",
            f">= {SCALE_TARGET}",
            scale,
            scale >= SCALE_TARGET,
        ),
    ]


def _floor_rate_target(summaries: dict[str, dict], key: str, name: str, goal: float) -> dict:
    ratio = _ratio(summaries[key]["rps"], summaries["floor"]["rps"])
    return _target(f"{name}: rps / floor rps", f">= {goal}", ratio, ratio >= goal)


def _flavour_targets(summaries: dict[str, dict]) -> list[dict]:
    return [_flavour_target(summaries, key) for key in ("booking_typed", "booking_seated")]


def _flavour_target(summaries: dict[str, dict], key: str) -> dict:
    """A typed or seated booking against an untyped one, by server CPU per confirmed booking (see README)."""
    ratio = _cost_ratio(summaries, "booking_untyped", key)
    return _target(
        f"{FLAVOURS[key].capitalize()} booking: untyped booking's CPU per request / its own",
        f">= {FLAVOUR_TARGET}",
        ratio,
        ratio >= FLAVOUR_TARGET,
    )


def _browse_targets(summaries: dict[str, dict]) -> list[dict]:
    """Anonymous browsing against the floor, the API list's own CPU, and how fresh the seats left are."""
    api_cpu = summaries["browse_api"]["app_cpu_ms_per_request"]
    shown = {name: summaries[name].get("seats_shown_after_s") for name in BROWSING}
    return [
        *(
            _floor_rate_target(summaries, name, summaries[name]["title"], BROWSE_FLOOR_TARGET)
            for name in BROWSING
        ),
        _target(
            f"{summaries['browse_api']['title']}: app CPU ms per request",
            f"< {API_LIST_APP_CPU_MS}",
            api_cpu,
            api_cpu < API_LIST_APP_CPU_MS,
        ),
        _target(
            "Seats left on the anonymous pages after a booking: seconds until shown",
            f"<= {SEATS_STALE_SECONDS:g}",
            json.dumps(shown),
            all(s is not None and s <= SEATS_STALE_SECONDS for s in shown.values()),
        ),
    ]


def _page_targets(summaries: dict[str, dict]) -> list[dict]:
    seat_map = summaries["seat_map"]
    floor_cpu = summaries["floor"]["app_cpu_ms_per_request"]
    list_queries = {name: summaries[name]["queries_per_request"] for name in ("browse_api", "browse_html")}
    rows = [
        _target(
            "SQL queries per list request",
            "the same at every data size",
            json.dumps(list_queries),
            all(_same(by_size) for by_size in list_queries.values()),
        ),
        _target(
            f"{seat_map['title']}: p95 ms, {seat_map['concurrency']} in flight",
            f"< {SEAT_MAP_P95_MS}",
            seat_map["p95_ms"],
            seat_map["p95_ms"] < SEAT_MAP_P95_MS,
        ),
    ]
    for name in PAGES:
        page = summaries[name]
        times = _ratio(page["app_cpu_ms_per_request"], floor_cpu)
        rows += [
            _target(
                f"{page['title']}: app CPU per request / floor's",
                f"<= {PAGE_FLOOR_CPU_TIMES}",
                times,
                times <= PAGE_FLOOR_CPU_TIMES,
            ),
            _target(
                f"{page['title']}: SQL queries per page",
                "the same at every size",
                json.dumps(page["queries_per_request"]),
                _same(page["queries_per_request"]),
            ),
        ]
    return rows


def _same(by_size: dict[str, int]) -> bool:
    return len(set(by_size.values())) == 1


def _cost(summary: dict) -> float:
    """Server CPU per request: the app's and the database's."""
    return summary["app_cpu_ms_per_request"] + summary["db_cpu_ms_per_request"]


def _cost_ratio(summaries: dict[str, dict], cheaper: str, costlier: str) -> float:
    """cost(cheaper) / cost(costlier): 1.0 when alike, below 1.0 when ``costlier`` costs more."""
    return _ratio(_cost(summaries[cheaper]), _cost(summaries[costlier]))


def cpu_ratios(summaries: dict[str, dict]) -> dict[str, float]:
    """The rate ratios again from server CPU per request (app + database) instead of rates: steadier
    when something else shares the cores, so a reader can tell noise from a real regression."""
    pairs = {
        "floor_cost / booking_cost": ("floor", "flash_sale"),
        "empty_event_cost / big_event_cost": ("flash_sale", "flash_sale_scale"),
        **{f"floor_cost / {name}_booking_cost": ("floor", key) for key, name in FLAVOURS.items()},
        **{f"floor_cost / {name}_cost": ("floor", name) for name in (*BROWSING, *PAGES)},
        "untyped_cost / typed_cost": ("booking_untyped", "booking_typed"),
        "untyped_cost / seated_cost": ("booking_untyped", "booking_seated"),
        "untyped_cost / priced_cost": ("booking_untyped", "booking_priced"),
    }
    return {label: _cost_ratio(summaries, *pair) for label, pair in pairs.items()}


def _confirmed(summaries: dict[str, dict], *names: str) -> str:
    counts = [n for name in names for n in summaries[name].get("confirmed_per_round", [])]
    return f"confirmed {counts} of {summaries[names[0]].get('seats')} seats each"


def _target(name: str, goal: str, value, met: bool) -> dict:
    return {"target": name, "goal": goal, "value": value, "met": bool(met)}


def _checks_ok(summaries: dict[str, dict], *names: str) -> bool:
    return all(check["ok"] for name in names for check in summaries[name]["checks"])


def correctness_failures(summaries: dict[str, dict], counter_checks: list[dict]) -> list[str]:
    """What makes a run fail whatever the flags: overbooking, server errors, unexpected answers, drift."""
    failures = [f"{check['check']}: {check['detail']}" for check in counter_checks if not check["ok"]]
    for name, summary in summaries.items():
        failures += [
            f"{name}: {check['check']}: {check['detail']}" for check in summary["checks"] if not check["ok"]
        ]
        if summary.get("unexpected_statuses"):
            failures.append(f"{name}: unexpected answers {summary['unexpected_statuses']}")
    return failures


def write_json(path: Path, results: dict) -> None:
    path.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")


def write_markdown(path: Path, results: dict) -> None:
    m, config = results["machine"], results["config"]
    lines = [
        "# eventhub benchmark results",
        "",
        f"{m['date']}: {m['cores']} cores ({m['cpu']}), Python {m['python']}, Django {m['django']}, "
        f"PostgreSQL {m['postgresql']}, gunicorn {m['gunicorn']} "
        f"({config['workers']} {config['worker_class']} workers), "
        f"concurrency {config['concurrency']}, {config['rounds']} round(s). "
        "Rate: the median round; latencies: every request of every round. "
        f"1-minute load average {m['load_average_at_start']} at the start, {m['load_average_at_end']} at "
        "the end: well above 0 means other work shared the cores, which moves rates far more than the "
        "CPU per request.",
        "",
        "| Scenario | Requests | rps | p50 ms | p95 ms | p99 ms | Answers | App CPU ms/req "
        "| DB CPU ms/req | Generator CPU |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for summary in results["scenarios"].values():
        answers = ", ".join(f"{n} x {status}" for status, n in summary["statuses"].items())
        lines.append(
            f"| {summary['title']} | {sum(summary['requests_per_round']):,} | {summary['rps']:,.0f} "
            f"| {summary['p50_ms']} | {summary['p95_ms']} | {summary['p99_ms']} | {answers} "
            f"| {summary['app_cpu_ms_per_request']} | {summary['db_cpu_ms_per_request']} "
            f"| {summary['loadgen_cpu_share']:.0%} |"
        )
    scenarios = results["scenarios"]
    lines += _flash_sale_lines(scenarios)
    lines += _flavour_lines(scenarios) + _seated_sale_lines(scenarios["seated_sale"])
    lines += _browse_lines(scenarios) + _page_lines(scenarios)
    lines += ["", "| Target | Goal | Measured | Met |", "|---|---|---|---|"]
    for target in results["targets"]:
        lines.append(f"| {target['target']} | {target['goal']} | {target['value']} | {_yes(target['met'])} |")
    lines += [
        "",
        f"Correctness: {'no failures' if not results['failures'] else '; '.join(results['failures'])}.",
    ]
    path.write_text("\n".join(lines) + "\n")


def _flash_sale_lines(scenarios: dict[str, dict]) -> list[str]:
    """Confirmed bookings per second of app CPU, beside the one published figure we compare with."""
    sale, untyped = scenarios["flash_sale"], scenarios["booking_untyped"]
    confirmed = sum(sale.get("confirmed_per_round", []))
    per_cpu_second = _ratio(confirmed, sale["app_cpu_s"])
    booked = sum(untyped["requests_per_round"])
    return [
        "",
        "## Flash sale throughput",
        "",
        f"The flash sale on an empty event confirmed {confirmed:,} bookings for {sale['app_cpu_s']:.2f} s of "
        f"app CPU, its refusals included: {per_cpu_second:,.0f} confirmed bookings per app CPU second, "
        f"{60 * per_cpu_second:,.0f} per app CPU minute. When every request books (untyped booking), "
        f"{_ratio(booked, untyped['app_cpu_s']):,.0f} are confirmed per app CPU second. For comparison, "
        f"pretix publishes a ceiling of about {PRETIX_ORDERS_PER_MINUTE} orders per minute per event with "
        "quotas; that is pretix's published figure, not measured here.",
    ]


def _flavour_lines(scenarios: dict[str, dict]) -> list[str]:
    """Confirmed bookings three ways, as ratios to the floor and to untyped booking, and CPU per request."""
    floor, untyped = scenarios["floor"], scenarios["booking_untyped"]
    lines = [
        "",
        "## Confirmed bookings: untyped, typed, seated, priced",
        "",
        f"Every request books (distinct attendees, room for all); {untyped.get('requests', 0):,} per round, "
        "interleaved with the floor. Cost: app + database CPU ms per request.",
        "",
        "| Booking | rps | rps / floor | rps / untyped | App CPU ms/req | DB CPU ms/req "
        "| Cost / floor's | Untyped's cost / its cost |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, name in FLAVOURS.items():
        summary = scenarios[key]
        lines.append(
            f"| {name} | {summary['rps']:,.0f} | {_ratio(summary['rps'], floor['rps'])} "
            f"| {_ratio(summary['rps'], untyped['rps'])} | {summary['app_cpu_ms_per_request']} "
            f"| {summary['db_cpu_ms_per_request']} | {_ratio(_cost(summary), _cost(floor))} "
            f"| {_ratio(_cost(untyped), _cost(summary))} |"
        )
    return lines


def _seated_sale_lines(sale: dict) -> list[str]:
    codes = ", ".join(f"{n} x {code}" for code, n in sale["error_codes"].items()) or "none"
    return [
        "",
        "## Seated flash sale",
        "",
        f"{sale.get('buyers', 0):,} buyers for {sale.get('seats', 0):,} numbered seats, "
        f"{sale.get('naming_a_seat', 0):,} of them naming a seat drawn at random, the rest letting the "
        f"hall choose: {sale.get('confirmed_per_round', [0])[0]:,} confirmed at {sale['rps']:,.0f} rps "
        f"(app {sale['app_cpu_ms_per_request']} + database {sale['db_cpu_ms_per_request']} CPU ms per "
        f"request). Refusals: {codes}.",
    ]


def _browse_lines(scenarios: dict[str, dict]) -> list[str]:
    """Anonymous browsing against the floor, by rate and by app CPU, and how soon a booking shows."""
    floor = scenarios["floor"]
    lines = [
        "",
        "## Anonymous browsing",
        "",
        "Visitors not signed in, served from the page cache in Redis, in the same rounds as the floor. "
        "Seats shown: seconds from a booking's answer until the path showed it.",
        "",
        "| Path | rps | rps / floor | App CPU ms/req | App CPU / floor's | SQL queries per request "
        "| Seats shown after s |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for name in BROWSING:
        path = scenarios[name]
        queries = ", ".join(f"{size}: {n}" for size, n in path.get("queries_per_request", {}).items())
        lines.append(
            f"| {path['title']} | {path['rps']:,.0f} | {_ratio(path['rps'], floor['rps'])} "
            f"| {path['app_cpu_ms_per_request']} "
            f"| {_ratio(path['app_cpu_ms_per_request'], floor['app_cpu_ms_per_request'])} "
            f"| {queries or '-'} | {path.get('seats_shown_after_s')} |"
        )
    return lines


def _page_lines(scenarios: dict[str, dict]) -> list[str]:
    """The heavy pages: latency, CPU against the floor's, and SQL queries per page at two sizes."""
    floor = scenarios["floor"]
    lines = [
        "",
        "## Pages: seat map, feed, dashboard",
        "",
        f"{scenarios['seat_map'].get('concurrency', 0)} requests in flight; the feed signed in as an "
        "attendee whose friends wrote its posts, the dashboard (the admin index) as an organizer.",
        "",
        "| Page | rps | p50 ms | p95 ms | App CPU ms/req | DB CPU ms/req | App CPU / floor's "
        "| SQL queries per page |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name in PAGES:
        page = scenarios[name]
        queries = ", ".join(f"{size}: {n}" for size, n in page["queries_per_request"].items())
        lines.append(
            f"| {page['title']} | {page['rps']:,.0f} | {page['p50_ms']} | {page['p95_ms']} "
            f"| {page['app_cpu_ms_per_request']} | {page['db_cpu_ms_per_request']} "
            f"| {_ratio(page['app_cpu_ms_per_request'], floor['app_cpu_ms_per_request'])} | {queries} |"
        )
    return lines


def _yes(flag: bool) -> str:
    return "yes" if flag else "**no**"


def write_chart(path: Path, results: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    summaries = list(results["scenarios"].values())
    labels = [
        f"{textwrap.fill(s['title'], 16, break_long_words=False)}\n{s['rps']:,.0f} rps"
        + (f", {s['concurrency']} in flight" if "concurrency" in s else "")
        for s in summaries
    ]
    width = 0.27
    figure, axes = plt.subplots(figsize=(max(11, 1.35 * len(summaries)), 5.8), dpi=110)
    for offset, key in enumerate(("p50_ms", "p95_ms", "p99_ms")):
        positions = [i + (offset - 1) * width for i in range(len(summaries))]
        bars = axes.bar(positions, [s[key] for s in summaries], width, label=key.removesuffix("_ms"))
        axes.bar_label(bars, fmt="%.0f", fontsize=7, padding=1)
    axes.set_xticks(range(len(summaries)), labels, fontsize=7.5)
    axes.set_ylabel("latency (ms)")
    m, config = results["machine"], results["config"]
    axes.set_title(
        f"eventhub latency at concurrency {config['concurrency']}: {m['cores']} cores, "
        f"{config['workers']} gunicorn workers, PostgreSQL {m['postgresql'].split()[0]} ({m['date'][:10]})",
        fontsize=10,
    )
    axes.legend()
    axes.grid(axis="y", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
