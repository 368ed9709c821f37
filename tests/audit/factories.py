import uuid

import factory
from django.utils import timezone

from coachcare.audit.models import AccessLogEntry


class AccessLogEntryFactory(factory.django.DjangoModelFactory[AccessLogEntry]):
    class Meta:
        model = AccessLogEntry

    timestamp = factory.LazyFunction(timezone.now)
    event = AccessLogEntry.Event.READ
    action = "client.file"
    client_public_id = factory.LazyFunction(uuid.uuid4)
    user_id = 1
    username = "coach"
    user_display_name = "Chris Coach"
    role = "coach"
    channel = AccessLogEntry.Channel.WEB
    access_point = "127.0.0.1"
