"""A logging filter that keeps BSNs (and anything that looks like one) out of every log line."""

import logging
import re

#: Nine digits in a row: a BSN or something that could be one. Redacted whatever it is.
_NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")


def redact(text: str) -> str:
    return _NINE_DIGITS.sub("[redacted]", text)


class RedactSensitiveFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True
