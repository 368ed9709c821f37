from django.urls import path

from coachcare.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("municipality/", views.municipality_dashboard, name="municipality"),
    path("municipality/report.<str:fmt>", views.evidence_report, name="evidence_report"),
    path("municipality/reference-cost/", views.reference_cost, name="reference_cost"),
    path("municipality/<str:code>/", views.municipality_dashboard, name="municipality_code"),
    path("region/", views.region_dashboard, name="region"),
    path("region/pilots/", views.region_pilots, name="region_pilots"),
    path("provider/", views.provider_dashboard, name="provider"),
    path("annotations/<str:kind>/", views.annotation_add, name="annotation_add"),
    path("pilots/", views.pilots, name="pilots"),
    path("pilots/<int:pilot_id>/comparison/", views.pilot_comparison, name="pilot_comparison"),
    path("pilots/<int:pilot_id>/report.pdf", views.pilot_report, name="pilot_report"),
    path("pilots/<int:pilot_id>/<str:step>/", views.pilot_step, name="pilot_step"),
    path("reviews/", views.quarterly_reviews, name="quarterly_reviews"),
    path("reviews/actions/<int:pk>/", views.review_action_follow_up, name="review_action"),
]
