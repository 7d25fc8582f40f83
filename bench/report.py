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
SCALE_TARGET = 0.85  # within 15% of the empty event's rate


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
    booking_floor = _ratio(summaries["flash_sale"]["rps"], summaries["floor"]["rps"])
    scale = _ratio(summaries["flash_sale_scale"]["rps"], summaries["flash_sale"]["rps"])
    queries = {name: summaries[name]["queries_per_request"] for name in ("browse_api", "browse_html")}
    one_server = _checks_ok(summaries, "flash_sale", "flash_sale_scale")
    two_servers = _checks_ok(summaries, "two_servers")
    return [
        _target(
            "No overbooking, one server",
            "each sale confirms exactly its seats",
            _confirmed(summaries, "flash_sale", "flash_sale_scale"),
            one_server,
        ),
        _target(
            "No overbooking, two servers",
            "exactly its seats confirmed",
            _confirmed(summaries, "two_servers"),
            two_servers,
        ),
        _target(
            "Booking rps / floor rps",
            f">= {BOOKING_FLOOR_TARGET}",
            booking_floor,
            booking_floor >= BOOKING_FLOOR_TARGET,
        ),
        _target(
            f"{summaries['flash_sale_scale']['title']}: rps / empty event rps",
            f">= {SCALE_TARGET}",
            scale,
            scale >= SCALE_TARGET,
        ),
        _target(
            "SQL queries per list request",
            "the same at every data size",
            json.dumps(queries),
            all(len(set(by_size.values())) == 1 for by_size in queries.values()),
        ),
    ]


def cpu_ratios(summaries: dict[str, dict]) -> dict[str, float]:
    """The same two ratios from server CPU per request (app + database) instead of rates: steadier
    when something else shares the cores, so a reader can tell noise from a real regression."""

    def cost(name: str) -> float:
        return summaries[name]["app_cpu_ms_per_request"] + summaries[name]["db_cpu_ms_per_request"]

    return {
        "floor_cost / booking_cost": _ratio(cost("floor"), cost("flash_sale")),
        "empty_event_cost / big_event_cost": _ratio(cost("flash_sale"), cost("flash_sale_scale")),
    }


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
        "Rate: the median round; latencies: every request of every round.",
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
    lines += ["", "| Target | Goal | Measured | Met |", "|---|---|---|---|"]
    for target in results["targets"]:
        lines.append(f"| {target['target']} | {target['goal']} | {target['value']} | {_yes(target['met'])} |")
    lines += [
        "",
        f"Correctness: {'no failures' if not results['failures'] else '; '.join(results['failures'])}.",
    ]
    path.write_text("\n".join(lines) + "\n")


def _yes(flag: bool) -> str:
    return "yes" if flag else "**no**"


def write_chart(path: Path, results: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    summaries = list(results["scenarios"].values())
    labels = [
        f"{textwrap.fill(s['title'], 20, break_long_words=False)}\n{s['rps']:,.0f} rps" for s in summaries
    ]
    width = 0.27
    figure, axes = plt.subplots(figsize=(11, 5.2), dpi=110)
    for offset, key in enumerate(("p50_ms", "p95_ms", "p99_ms")):
        positions = [i + (offset - 1) * width for i in range(len(summaries))]
        bars = axes.bar(positions, [s[key] for s in summaries], width, label=key.removesuffix("_ms"))
        axes.bar_label(bars, fmt="%.0f", fontsize=7, padding=1)
    axes.set_xticks(range(len(summaries)), labels, fontsize=8)
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
