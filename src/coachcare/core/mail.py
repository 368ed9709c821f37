"""What a failed e-mail looks like: the one tuple every sender catches.

``send_mail`` raises an ``smtplib.SMTPException`` when the mail server refuses a message and an
``OSError`` (``ConnectionRefusedError``, ``TimeoutError``, ``socket.gaierror``) when it cannot be
reached. A refusal of the access policy (``access.policy.AccessDenied``) is neither: it is not an
``OSError`` subclass, so ``except MAIL_ERRORS`` never turns a "no" into "the e-mail could not be sent"
(``tests/core/test_mail.py``).
"""

import smtplib

#: The mail server refused or could not be reached.
MAIL_ERRORS: tuple[type[Exception], ...] = (smtplib.SMTPException, OSError)
