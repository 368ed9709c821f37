"""A logging filter that keeps BSNs (and anything that looks like one) out of every log line."""

import logging
import re

#: Nine digits, also written with single spaces, dots or dashes between them (1234.56.789,
#: 123 456 789): a BSN or something that could be one. Redacted whatever it is.
_NINE_DIGITS = re.compile(r"(?<![\d])(?:\d[ .-]?){8}\d(?![\d])")


def redact(text: str) -> str:
    return _NINE_DIGITS.sub("[redacted]", text)


class RedactSensitiveFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        if record.exc_info:
            # Tracebacks can quote values (a BSN in a failing query): render and redact them here.
            # The message is already rendered: a "%" in the traceback (a percent-encoded URL) must
            # not be read as a format placeholder of the record's arguments.
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
            record.msg = f"{redacted}\n{redact(formatted)}"
            record.args = None
        return True
