"""Summaries of load runs: one scenario may run several rounds; its figures combine them."""

import statistics
from collections import Counter
from dataclasses import dataclass, field

from bench.loadgen import LoadResult, percentile


@dataclass
class Scenario:
    """Every round of one scenario. The rate is the median round's (robust to one noisy round);
    latency percentiles pool every request of every round."""

    name: str
    title: str
    expected_statuses: frozenset[int]
    runs: list[LoadResult] = field(default_factory=list)
    cpu: list[tuple[float, float]] = field(default_factory=list)  # (app, database) CPU seconds per run
    checks: list[dict] = field(default_factory=list)  # correctness checks: {"check", "ok", "detail"}
    extra: dict = field(default_factory=dict)

    def add(self, result: LoadResult, cpu: tuple[float, float]) -> None:
        self.runs.append(result)
        self.cpu.append(cpu)

    def cpu_ms_per_request(self, part: int) -> float:
        sent = sum(run.sent for run in self.runs)
        return round(1000 * sum(used[part] for used in self.cpu) / sent, 2) if sent else 0.0

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append({"check": name, "ok": bool(ok), "detail": detail})

    @property
    def rps(self) -> float:
        return statistics.median(run.rps for run in self.runs) if self.runs else 0.0

    @property
    def latencies(self) -> list[float]:
        return [latency for run in self.runs for latency in run.latencies]

    @property
    def statuses(self) -> Counter:
        return sum((run.statuses for run in self.runs), Counter())

    @property
    def codes(self) -> Counter:
        return sum((run.codes for run in self.runs), Counter())

    def unexpected_statuses(self) -> dict[int, int]:
        return {status: n for status, n in self.statuses.items() if status not in self.expected_statuses}

    def summary(self) -> dict:
        latencies = self.latencies
        return {
            "title": self.title,
            "rounds": len(self.runs),
            "requests_per_round": [run.sent for run in self.runs],
            "rps": round(self.rps, 1),
            "rps_per_round": [round(run.rps, 1) for run in self.runs],
            "p50_ms": _ms(percentile(latencies, 50)),
            "p95_ms": _ms(percentile(latencies, 95)),
            "p99_ms": _ms(percentile(latencies, 99)),
            "max_ms": _ms(max(latencies, default=0.0)),
            "statuses": {str(status): n for status, n in sorted(self.statuses.items())},
            "error_codes": dict(sorted(self.codes.items())),
            "unexpected_statuses": {str(status): n for status, n in self.unexpected_statuses().items()},
            "app_cpu_s": round(sum(app for app, _ in self.cpu), 3),
            "db_cpu_s": round(sum(db for _, db in self.cpu), 3),
            "app_cpu_ms_per_request": self.cpu_ms_per_request(0),
            "db_cpu_ms_per_request": self.cpu_ms_per_request(1),
            "cpu_ms_per_request_per_round": [
                round(1000 * (app + db) / run.sent, 2) if run.sent else 0.0
                for run, (app, db) in zip(self.runs, self.cpu, strict=True)
            ],
            "loadgen_cpu_share": round(statistics.median(run.cpu_share for run in self.runs), 3)
            if self.runs
            else None,
            "error_samples": [sample for run in self.runs for sample in run.samples][:5],
            "checks": self.checks,
            **self.extra,
        }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)
