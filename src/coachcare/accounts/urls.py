from django.urls import path

from coachcare.accounts import views

app_name = "accounts"

# Everything under /accounts/ is reachable before the second factor (RequireTwoFactorMiddleware):
# only login, logout, the second factor itself, invitations and password reset belong here.
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("verify/", views.verify, name="verify"),
    path("2fa/setup/", views.setup, name="setup"),
    path("digid/", views.DigidLoginView.as_view(), name="digid-login"),
    path("digid/callback/", views.DigidCallbackView.as_view(), name="digid-callback"),
    path("invitation/", views.invitation_password, name="invitation_password"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("welcome/", views.welcome, name="welcome"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
