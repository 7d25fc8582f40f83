from django.urls import path

from bookings import views

app_name = "bookings"

urlpatterns = [
    path("", views.MyBookingsView.as_view(), name="mine"),
    path("book/<int:event_id>/", views.BookView.as_view(), name="book"),
    path("<int:pk>/cancel/", views.CancelView.as_view(), name="cancel"),
]
