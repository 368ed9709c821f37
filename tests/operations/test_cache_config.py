"""CACHE_URL: memory of each process by default, Redis when configured (and then cached sessions)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from coachcare.conf.env import cache_config


def test_default_is_the_memory_of_each_process() -> None:
    assert cache_config("locmem://")["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert cache_config("")["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_redis_uses_django_s_backend_with_one_client_per_pool() -> None:
    config = cache_config("redis://127.0.0.1:6379/0")
    assert config == {
        "BACKEND": "coachcare.core.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
        "KEY_PREFIX": "coachcare",
    }
    assert (
        cache_config("rediss://:secret@cache.internal:6380/1")["LOCATION"] == "rediss://:secret@cache.internal:6380/1"
    )


def test_anything_else_stops_start_up() -> None:
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        cache_config("memcached://127.0.0.1:11211")


def test_the_redis_client_is_made_once_per_pool() -> None:
    """Django's client builds a ``redis.Redis`` per call (0.1 ms each); ours keeps it (no connection
    is opened to build one, so no Redis server is needed here)."""
    from coachcare.core.cache import RedisCache

    cache = RedisCache("redis://127.0.0.1:6379/0", {})
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=False) is client  # one server: reads and writes share a pool
    assert client.connection_pool is cache._cache._get_connection_pool(True)  # type: ignore[attr-defined]
    replicas = RedisCache("redis://127.0.0.1:6379/0,redis://127.0.0.1:6380/0", {})
    assert replicas._cache.get_client(write=True) is not replicas._cache.get_client(write=False)
