from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("", views.EventListView.as_view(), name="list"),
    path("events/<int:pk>/", views.EventDetailView.as_view(), name="detail"),
    path("events/<int:pk>/<slug:slug>/", views.EventDetailView.as_view(), name="detail"),
    path("events/<int:pk>/calendar.ics", views.event_calendar_file, name="calendar"),
    path("events/calendar/", views.calendar_month, name="calendar_month"),
    path("organizers/<str:username>/", views.organizer_page, name="organizer"),
    path("favicon.ico", views.favicon, name="favicon"),
]
