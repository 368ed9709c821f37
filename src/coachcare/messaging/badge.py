"""The unread-messages badge of the navigation: counted, then kept for a short while per user.

Every page a professional opens shows the badge, and counting (``selectors.unread_count``) builds
and runs a query over the threads of the whole team: under load that was a sixth of the app
servers' time. The number is kept in the cache for ``BADGE_SECONDS`` per user, so it can lag a new
message by at most that long (an open thread polls for new messages every few seconds by itself);
when the user reads a thread or writes, their own number is forgotten at once, so reading clears
the badge on the next page. The cache holds a number per user id only, never message content.
"""

from collections.abc import Callable

from django.core.cache import cache

#: How long a counted badge is shown before it is counted again (seconds).
BADGE_SECONDS = 20


def _key(user_id: int) -> str:
    return f"coachcare:messaging:badge:{user_id}"


def badge_count(*, user_id: int, count: Callable[[], int]) -> int:
    """The badge number of ``user_id``: from the cache, else ``count()`` (then kept)."""
    found = cache.get(_key(user_id))
    if isinstance(found, int):
        return found
    value = count()
    cache.set(_key(user_id), value, BADGE_SECONDS)
    return value


def badge_forget(*, user_id: int) -> None:
    """The user read or wrote: count their badge again on the next page."""
    cache.delete(_key(user_id))
