"""Staff accounts of one's own organisation, at /staff/: outside /accounts/, so behind the second factor."""

from django.urls import path

from coachcare.accounts import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("<int:pk>/active/", views.staff_member_active, name="member_active"),
    path("<int:pk>/team/", views.staff_member_team, name="member_team"),
    path("requests/<int:pk>/approve/", views.staff_change_request_decide, {"approve": True}, name="request_approve"),
    path("requests/<int:pk>/reject/", views.staff_change_request_decide, {"approve": False}, name="request_reject"),
    path("invitations/<int:pk>/resend/", views.staff_invitation_change, {"action": "resend"}, name="resend"),
    path("invitations/<int:pk>/revoke/", views.staff_invitation_change, {"action": "revoke"}, name="revoke"),
]
