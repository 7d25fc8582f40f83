import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from community.models import Block, Friendship, Post


class FriendshipFactory(factory.django.DjangoModelFactory):
    """A friend request from ``sender`` to ``recipient``, stored as the table wants the pair (lower id
    first); ``accepted=True`` makes them friends."""

    class Meta:
        model = Friendship

    class Params:
        sender = factory.SubFactory(UserFactory)
        recipient = factory.SubFactory(UserFactory)
        accepted = factory.Trait(
            status=Friendship.Status.ACCEPTED, accepted_at=factory.LazyFunction(timezone.now)
        )

    user_low = factory.LazyAttribute(lambda row: min(row.sender, row.recipient, key=lambda user: user.pk))
    user_high = factory.LazyAttribute(lambda row: max(row.sender, row.recipient, key=lambda user: user.pk))
    requested_by = factory.SelfAttribute("sender")


def make_friends(a, b) -> Friendship:
    return FriendshipFactory(sender=a, recipient=b, accepted=True)


def make_request(sender, recipient) -> Friendship:
    return FriendshipFactory(sender=sender, recipient=recipient)


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block

    blocker = factory.SubFactory(UserFactory)
    blocked = factory.SubFactory(UserFactory)


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Post number {n}")


# What the navigation costs a signed-in page: the unread messages and the friend requests it shows.
NAV_QUERIES = 2
