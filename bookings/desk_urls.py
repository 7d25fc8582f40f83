"""The check-in desk's pages, under /manage/."""

from django.urls import path

from bookings.desk import CheckInDeskView

app_name = "desk"
urlpatterns = [
    path("events/<int:event_id>/check-in/", CheckInDeskView.as_view(), name="check_in"),
]
