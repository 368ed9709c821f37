from django.urls import path

from coachcare.messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("open/<uuid:client_public_id>/", views.thread_open, name="open"),
    path("<uuid:public_id>/", views.thread_detail, name="thread"),
    path("<uuid:public_id>/new/", views.thread_new_messages, name="thread_new"),
    path(
        "<uuid:public_id>/attachments/<uuid:attachment_public_id>/",
        views.attachment_download,
        name="attachment",
    ),
]
