from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("events.urls")),
    path("bookings/", include("bookings.urls")),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("eventhub.api_urls")),
]
