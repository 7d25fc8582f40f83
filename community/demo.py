"""The demo site's community: friends and a friend request, a few profiles, posts about upcoming demo
events with comments, a reply, likes and a share, and a conversation with unread messages.

Everything is written through the community's services, as people would write it, so every count
is real (like, comment and share counts equal their rows). A handful of writes per person: far
under the posting and messaging limits.

Seeded once: when a demo person already has a friend, a friend request or a post, the community is
left as people have made it since (a removed friend or a deleted post is not brought back).
"""

from django.db import transaction
from django.db.models import Q

from accounts.models import User
from community import friends, messaging
from community.models import Friendship, Post
from community.posts import create_comment, create_post, like, share
from events.models import Event

PEOPLE = ("alice", "ben", "chloe", "dan", "emma")
PROFILES = {
    "alice": ("Alice Martin", "Django developer in Paris. Front row at meetups, back row at concerts."),
    "ben": ("Ben Carter", "Backend developer. Will trade conference stickers for coffee."),
    "chloe": ("Chloé Tanaka", "Tokyo. Classical music, sushi and PostgreSQL, in no particular order."),
}
# (who asks, who answers yes)
FRIENDSHIPS = [("alice", "ben"), ("chloe", "alice"), ("ben", "dan")]
# (who asks, who has not answered yet)
REQUESTS = [("emma", "alice")]
# Upcoming events seed_demo makes, as it tells them apart: (organizer, title).
MEETUP = ("olivia", "Django Meetup: Async views in practice")
JAZZ = ("oscar", "Jazz in the park")
SYMPHONY = ("olivia", "Symphony under the stars")
# (sender, recipient, words, whether the recipient has read it): Ben has two messages to read.
CONVERSATION = [
    ("alice", "ben", "Are you coming to the async views meetup? I'll keep you a seat at the front.", True),
    ("ben", "alice", "Booked it this morning! Dinner afterwards?", True),
    ("alice", "ben", "Yes! There's a good ramen place two streets away.", False),
    ("alice", "ben", "I'll send you the address on the day.", False),
]


def seed_community() -> bool:
    """Seed the demo community unless a demo person already has a friend, a request or a post; whether
    it did. All or nothing, so a failure halfway leaves no half community to block the next run."""
    people = {user.username: user for user in User.objects.filter(username__in=PEOPLE)}
    if _has_community(list(people.values())):
        return False
    with transaction.atomic():
        _profiles(people)
        _friendships(people)
        _meetup_thread(people)
        _more_posts(people)
        _conversation(people)
    return True


def _has_community(people: list[User]) -> bool:
    pairs = Friendship.objects.filter(Q(user_low__in=people) | Q(user_high__in=people))
    return pairs.exists() or Post.objects.filter(author__in=people).exists()


def _profiles(people: dict[str, User]) -> None:
    for username, (display_name, bio) in PROFILES.items():
        person = people[username]
        person.display_name, person.bio = display_name, bio
        person.save(update_fields=["display_name", "bio"])


def _friendships(people: dict[str, User]) -> None:
    for sender, recipient in FRIENDSHIPS:
        request = friends.request_friendship(by=people[sender], to=people[recipient])
        friends.accept_request(friendship=request, by=people[recipient])
    for sender, recipient in REQUESTS:
        friends.request_friendship(by=people[sender], to=people[recipient])


def _meetup_thread(people: dict[str, User]) -> None:
    """A public post with comments, a reply, likes and a share by someone who is not the author's friend."""
    alice, ben, chloe, dan = (people[name] for name in ("alice", "ben", "chloe", "dan"))
    post = create_post(
        author=alice,
        event=_event(*MEETUP),
        body="Who else is coming? I have questions about **database connections** in async views.",
    )
    question = create_comment(post=post, author=ben, body="Me! Do you think they'll cover Channels too?")
    create_comment(post=post, author=alice, reply_to=question, body="I hope so. I'll ask if nobody does.")
    create_comment(post=post, author=chloe, body="Too far from Tokyo for me: please share the slides!")
    for fan in (ben, chloe):
        like(by=fan, target=post)
    like(by=alice, target=question)
    share(by=dan, post=post, body="Async Django in London: worth the trip.")


def _more_posts(people: dict[str, User]) -> None:
    """A public post with a like, and a friends-only one that only Chloé's friends see."""
    alice, ben, chloe, dan = (people[name] for name in ("alice", "ben", "chloe", "dan"))
    jazz = create_post(
        author=ben,
        event=_event(*JAZZ),
        body="Blankets, sandwiches and a brass band this week. Who's in?",
    )
    like(by=dan, target=jazz)
    symphony = create_post(
        author=chloe,
        event=_event(*SYMPHONY),
        body="I'm flying in for this one! Who else is going? Let's find seats together.",
        visibility=Post.Visibility.FRIENDS,
    )
    create_comment(post=symphony, author=alice, body="Jealous! Let's meet at the interval.")
    like(by=alice, target=symphony)


def _conversation(people: dict[str, User]) -> None:
    for sender, recipient, body, read in CONVERSATION:
        message = messaging.send_message(sender=people[sender], to=people[recipient], body=body)
        if read:
            messaging.mark_read(conversation=message.conversation, reader=people[recipient])


def _event(organizer: str, title: str) -> Event:
    return Event.objects.get(organizer__username=organizer, title=title)
