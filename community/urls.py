"""The community's pages: the feed and posts, people and friends, messages."""

from django.urls import include, path

app_name = "community"
urlpatterns = [
    path("", include("community.urls_posts")),
    path("", include("community.urls_people")),
]
