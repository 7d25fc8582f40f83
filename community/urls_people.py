"""Pages of people, profiles, friends, blocks and messages."""

from django.urls import path

from community import views_people as views

# The buttons about a person (/people/<id>/add/) and about a friend request (/friends/requests/<id>/accept/).
# The lists live under /friends/, so that no username can shadow them under /people/<username>/.
PERSON_ACTIONS = {
    "add": views.add_friend,
    "remove": views.remove_friend,
    "block": views.block,
    "unblock": views.unblock,
}
REQUEST_ACTIONS = {"accept": views.accept, "decline": views.decline, "cancel": views.cancel}

urlpatterns = [
    path("people/", views.PeopleView.as_view(), name="people"),
    path("friends/", views.FriendsView.as_view(), name="friends"),
    path("friends/requests/", views.FriendRequestsView.as_view(), name="friend_requests"),
    path("friends/blocked/", views.BlockedView.as_view(), name="blocked"),
    *(
        path(f"people/<int:pk>/{action}/", views.PersonActionView.as_view(act=act), name=f"person_{action}")
        for action, act in PERSON_ACTIONS.items()
    ),
    *(
        path(
            f"friends/requests/<int:pk>/{action}/",
            views.RequestActionView.as_view(act=act),
            name=f"request_{action}",
        )
        for action, act in REQUEST_ACTIONS.items()
    ),
    path("people/<str:username>/", views.ProfileView.as_view(), name="profile"),
    path("messages/", views.ConversationsView.as_view(), name="conversations"),
    path("messages/<str:username>/", views.ConversationView.as_view(), name="conversation"),
    path("messages/report/<int:pk>/", views.report_message, name="message_report"),
]
