"""Pages of the feed, posts, comments, likes and shares."""

from django.urls import path

from community import views_posts as views
from community.models import Comment, Post

# The buttons on a post and on a comment: /posts/<id>/like/, /comments/<id>/hide/, ...
ACTIONS = {
    "like": views.like,
    "unlike": views.unlike,
    "hide": views.hide,
    "unhide": views.unhide,
    "report": views.report,
}

urlpatterns = [
    path("feed/", views.feed_page, name="feed"),
    path("posts/<int:pk>/", views.post_page, name="post"),
    path("posts/<int:pk>/share/", views.ActView.as_view(act=views.share), name="post_share"),
    # Not under /events/<id>/: the event page's /events/<id>/<slug>/ takes every word there.
    path("discussions/<int:event_id>/", views.event_posts_page, name="event_posts"),
    path("discussions/<int:event_id>/share/", views.EventShareView.as_view(), name="event_share"),
]
for kind, model in (("post", Post), ("comment", Comment)):
    urlpatterns += [
        path(f"{kind}s/<int:pk>/edit/", views.edit_page, {"model": model}, name=f"{kind}_edit"),
        path(
            f"{kind}s/<int:pk>/delete/",
            views.DeleteView.as_view(model=model, act=views.delete),
            name=f"{kind}_delete",
        ),
        *(
            path(
                f"{kind}s/<int:pk>/{action}/",
                views.ActView.as_view(model=model, act=act),
                name=f"{kind}_{action}",
            )
            for action, act in ACTIONS.items()
        ),
    ]
