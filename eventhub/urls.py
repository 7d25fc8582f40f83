from django.contrib import admin
from django.urls import include, path

from eventhub.admin_tools import view_on_site

urlpatterns = [
    path("", include("events.urls")),
    path("bookings/", include("bookings.urls")),
    path("accounts/", include("accounts.urls")),
    path("admin/r/<int:content_type_id>/<path:object_id>/", view_on_site),
    path("admin/", admin.site.urls),
    path("api/", include("eventhub.api_urls")),
]

# A malformed request (a bad Host, an oversized body): JSON under /api/, 413 when too large.
handler400 = "eventhub.views.bad_request"
