"""EMAIL_URL: one variable for outgoing mail (smtp, smtp+tls, smtp+ssl, console, locmem)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from coachcare.conf.env import mailer_config

SMTP = "django.core.mail.backends.smtp.EmailBackend"


def test_plain_smtp_defaults_to_port_25_without_login() -> None:
    assert mailer_config("smtp://mail.internal") == {
        "BACKEND": SMTP,
        "OPTIONS": {
            "host": "mail.internal",
            "port": 25,
            "username": "",
            "password": "",
            "use_tls": False,
            "use_ssl": False,
            "timeout": 10,
        },
    }


def test_starttls_with_user_and_percent_encoded_password() -> None:
    options = mailer_config("smtp+tls://coachcare:p%40ss%3Aword@smtp.example.nl")["OPTIONS"]
    assert options == {
        "host": "smtp.example.nl",
        "port": 587,
        "username": "coachcare",
        "password": "p@ss:word",
        "use_tls": True,
        "use_ssl": False,
        "timeout": 10,
    }


def test_implicit_tls_port_and_timeout() -> None:
    options = mailer_config("smtp+ssl://smtp.example.nl:2465?timeout=3")["OPTIONS"]
    assert isinstance(options, dict)
    assert (options["port"], options["use_ssl"], options["use_tls"], options["timeout"]) == (2465, True, False, 3)
    assert mailer_config("smtp+ssl://smtp.example.nl")["OPTIONS"]["port"] == 465  # type: ignore[index]


def test_console_and_locmem_have_no_options() -> None:
    assert mailer_config("console://") == {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    assert mailer_config("locmem://") == {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}


@pytest.mark.parametrize(
    "url", ["smtps://smtp.example.nl", "sendmail://", "smtp://", "smtp://host:notaport", "smtp://h?timeout=x"]
)
def test_a_wrong_url_stops_start_up(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        mailer_config(url)


def test_the_error_never_shows_the_password() -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        mailer_config("smtpx://user:hunter2@smtp.example.nl")
    assert "hunter2" not in str(caught.value)
