"""An appointment as an iCalendar file (RFC 5545): administrative data only, never clinical content."""

import datetime

from django.conf import settings

from coachcare.coaching.models import Appointment


def _escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets are folded (RFC 5545 3.1)."""
    parts: list[str] = []
    encoded = line.encode()
    while len(encoded) > 75:
        cut = 75 if not parts else 74
        while cut > 0 and (encoded[cut] & 0xC0) == 0x80:  # do not split a UTF-8 character
            cut -= 1
        parts.append(encoded[:cut].decode())
        encoded = encoded[cut:]
    parts.append(encoded.decode())
    return [parts[0]] + [" " + part for part in parts[1:]]


def appointment_ics(appointment: Appointment, *, now: datetime.datetime) -> str:
    """The appointment as a calendar file. The UID never changes; every move or cancellation
    raises SEQUENCE, so a calendar that imports the new file updates its event. A cancelled
    appointment is sent with METHOD:CANCEL and STATUS:CANCELLED (RFC 5546 3.2.5)."""
    domain = getattr(settings, "COACHCARE_ICS_DOMAIN", "coachcare.invalid")
    cancelled = appointment.cancelled_at is not None
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//coachcare//portal//NL",
        "CALSCALE:GREGORIAN",
        "METHOD:CANCEL" if cancelled else "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{appointment.public_id}@{domain}",
        f"SEQUENCE:{appointment.sequence}",
        "STATUS:CANCELLED" if cancelled else "STATUS:CONFIRMED",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(appointment.starts_at)}",
        f"DTEND:{_utc(appointment.ends_at)}",
        f"SUMMARY:{_escape(appointment.title)}",
        f"LOCATION:{_escape(appointment.location)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(f"{folded}\r\n" for line in lines for folded in _fold(line))
