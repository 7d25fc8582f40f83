"""CPU time spent by the app servers and by PostgreSQL's backends while a scenario runs.

Requests per second on a shared 2-core machine move with whatever else runs on it; the CPU a
request costs the server and the database hardly does. Reading it from /proc beside each rate
tells a slower run from a costlier code path.
"""

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None  # the process ended, or there is no /proc
    return text.rsplit(")", 1)[1].split()  # fields from the third on; the name may hold spaces


def _cpu_seconds(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def group_cpu(groups: list[int]) -> dict[int, float]:
    """CPU seconds of every process in the given process groups (a gunicorn master and its workers)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))) and int(fields[2]) in groups:
            found[int(entry.name)] = _cpu_seconds(fields)
    return found


def pids_cpu(pids: list[int]) -> dict[int, float]:
    return {pid: _cpu_seconds(fields) for pid in pids if (fields := _stat_fields(pid))}


def database_backends() -> list[int]:
    """PostgreSQL backends serving the bench database, other than this process's own."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two snapshots; a process born in between counts from zero."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


class CpuMeter:
    """App-server and database CPU seconds over one load run."""

    def __init__(self, server_groups: list[int]):
        self.server_groups = server_groups

    def start(self) -> None:
        self.app_before = group_cpu(self.server_groups)
        self.db_before = pids_cpu(database_backends())

    def stop(self) -> tuple[float, float]:
        app_after = group_cpu(self.server_groups)
        db_after = pids_cpu(sorted(set(self.db_before) | set(database_backends())))
        return used(self.app_before, app_after), used(self.db_before, db_after)
