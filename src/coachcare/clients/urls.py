"""The clients app's own pages. Mounted in the ``clients`` namespace by ``home/client_urls.py``,
together with the client file and the referral that ``home`` composes."""

from django.urls import path

from coachcare.clients import views

urlpatterns = [
    path("me/access-log/", views.my_access_log, name="my_access_log"),
    path("export.csv", views.export_csv, name="export"),
    path("<uuid:public_id>/notes/", views.note_add, name="note_add"),
    path("<uuid:public_id>/access-log/", views.access_log, name="access_log"),
    path("<uuid:public_id>/invitation/", views.invite, name="invite"),
    path("<uuid:public_id>/invitation/<int:pk>/resend/", views.invitation_change, {"action": "resend"}, name="resend"),
    path("<uuid:public_id>/invitation/<int:pk>/revoke/", views.invitation_change, {"action": "revoke"}, name="revoke"),
    path("<uuid:public_id>/contact/", views.contact_edit, name="contact_edit"),
    path("<uuid:public_id>/family/new/", views.carer_add, name="carer_add"),
    path("<uuid:public_id>/family/<int:relation_id>/", views.carer_edit, name="carer_edit"),
    path("<uuid:public_id>/family/<int:relation_id>/gezag/", views.gezag_change, name="gezag_change"),
    path("<uuid:public_id>/family/<int:relation_id>/invitation/", views.family_member_invite, name="family_invite"),
]
