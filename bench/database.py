"""The bench's own PostgreSQL database: dropped and created afresh on each run, then migrated.

Only a database whose name contains "bench" on a loopback host is ever dropped, so pointing the
bench at a real database by mistake cannot destroy it.
"""

import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
REPO_ROOT = Path(__file__).resolve().parent.parent


class DatabaseUrl:
    """A postgres:// URL, split into what psycopg needs to reach the server and the bench's database."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql", "pgsql"):
            raise ValueError(f"the bench needs a postgres:// URL, not {parts.scheme}://")
        self.url = url
        self.name = parts.path.lstrip("/")
        self.server = {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 5432,
            "user": unquote(parts.username or "postgres"),
            "password": unquote(parts.password or ""),
        }
        if "bench" not in self.name:
            raise ValueError(f"refusing to drop database {self.name!r}: its name must contain 'bench'")
        if self.server["host"] not in LOOPBACK_HOSTS:
            raise ValueError(f"the bench only talks to this machine, not to {self.server['host']}")

    def maintenance_connection(self) -> psycopg.Connection:
        return psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=10, **self.server)


def recreate(db: DatabaseUrl) -> str:
    """Drop the bench database (closing its leftover connections) and create it empty; return the version."""
    with db.maintenance_connection() as conn:
        name = sql.Identifier(db.name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
        return conn.execute("SHOW server_version").fetchone()[0]


def setup_django(env: dict[str, str]) -> None:
    """Use the app's own settings in this process, with the same environment the servers get."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "eventhub.settings"
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
