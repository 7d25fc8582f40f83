"""API shapes for friends, friend requests, blocks and people search. Emails never appear here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from community.friends import SEARCH_MIN_LENGTH, find_person
from community.models import Block, Friendship

# Which way a friend request went, seen from the one asking.
DIRECTIONS = [("incoming", "Sent to you, to accept or decline"), ("outgoing", "Sent by you, to cancel")]


class PersonSerializer(serializers.ModelSerializer):
    """What anyone signed in may see of a person."""

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "bio"]
        read_only_fields = fields


class PersonChoiceSerializer(serializers.Serializer):
    """Names the person to befriend or block, by id."""

    user = serializers.IntegerField(min_value=1, help_text="The person's id.")

    def validate_user(self, pk: int) -> User:
        # An unknown id is refused in the words a block is, so neither tells the other apart.
        return find_person(pk=pk)


class PeopleSearchSerializer(serializers.Serializer):
    search = serializers.CharField(min_length=SEARCH_MIN_LENGTH, max_length=100)


class FriendSerializer(serializers.ModelSerializer):
    """A friend of the one asking, and since when."""

    user = serializers.SerializerMethodField()
    since = serializers.DateTimeField(source="accepted_at", read_only=True)

    class Meta:
        model = Friendship
        fields = ["user", "since"]

    @extend_schema_field(PersonSerializer)
    def get_user(self, friendship: Friendship) -> dict:
        return PersonSerializer(friendship.other(self.context["request"].user)).data


class FriendRequestSerializer(serializers.ModelSerializer):
    """A friend request sent to or by the one asking (accepted once answered yes)."""

    sender = PersonSerializer(source="requested_by", read_only=True)
    recipient = serializers.SerializerMethodField()
    direction = serializers.SerializerMethodField()

    class Meta:
        model = Friendship
        fields = ["id", "sender", "recipient", "direction", "status", "created_at", "accepted_at"]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer)
    def get_recipient(self, friendship: Friendship) -> dict:
        return PersonSerializer(friendship.other(friendship.requested_by)).data

    @extend_schema_field(serializers.ChoiceField(choices=DIRECTIONS))
    def get_direction(self, friendship: Friendship) -> str:
        return "outgoing" if friendship.requested_by_id == self.context["request"].user.pk else "incoming"


class BlockSerializer(serializers.ModelSerializer):
    """Someone the one asking blocks."""

    user = PersonSerializer(source="blocked", read_only=True)

    class Meta:
        model = Block
        fields = ["user", "created_at"]
