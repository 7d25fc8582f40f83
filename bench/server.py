"""Start and stop the app under gunicorn, the way production runs it, on a free loopback port."""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HOST = "127.0.0.1"
STOP_GRACE_SECONDS = 10
RAISED_RATE = "1000000/min"


def production_env(*, database_url: str, cache_url: str, **overrides: str) -> dict[str, str]:
    """Production settings built from scratch, so nothing inherited (SSL redirects, DEBUG, another
    DATABASE_URL or CACHE_URL) changes what runs.

    Throttles and the per-address sign-in lockout are raised, because every request comes from one
    loopback address; a caller that is about them passes its own values in ``overrides``.
    """
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "CACHE_URL": cache_url,
        "EMAIL_URL": "consolemail://",
        "STATIC_MANIFEST": "0",
        "SECURE_SSL_REDIRECT": "0",
        "TRUSTED_PROXY_COUNT": "0",
        "THROTTLE_ANON": RAISED_RATE,
        "THROTTLE_USER": RAISED_RATE,
        "THROTTLE_AUTH": RAISED_RATE,
        "LOGIN_FAILURES_PER_USERNAME": "5",
        "LOGIN_FAILURES_PER_ADDRESS": "1000000",
        "JWT_ACCESS_MINUTES": "60",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        **overrides,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class AppServer:
    """One gunicorn master and its workers, in a process group of their own so they all stop together.

    Sync workers: each holds one request at a time, so the database sees at most ``workers``
    bookings at once, and there is no thread switching inside a worker (see bench/README.md).
    """

    def __init__(
        self,
        *,
        env: dict[str, str],
        workers: int,
        log_path: Path,
        worker_class: str = "sync",
        threads: int = 1,
        wsgi_app: str = "eventhub.wsgi",
    ):
        self.env = env
        self.workers = workers
        self.worker_class = worker_class
        self.threads = threads
        self.wsgi_app = wsgi_app
        self.log_path = log_path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            self.wsgi_app,
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--worker-tmp-dir",
            "/dev/shm" if Path("/dev/shm").is_dir() else "/tmp",
            "--log-level",
            "warning",
        ]

    def start(self, *, cwd: Path, timeout: float = 30.0) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=cwd, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        """Ready once every worker could answer: poll a cheap page until it answers, for a bounded time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/api/users/me/", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # 401: the app answers
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        """TERM the whole process group, wait, then KILL what is left. Safe to call twice."""
        if not self.running:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(STOP_GRACE_SECONDS)
        except ProcessLookupError:
            return
        _kill_leftovers(self.process.pid)


def _kill_leftovers(group: int) -> None:
    """A worker that outlived its master would keep the port and a database connection."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
