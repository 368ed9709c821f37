"""Staff accounts of one's own organisation, at /staff/: outside /accounts/, so behind the second factor."""

from django.urls import path

from coachcare.accounts import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("<int:pk>/active/", views.staff_member_active, name="member_active"),
    path("invitations/<int:pk>/resend/", views.staff_invitation_change, {"action": "resend"}, name="resend"),
    path("invitations/<int:pk>/revoke/", views.staff_invitation_change, {"action": "revoke"}, name="revoke"),
]
