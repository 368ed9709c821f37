"""CACHE_URL: memory of each process by default, Redis when configured (and then cached sessions)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from coachcare.conf.env import cache_config


def test_default_is_the_memory_of_each_process() -> None:
    assert cache_config("locmem://")["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert cache_config("")["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_redis_uses_django_s_own_backend() -> None:
    config = cache_config("redis://127.0.0.1:6379/0")
    assert config == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
        "KEY_PREFIX": "coachcare",
    }
    assert (
        cache_config("rediss://:secret@cache.internal:6380/1")["LOCATION"] == "rediss://:secret@cache.internal:6380/1"
    )


def test_anything_else_stops_start_up() -> None:
    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        cache_config("memcached://127.0.0.1:11211")
