"""Production settings pass Django's deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from eventhub.checks import check_background_work_has_a_broker, check_cache_is_shared

BASE_DIR = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
    "ALLOWED_HOSTS": "events.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://events.example.com",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "TEST_CARD_ENABLED": "0",
}


def run_manage(*args, env_overrides):
    env = {**os.environ, **env_overrides}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )


def test_check_deploy_is_clean_with_production_values():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = run_manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_warns_when_each_process_keeps_its_own_cache():
    result = run_manage("check", "--deploy", env_overrides={**PRODUCTION_ENV, "CACHE_URL": "locmemcache://"})
    assert "eventhub.W001" in result.stderr + result.stdout
    assert "limits multiply by the number of processes" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("debug", "backend", "warns"),
    [
        (False, "django.core.cache.backends.locmem.LocMemCache", True),
        (False, "django.core.cache.backends.dummy.DummyCache", True),
        (False, "django.core.cache.backends.redis.RedisCache", False),
        (True, "django.core.cache.backends.locmem.LocMemCache", False),
    ],
)
def test_the_shared_cache_check_wants_a_cache_shared_between_processes(settings, debug, backend, warns):
    settings.DEBUG = debug
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "redis://127.0.0.1:6379/1"}}
    assert [warning.id for warning in check_cache_is_shared(None)] == (["eventhub.W001"] if warns else [])


def test_check_deploy_warns_when_the_test_card_is_offered():
    result = run_manage("check", "--deploy", env_overrides={**PRODUCTION_ENV, "TEST_CARD_ENABLED": "1"})
    assert "eventhub.W002" in result.stderr + result.stdout
    assert "4242 4242 4242 4242" in result.stderr + result.stdout


def test_the_test_card_cannot_be_named_without_being_enabled():
    env = {**PRODUCTION_ENV, "PAYMENT_PROVIDERS": "bank_transfer,test_card"}
    result = run_manage("check", env_overrides=env)
    assert result.returncode != 0 and "TEST_CARD_ENABLED is off" in result.stderr


def test_check_deploy_warns_when_no_broker_runs_the_background_work():
    result = run_manage("check", "--deploy", env_overrides={**PRODUCTION_ENV, "CELERY_BROKER_URL": ""})
    assert "eventhub.W003" in result.stderr + result.stdout
    assert "emails and other background work run inside the web requests" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("debug", "eager", "warns"), [(False, True, True), (False, False, False), (True, True, False)]
)
def test_the_broker_check_wants_a_broker_in_production(settings, debug, eager, warns):
    settings.DEBUG, settings.CELERY_TASK_ALWAYS_EAGER = debug, eager
    assert [w.id for w in check_background_work_has_a_broker(None)] == (["eventhub.W003"] if warns else [])
