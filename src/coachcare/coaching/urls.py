from django.urls import path

from coachcare.coaching import views

app_name = "coaching"

urlpatterns = [
    path("", views.home, name="home"),
    path("module/", views.module, name="module"),
    path("traject/", views.my_trajectory, name="trajectory"),
    path("module/assignments/<int:order>/", views.answer_save, name="answer_save"),
    path("diary/", views.diary, name="diary"),
    path("appointments/<uuid:public_id>.ics", views.appointment_calendar, name="appointment_ics"),
    path("questionnaires/<slug:code>/", views.questionnaire, name="questionnaire"),
    path("goals/rate/", views.goal_rating, name="goal_rating"),
    path("coach/", views.coach_overview, name="coach_overview"),
    path("coach/answers/<uuid:public_id>/feedback/", views.feedback_give, name="feedback_give"),
    path("coach/<uuid:public_id>/", views.coach_client, name="coach_client"),
    path("coach/<uuid:public_id>/appointments/", views.appointment_add, name="appointment_add"),
    path("coach/appointments/<uuid:public_id>/", views.appointment_change, name="appointment_change"),
    path(
        "coach/appointments/<uuid:public_id>/attendance/",
        views.appointment_attendance,
        name="appointment_attendance",
    ),
]
