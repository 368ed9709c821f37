"""Small typed helpers for views."""

from django.http import HttpRequest

from coachcare.accounts.models import User


def page_number(request: HttpRequest) -> int:
    """The ``?page=`` of a paginated list: a positive number, else 1 (never an error)."""
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 else 1


def actor_of(request: HttpRequest) -> User:
    """The logged-in user of a request behind ``login_required``, typed as our User model."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionError("This view needs a logged-in user.")
    return user
