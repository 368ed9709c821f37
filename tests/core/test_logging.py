import logging
import sys
from typing import Any

import pytest
from django.conf import settings

from coachcare.core.logging import RedactSensitiveFilter, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BSN 111222333 aangemeld", "BSN [redacted] aangemeld"),
        ("bsn=111222333;", "bsn=[redacted];"),
        ("a111222333b", "a[redacted]b"),
        ("twee: 111222333 en 123456782", "twee: [redacted] en [redacted]"),
        ("telefoon 0612345678", "telefoon 0612345678"),  # ten digits: not a BSN
        ("12345678", "12345678"),  # eight digits
        ("client 42 geopend", "client 42 geopend"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_filter_redacts_formatted_arguments() -> None:
    record = logging.LogRecord(
        "coachcare", logging.INFO, __file__, 1, "referral of %s by %s", ("111222333", "coach"), None
    )

    assert RedactSensitiveFilter().filter(record) is True
    assert record.getMessage() == "referral of [redacted] by coach"


def test_filter_leaves_clean_records_alone() -> None:
    record = logging.LogRecord("coachcare", logging.INFO, __file__, 1, "user id %s", (42,), None)

    assert RedactSensitiveFilter().filter(record) is True
    assert record.args == (42,)
    assert record.getMessage() == "user id 42"


def test_every_configured_handler_redacts() -> None:
    logging_config: dict[str, Any] = settings.LOGGING
    handlers: dict[str, dict[str, list[str]]] = logging_config["handlers"]
    for name, handler in handlers.items():
        assert "redact" in handler.get("filters", []), name


def test_filter_keeps_a_percent_sign_of_a_traceback_literal() -> None:
    """A traceback quoting a percent-encoded URL (``%00``) once made the record unprintable, so the
    500 of a malformed request became an error in the error handling."""
    try:
        raise ValueError("bad value in /clients/%00%s/")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "%s: %s", ("Internal Server Error", "/x%00/"), exc_info
    )

    RedactSensitiveFilter().filter(record)

    message = record.getMessage()
    assert message.startswith("Internal Server Error: /x%00/\n")
    assert "bad value in /clients/%00%s/" in message
