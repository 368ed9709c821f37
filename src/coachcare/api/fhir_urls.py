from django.urls import path, re_path

from coachcare.api import fhir

ID = "<str:resource_id>"

urlpatterns = [
    path("metadata", fhir.metadata, name="fhir-metadata"),
    path(f"Patient/{ID}", fhir.patient_read),
    path(f"Practitioner/{ID}", fhir.practitioner_read),
    path("CareTeam", fhir.careteam_search),
    path(f"CareTeam/{ID}", fhir.careteam_read),
    path("ActivityDefinition", fhir.activity_definition_search),
    path(f"ActivityDefinition/{ID}", fhir.activity_definition_read),
    path("Task", fhir.task_search),
    path(f"Task/{ID}", fhir.task_read, name="fhir-task"),
    path("Goal", fhir.goal_search),
    path(f"Goal/{ID}", fhir.goal_read),
    path("CarePlan", fhir.careplan_search),
    path(f"CarePlan/{ID}", fhir.careplan_read),
    path("QuestionnaireResponse", fhir.questionnaire_response_search),
    path(f"QuestionnaireResponse/{ID}", fhir.questionnaire_response_read),
    path("AuditEvent", fhir.audit_event_search),
    path(f"AuditEvent/{ID}", fhir.audit_event_read),
    re_path(r"^.*$", fhir.fhir_not_found),
]
