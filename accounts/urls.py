from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.SignUpView.as_view(), name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("profile/calendar/", views.CalendarLinkView.as_view(), name="calendar_link"),
    path("profile/organizer-request/", views.OrganizerRequestView.as_view(), name="organizer_request"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("verify/resend/", views.ResendVerificationView.as_view(), name="verify_resend"),
    path("verify/<str:token>/", views.VerifyEmailView.as_view(), name="verify_email"),
    path("email/<str:token>/", views.ConfirmEmailChangeView.as_view(), name="confirm_email_change"),
]
