"""The Redis cache backend of our own (eventhub.cache): one redis-py client per connection pool."""

import threading

import pytest
from django.core.cache import cache, caches

from eventhub.cache import RedisCache

pytestmark = pytest.mark.redis


def test_the_site_uses_the_backend_that_keeps_its_clients():
    assert isinstance(caches["default"], RedisCache)


def test_every_call_borrows_the_same_client_and_still_reads_what_it_wrote():
    clients = cache._cache
    assert clients.get_client("a") is clients.get_client("b", write=True)
    cache.set("eventhub-cache-test", {"seats": 3}, timeout=5)
    assert cache.get("eventhub-cache-test") == {"seats": 3}
    cache.delete("eventhub-cache-test")


def test_threads_share_the_client_without_mixing_their_answers():
    keys = [f"eventhub-cache-thread-{n}" for n in range(8)]
    wrong = []

    def write_then_read(key):
        for round_ in range(50):
            cache.set(key, (key, round_), timeout=5)
            if cache.get(key) != (key, round_):
                wrong.append(key)

    threads = [threading.Thread(target=write_then_read, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cache.delete_many(keys)
    assert not wrong
