"""eventhub deployed the way production runs it, for tests that attack it from outside.

gunicorn with sync workers, DEBUG off, a PostgreSQL database of its own (created here and dropped
afterwards) and Redis as the cache. Tests talk to it over HTTP only, with a small stdlib client
that never follows redirects and never raises on an error status.
"""

import http.client
import json
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg
from psycopg import sql

from bench.server import HOST, AppServer, production_env
from eventhub.testing import skip_unless_ci

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432"
DEFAULT_REDIS = "redis://127.0.0.1:6379"
REQUEST_TIMEOUT = 30.0


def postgres_server_url() -> str:
    """The PostgreSQL server the suite runs against (DATABASE_URL without its database name)."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme.startswith("postgres"):
        return f"postgres://{parts.netloc}"
    return DEFAULT_POSTGRES


def redis_url(db: int) -> str:
    """Database ``db`` of the Redis server named by CACHE_URL."""
    parts = urlsplit(os.environ.get("CACHE_URL", ""))
    base = f"{parts.scheme}://{parts.netloc}" if parts.scheme.startswith("redis") else DEFAULT_REDIS
    return f"{base}/{db}"


class ScratchDatabase:
    """A PostgreSQL database that exists only while the tests run; only loopback servers are used."""

    def __init__(self, server_url: str, name: str):
        parts = urlsplit(server_url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"a scratch database is only made on this machine, not on {parts.hostname}")
        self.name = name
        self.url = f"{server_url}/{name}"
        self.connect_args = {
            "host": parts.hostname,
            "port": parts.port or 5432,
            "user": parts.username or "postgres",
            "password": parts.password or "",
        }

    def _execute(self, statement: sql.Composable) -> None:
        connect_args = {"dbname": "postgres", "autocommit": True, "connect_timeout": 10, **self.connect_args}
        with psycopg.connect(**connect_args) as conn:
            conn.execute(statement)

    def create(self) -> None:
        self.drop()
        self._execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))

    def drop(self) -> None:
        self._execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a management command against the deployment's database, as an operator would."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_server(env: dict[str, str], log_path: Path, *, workers: int = 2) -> AppServer:
    server = AppServer(env=env, workers=workers, log_path=log_path)
    try:
        server.start(cwd=REPO_ROOT)
    except BaseException:
        server.stop()
        raise
    return server


PROBLEM_MARKERS = ("Traceback", '"level": "ERROR"', '"level": "CRITICAL"', "[ERROR]", "[CRITICAL]")


def require_services() -> None:
    """PostgreSQL and Redis, checked by the module fixtures that start a deployment (they run before
    the markers' own checks)."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        skip_unless_ci("PostgreSQL (set DATABASE_URL to a postgres:// URL)")
    if not os.environ.get("CACHE_URL", "").startswith("redis"):
        skip_unless_ci("Redis (set CACHE_URL to a redis:// URL)")


@dataclass
class Served:
    """What a deployment gives its tests: the port, its settings, its mailbox and its log."""

    port: int
    env: dict
    mailbox: "Mailbox"
    log_path: Path


@contextmanager
def deployed(tmp_path_factory, *, name: str, cache_db: int, **overrides: str):
    """A deployment of its own for a test module: a scratch PostgreSQL database named after ``name``
    and migrated, gunicorn serving it with Redis database ``cache_db`` as the cache, emails written
    to a mailbox folder; ``overrides`` add settings. Everything stops and goes afterwards."""
    require_services()
    database = ScratchDatabase(postgres_server_url(), f"eventhub_{name}_{os.getpid()}")
    mailbox = Mailbox(tmp_path_factory.mktemp(f"{name}-mail"))
    env = production_env(
        database_url=database.url, cache_url=redis_url(cache_db), EMAIL_URL=mailbox.email_url, **overrides
    )
    log_path = tmp_path_factory.mktemp(name) / "gunicorn.log"
    database.create()
    server = None
    try:
        migrated = manage(env, "migrate", "--no-input", "--verbosity", "0")
        assert migrated.returncode == 0, migrated.stderr
        server = start_server(env, log_path)
        yield Served(server.port, env, mailbox, log_path)
    finally:
        if server is not None:
            server.stop()
        database.drop()


class Mailbox:
    """A folder where the deployed site writes every email it sends (Django's file backend)."""

    def __init__(self, folder: Path):
        self.folder = folder

    @property
    def email_url(self) -> str:
        return f"filemail:///{self.folder}"  # django-environ takes the path after "filemail://" less one "/"

    def link(self, *, to: str, path: str) -> str:
        """The site's address starting with ``path`` in the newest email to ``to``."""
        link = re.compile(rf"https?://[^/\s]+({re.escape(path)}\S+)")
        for written in sorted(self.folder.glob("*.log"), key=lambda file: file.stat().st_mtime, reverse=True):
            text = written.read_text()
            if f"\nTo: {to}\n" in text and link.search(text):
                return link.search(text).group(1)
        raise AssertionError(f"no email to {to} holds a link to {path}")


def confirm_address(client: "Client", mailbox: Mailbox, address: str) -> None:
    """Open the link the site emailed to ``address`` at sign-up: organizers publish once it is confirmed."""
    confirmed = client.get(mailbox.link(to=address, path="/accounts/verify/"))
    assert confirmed.status == 200, str(confirmed)


def problem_lines(log_path: Path) -> list[str]:
    """Lines of a server log that show a crash or an error-level record, each cut to what it says."""
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    return [_summary(line) for line in text.splitlines() if any(marker in line for marker in PROBLEM_MARKERS)]


def _summary(line: str) -> str:
    """A JSON record as its level, logger, message and the exception its traceback ends with."""
    try:
        record = json.loads(line)
    except ValueError:
        return line[:300]
    if not isinstance(record, dict):
        return line[:300]
    # The exception's own lines: the unindented ones after the last "Traceback" header.
    lines = (record.get("exception") or "").splitlines()
    starts = [n for n, text in enumerate(lines) if text.startswith("Traceback")]
    crash = [text for text in lines[starts[-1] + 1 if starts else 0 :] if text[:1].strip()]
    return " | ".join([f"{record.get('level')} {record.get('logger')}: {record.get('message')}", *crash])


# HTTP ---------------------------------------------------------------------------------------------


@dataclass(repr=False)
class Answer:
    method: str
    path: str
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def __str__(self) -> str:
        text = self.body[:300].decode("utf-8", errors="replace")
        title = re.search(r"<title>(.*?)</title>", self.body[:2000].decode("utf-8", errors="replace"))
        return f"{self.method} {self.path[:80]} -> {self.status} {title.group(1) if title else text}"

    __repr__ = __str__  # assertion messages list answers


@dataclass
class Client:
    """One visitor: a plain HTTP client with an optional bearer token and a cookie jar of its own."""

    port: int
    token: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body=None,
        form: dict | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        if json_body is not None:
            body, content_type = json.dumps(json_body).encode(), "application/json"
        elif form is not None:
            body, content_type = urlencode(form).encode(), "application/x-www-form-urlencoded"
        if content_type:
            sent["Content-Type"] = content_type
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            # A server that refuses a huge body before reading it all (400, 413) closes the
            # connection while it is still being sent; its answer is already here to read.
            with suppress(BrokenPipeError, ConnectionResetError):
                connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            answer = Answer(method, path, response.status, response.headers, response.read())
        finally:
            connection.close()
        self._keep_cookies(answer)
        return answer

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Answer:
        return self.request("POST", path, **kwargs)

    def _keep_cookies(self, answer: Answer) -> None:
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value

    def form_token(self, page: str) -> str:
        """Open a page with a form and return its CSRF token (the cookie is kept)."""
        answer = self.get(page)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.body.decode())
        assert found, f"no CSRF token on {answer}"
        return found.group(1)


def race(*calls, timeout: float = 60.0) -> list:
    """Run the calls in threads that start together at a barrier; return their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout) for future in futures]
