from django.urls import path

from coachcare.trajectories import views

app_name = "trajectories"

urlpatterns = [
    path("approvals/", views.approvals, name="approvals"),
    path("gate-settings/", views.gate_settings, name="gate_settings"),
    path("clients/<uuid:public_id>/regisseur/", views.client_regisseur, name="client_regisseur"),
    path("<uuid:public_id>/allocation/request/", views.request_allocation, name="request_allocation"),
    path("<uuid:public_id>/allocation/received/", views.allocate, name="allocate"),
    path("<uuid:public_id>/consent/", views.agreement, name="agreement"),
    path("<uuid:public_id>/consent/<int:agreement_id>/scan/", views.agreement_scan, name="agreement_scan"),
    path("<uuid:public_id>/consent/exception/", views.consent_exception, name="consent_exception"),
    path(
        "<uuid:public_id>/consent/exception/decision/", views.consent_exception_decide, name="consent_exception_decide"
    ),
    path("<uuid:public_id>/intake/", views.start_intake, name="start_intake"),
    path("<uuid:public_id>/goals/", views.goal_add, name="goal_add"),
    path("<uuid:public_id>/intake/scores/", views.intake_scores, name="intake_scores"),
    path("<uuid:public_id>/modules/start/", views.module_start, name="module_start"),
    path("<uuid:public_id>/modules/finish/", views.module_finish, name="module_finish"),
    path("<uuid:public_id>/evaluation/", views.evaluation, name="evaluation"),
    path("<uuid:public_id>/decision/", views.decide, name="decide"),
    path("<uuid:public_id>/approval/", views.approve, name="approve"),
    path("<uuid:public_id>/close/", views.close, name="close"),
    path("<uuid:public_id>/resume/", views.resume, name="resume"),
    path("<uuid:public_id>/regisseur/", views.regisseur, name="regisseur"),
    path("<uuid:public_id>/summary/", views.summary, name="summary"),
    path("<uuid:public_id>/follow-ups/<int:months>/", views.follow_up, name="follow_up"),
]
