from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "coachcare.audit"
    label = "audit"
