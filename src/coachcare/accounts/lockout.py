"""What django-axes counts failed logins by (``AXES_LOCKOUT_PARAMETERS`` names ``lockout_parameters``)."""

from typing import Any

from axes.helpers import get_client_username
from django.http import HttpRequest

#: A password login: the account name whatever the address (an attacker rotating addresses still
#: hits the lock), and one address + browser combination (password spraying over many names). Not
#: the bare address: a school or family behind one IP address is not locked out together.
PASSWORD_LOGIN = ["username", ["ip_address", "user_agent"]]
#: A login without an account name (DigiD: the broker's callback carries no username): only the
#: address + browser. Counting it by "username" would put every refused DigiD login of everyone
#: in one shared bucket (no username) and lock DigiD for all after a few refusals.
WITHOUT_USERNAME = [["ip_address", "user_agent"]]


def lockout_parameters(request_or_attempt: Any, credentials: dict[str, Any] | None = None) -> list[Any]:
    if isinstance(request_or_attempt, HttpRequest):
        username = get_client_username(request_or_attempt, credentials)
    else:  # a stored attempt or log entry
        username = getattr(request_or_attempt, "username", None)
    return PASSWORD_LOGIN if username else WITHOUT_USERNAME
