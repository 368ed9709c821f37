"""The kernel's middleware: responses with personal data are never stored by a browser or a proxy
(``NoStoreMiddleware``), the language of a request (``LocaleMiddleware``) and the Content Security
Policy header built once (``CspOnceMiddleware``)."""

import copy
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.http import HttpRequest, HttpResponseBase
from django.middleware import locale
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.csp import CSP, build_policy
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
            headers["Expires"] = _now_http_date()
        return response


#: The whole second and its HTTP date last printed (the date has no finer unit).
_last_date: tuple[int, str] = (0, "")


def _now_http_date() -> str:
    """``http_date(time.time())``, formatted once per second rather than on every response."""
    global _last_date
    second = int(time.time())
    if _last_date[0] != second:
        _last_date = (second, http_date(second))
    return _last_date[1]


class LocaleMiddleware(locale.LocaleMiddleware):
    """Django's ``LocaleMiddleware`` (the language from the language cookie, else the browser's
    ``Accept-Language``, else ``LANGUAGE_CODE``; ``Vary: Accept-Language`` and ``Content-Language``
    on the response), without its work for language prefixes in URLs when the URL configuration
    has none (``i18n_patterns``; coachcare's has none): two language-from-path lookups per request
    that can only answer "none" (issue 19). With prefixes it is Django's own."""

    def process_request(self, request: HttpRequest) -> None:
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        if is_language_prefix_patterns_used(urlconf)[0]:
            super().process_request(request)
            return
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        if is_language_prefix_patterns_used(urlconf)[0]:
            return super().process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class CspOnceMiddleware:
    """The ``Content-Security-Policy`` header of ``SECURE_CSP``, built once per policy instead of for
    every response (issue 19: ~50 Python calls each).

    Placed right after Django's ``ContentSecurityPolicyMiddleware`` in ``MIDDLEWARE``: it sets the
    header Django's would set, and Django's leaves a header that is already there. Only a policy
    without a nonce (``CSP.NONCE``) is remembered, since the nonce changes with every response; a
    view's own policy (``csp_override``, ``_csp_config``) or header, the report-only header and a
    policy with a nonce are left to Django's middleware, as is every response that a middleware
    before this one makes itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not hasattr(response, "_csp_config") and _CSP_HEADER not in response.headers:
            policy = _policy_without_nonce(settings.SECURE_CSP)
            if policy:
                response.headers[_CSP_HEADER] = policy
        return response


_CSP_HEADER = str(CSP.HEADER_ENFORCE)  # a plain ``str``, as Django's middleware writes it

#: The policy last built: the settings' object, a copy of it as it was then, and its header value.
_built: tuple[Any, Any, str | None] = (None, None, None)


def _policy_without_nonce(config: Any) -> str | None:
    """``build_policy(config)``, remembered while ``config`` stays the same (and unchanged); ``None``
    when there is no policy or it asks for a nonce."""
    global _built
    if config is not _built[0] or config != _built[1]:
        uses_nonce = any(
            isinstance(values, list | tuple | set) and CSP.NONCE in values for values in (config or {}).values()
        ) or any(values == CSP.NONCE for values in (config or {}).values())
        _built = (config, copy.deepcopy(config), None if not config or uses_nonce else build_policy(config))
    return _built[2]
