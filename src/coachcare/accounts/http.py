"""The logged-in user of a request, typed as coachcare's User (the kernel's ``core.http`` knows no
domain model)."""

from django.http import HttpRequest

from coachcare.accounts.models import User


def actor_of(request: HttpRequest) -> User:
    """The logged-in user of a request behind ``login_required``, typed as our User model."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionError("This view needs a logged-in user.")
    return user
