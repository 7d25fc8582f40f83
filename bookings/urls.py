from django.urls import path

from bookings import views

app_name = "bookings"

urlpatterns = [
    path("", views.MyBookingsView.as_view(), name="mine"),
    path("book/<int:event_id>/", views.BookView.as_view(), name="book"),
    path("book/<int:event_id>/seats/<int:ticket_type_id>/", views.SeatMapView.as_view(), name="seats"),
    path("<int:pk>/cancel/", views.CancelView.as_view(), name="cancel"),
    path("<int:pk>/change/", views.ChangeTicketView.as_view(), name="change"),
    path("<int:pk>/answers/", views.AnswersView.as_view(), name="answers"),
    path("<int:pk>/ticket/", views.ticket, name="ticket"),
    path("<int:pk>/ticket.pdf", views.ticket_pdf, name="ticket_pdf"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
