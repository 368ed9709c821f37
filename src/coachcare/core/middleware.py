"""Responses with personal data are never stored by a browser or a proxy."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers


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
        add_never_cache_headers(response)
        return response
