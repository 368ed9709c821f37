from django.urls import path

from coachcare.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("verify/", views.verify, name="verify"),
    path("2fa/setup/", views.setup, name="setup"),
    path("digid/", views.DigidLoginView.as_view(), name="digid-login"),
    path("digid/callback/", views.DigidCallbackView.as_view(), name="digid-callback"),
]
