from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from accounts.views import admin_login, admin_password_change
from eventhub.admin_tools import view_on_site
from eventhub.media import media
from events.sitemaps import SITEMAPS

urlpatterns = [
    path("", include("events.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="django.contrib.sitemaps.views.sitemap"),
    path("bookings/", include("bookings.urls")),
    path("payments/", include("payments.urls")),
    path("manage/", include("bookings.desk_urls")),
    path("", include("community.urls")),
    path("accounts/", include("accounts.urls")),
    path("admin/r/<int:content_type_id>/<path:object_id>/", view_on_site),
    # Every way in shares one sign-in lockout: the admin's own pages too.
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/password_change/", admin_password_change, name="admin_password_change"),
    path("admin/", admin.site.urls),
    path("api/", include("eventhub.api_urls")),
    path("media/<path:path>", media, name="media"),
]

# A malformed request (a bad Host, an oversized body): JSON under /api/, 413 when too large.
handler400 = "eventhub.views.bad_request"
