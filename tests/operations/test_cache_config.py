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


def test_the_redis_client_is_made_once_per_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django's client builds a ``redis.Redis`` per call (0.1 ms each); ours keeps it, with one
    connection of its pool (taken once, not per command). The connection is not opened here (the
    pool hands out a new one unopened), so no Redis server is needed."""
    import redis

    from coachcare.core.cache import RedisCache

    monkeypatch.setattr(redis.ConnectionPool, "get_connection", lambda pool, *args, **kwargs: pool.make_connection())
    cache = RedisCache("redis://127.0.0.1:6379/0", {})
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=False) is client  # one server: reads and writes share a pool
    assert client.connection_pool is cache._cache._get_connection_pool(True)  # type: ignore[attr-defined]
    assert client.connection is not None  # one connection kept for every command
    replicas = RedisCache("redis://127.0.0.1:6379/0,redis://127.0.0.1:6380/0", {})
    assert replicas._cache.get_client(write=True) is not replicas._cache.get_client(write=False)


def test_a_forked_process_makes_its_own_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection is never shared between processes: after a fork the child makes a new client."""
    import os

    import redis

    from coachcare.core.cache import RedisCache

    monkeypatch.setattr(redis.ConnectionPool, "get_connection", lambda pool, *args, **kwargs: pool.make_connection())
    cache = RedisCache("redis://127.0.0.1:6379/0", {})
    client = cache._cache.get_client()
    monkeypatch.setattr(os, "getpid", lambda: -1)
    assert cache._cache.get_client() is not client
