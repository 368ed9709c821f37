"""Responses with personal data are never stored by a browser or a proxy."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date

#: What ``add_never_cache_headers`` writes on a response without a ``Cache-Control`` of its own.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


class NoStoreMiddleware:
    """``Cache-Control: private, no-store`` (with ``no-cache``, ``must-revalidate``, ``max-age=0``)
    on every response the application makes: the client file, messages, the portal, exports, the
    API and FHIR, and every other page of a logged-in user carry personal data, and the few public
    pages (login, health) gain nothing from a cache. The one place for this rule, so a new view
    cannot forget it.

    Static files are not affected: WhiteNoise answers them before this middleware (it comes right
    after WhiteNoise in ``MIDDLEWARE``), with their own long-lived cache headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        headers = response.headers
        if "Cache-Control" in headers:  # rare: merged with what the view set, as Django does
            add_never_cache_headers(response)
            return response
        # Nearly every response: the same two headers as ``add_never_cache_headers``, without its
        # parsing and merging of an existing header (a tenth of the Python work of a poll).
        headers["Cache-Control"] = NEVER_CACHE
        if "Expires" not in headers:
            headers["Expires"] = http_date(time.time())
        return response
