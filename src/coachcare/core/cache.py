"""Django's Redis cache, with one ``redis.Redis`` client per connection pool, holding one connection.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call, and its
constructor fills a table of some 170 response callbacks: about 0.1 ms, on every session read and
every cached value (measured with ``timeit`` on the 2-core benchmark machine). Django keeps a cache
object per thread (``caches`` is thread-local), so its client and pools are the thread's own: one
``redis.Redis`` per pool does the same work for less.

That client keeps one connection of its pool (``single_connection_client``) instead of taking a
connection from the pool and giving it back for every command: redis-py's check-out (the fork
check, the lock, the health check that no stray reply waits on the socket, the bookkeeping) and
check-in cost ~75 of the ~180 Python calls of a ``GET`` (issue 19: a signed-in request reads the
session and the identity, a page more). The connection is opened at the client's first command
and reconnects after an error as before (redis-py's retry); the client's lock serialises the rare
use from another thread of the same context. After a fork (a worker started from a loaded
parent) the child makes its own clients: a connection is never shared between processes.
``CACHE_URL=redis://...`` selects this backend.
"""

import os
from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}
        self._pid = os.getpid()

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django's private helpers (as its own get_client uses them; not in django-stubs):
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None or self._pid != os.getpid():
            if self._pid != os.getpid():  # forked: the parent's connections stay the parent's
                self._clients, self._pid = {}, os.getpid()
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            client = self._clients[index] = self._client(  # type: ignore[attr-defined]
                connection_pool=pool, single_connection_client=True
            )
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
