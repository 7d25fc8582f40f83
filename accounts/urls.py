from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.SignUpView.as_view(), name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("profile/calendar/", views.CalendarLinkView.as_view(), name="calendar_link"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
]
