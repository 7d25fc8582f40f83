"""People, profiles, friend requests, blocks and private messages: the pages.

Pages only translate: community.friends and community.messaging make every change and
refuse what the rules forbid (their words are shown), community.feeds says which posts
each person sees. Each change is a POST that goes back where the person was (``next``).

A profile is for signed-in people only, and anyone signed in may open it by its address,
even when its owner turned off "others can find me": that setting keeps them out of people
search, but their name already links to the profile from their posts, comments and their
friends' lists, and what the profile shows is guarded by the rules on posts (friends-only
ones go to friends) and on events (only to friends, and only if allowed). Someone in a
block with the viewer, either way, is not found, exactly like a name that is nobody's.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from accounts.models import User, fold
from accounts.views import safe_next
from bookings.views import SignInThenReturnMixin
from community import friends, messaging, reports
from community.feeds import visible_posts
from community.forms_posts import write_with
from community.models import MESSAGE_MAX_LENGTH, Block, Conversation, Friendship, Message
from community.selectors import blocked_between, events_going_to, requests_to
from community.templatetags.community import shown_name
from community.views_posts import shown_page
from eventhub.errors import DomainError, ErrorCode

PEOPLE_PER_PAGE = 20
MESSAGES_PER_PAGE = 30
REQUEST_GONE = "This friend request was withdrawn or answered."


def paginate(request, items, per_page: int, *, param: str = "page") -> Page:
    """The page of ``items`` that ``?param=`` asks for; any value shows a page rather than an error."""
    return Paginator(items, per_page).get_page(request.GET.get(param))


# Who is who to the viewer ---------------------------------------------------------


def relation(viewer, person, status: str | None, requested_by_id: int | None) -> str:
    """What ``person`` is to ``viewer``, from their Friendship row's status and sender (None: no row):
    "you", "friends", "asked" (the viewer asked them), "asking" (they asked the viewer) or "none"."""
    if person.pk == viewer.pk:
        return "you"
    if status == Friendship.Status.ACCEPTED:
        return "friends"
    if status == Friendship.Status.PENDING:
        return "asked" if requested_by_id == viewer.pk else "asking"
    return "none"


def with_relations(people: QuerySet[User], viewer) -> QuerySet[User]:
    """``people``, each with their Friendship row with ``viewer`` (its id, status and sender), in the same
    query."""
    pair = Friendship.objects.filter(
        Q(user_low=viewer, user_high=OuterRef("pk")) | Q(user_high=viewer, user_low=OuterRef("pk"))
    )
    return people.annotate(
        friendship_id=Subquery(pair.values("pk")[:1]),
        friendship_status=Subquery(pair.values("status")[:1]),
        friendship_requested_by=Subquery(pair.values("requested_by")[:1]),
    )


def person_shown_to(viewer, username: str) -> User:
    """The open account named ``username`` (in any case), unless one of the two blocks the other:
    then, as for a name that is nobody's, 404."""
    person = User.objects.filter(username_key=fold(username), is_active=True).first()
    if person is None or (person.pk != viewer.pk and blocked_between(viewer, person)):
        raise Http404(friends.NO_SUCH_PERSON)
    return person


def with_person(page: Page, user) -> Page:
    """Give each pair on ``page`` (a friendship, a conversation) ``person``: the one who is not ``user``."""
    for pair in page:
        pair.person = pair.other(user)
    return page


# Pages ------------------------------------------------------------------------------


class PeopleView(LoginRequiredMixin, TemplateView):
    """People search: part of a username or display name, in any case, accents or not."""

    template_name = "community/people.html"

    def get_context_data(self, **kwargs):
        viewer, text = self.request.user, self.request.GET.get("q", "")
        found = with_relations(friends.search_people(viewer=viewer, text=text), viewer)
        page = paginate(self.request, found, PEOPLE_PER_PAGE)
        for person in page:
            person.relation = relation(
                viewer, person, person.friendship_status, person.friendship_requested_by
            )
        too_short = bool(text.strip()) and len(text.strip()) < friends.SEARCH_MIN_LENGTH
        return super().get_context_data(q=text, page_obj=page, too_short=too_short, **kwargs)


class ProfileView(LoginRequiredMixin, TemplateView):
    """A person's profile: who they are, where the viewer stands with them, their posts the viewer may
    see, and the events they go to when the viewer may know."""

    template_name = "community/profile.html"

    def get_context_data(self, **kwargs):
        viewer = self.request.user
        person = person_shown_to(viewer, kwargs["username"])
        friendship = Friendship.objects.between(viewer, person).first()
        status, sender = (friendship.status, friendship.requested_by_id) if friendship else (None, None)
        stands = relation(viewer, person, status, sender)
        return super().get_context_data(
            person=person,
            friendship=friendship,
            relation=stands,
            page_obj=shown_page(self.request, visible_posts(viewer).filter(author=person)),
            going_to=events_going_to(person, relation=stands),
            **kwargs,
        )


class FriendRequestsView(LoginRequiredMixin, TemplateView):
    """Friend requests waiting for an answer: those sent to me (accept, decline), those I sent (cancel)."""

    template_name = "community/requests.html"

    def get_context_data(self, **kwargs):
        user, newest = self.request.user, ("-created_at", "-pk")
        incoming = requests_to(user).select_related("requested_by").order_by(*newest)
        sent = Friendship.objects.filter(status=Friendship.Status.PENDING, requested_by=user)
        sent = sent.select_related("user_low", "user_high").order_by(*newest)
        return super().get_context_data(
            incoming=paginate(self.request, incoming, PEOPLE_PER_PAGE),
            outgoing=with_person(paginate(self.request, sent, PEOPLE_PER_PAGE, param="sent"), user),
            **kwargs,
        )


class FriendsView(LoginRequiredMixin, TemplateView):
    """My friends, latest friendships first."""

    template_name = "community/friends.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        rows = Friendship.objects.involving(user).filter(status=Friendship.Status.ACCEPTED)
        rows = rows.select_related("user_low", "user_high").order_by("-accepted_at", "-pk")
        page = with_person(paginate(self.request, rows, PEOPLE_PER_PAGE), user)
        return super().get_context_data(page_obj=page, **kwargs)


class BlockedView(LoginRequiredMixin, TemplateView):
    """The people I block, latest first, each with an Unblock button."""

    template_name = "community/blocked.html"

    def get_context_data(self, **kwargs):
        rows = (
            Block.objects.filter(blocker=self.request.user)
            .select_related("blocked")
            .order_by("-created_at", "-pk")
        )
        return super().get_context_data(page_obj=paginate(self.request, rows, PEOPLE_PER_PAGE), **kwargs)


# Buttons ----------------------------------------------------------------------------


class ActionView(SignInThenReturnMixin, View):
    """POST: one button (``act``) about a person or a friend request, then back where the person was.

    ``act(user, target)`` calls one service and gives the words to say when it is done.
    """

    http_method_names = ["post"]
    act = None

    def return_to(self) -> str:
        return reverse("community:people")

    def post(self, request, **kwargs):
        try:
            target = self.target(request.user, **kwargs)
            done = self.act(request.user, target)
        except DomainError as refusal:
            messages.error(request, refusal.message)
            return redirect(safe_next(request) or self.return_to())
        messages.success(request, done)
        return redirect(self.after(target))

    def after(self, target) -> str:
        return safe_next(self.request) or self.return_to()


class PersonActionView(ActionView):
    def target(self, user, *, pk: int) -> User:
        return friends.find_person(pk=pk)

    def after(self, person) -> str:
        # The person's profile is not found by either of them once one blocks the other.
        if self.act is block:
            return reverse("community:blocked")
        return safe_next(self.request) or reverse("community:profile", args=[person.username])


class RequestActionView(ActionView):
    def target(self, user, *, pk: int) -> Friendship:
        yours = Friendship.objects.involving(user).select_related("user_low", "user_high")
        friendship = yours.filter(pk=pk).first()
        if friendship is None:
            raise DomainError(ErrorCode.NOT_FOUND, REQUEST_GONE)
        return friendship

    def return_to(self) -> str:
        return reverse("community:friend_requests")


def add_friend(user, person) -> str:
    friendship = friends.request_friendship(by=user, to=person)
    if friendship.status == Friendship.Status.ACCEPTED:  # they had asked first
        return f"You and {shown_name(person)} are now friends."
    return f"Friend request sent to {shown_name(person)}."


def remove_friend(user, person) -> str:
    friends.remove_friend(by=user, friend=person)
    return f"You and {shown_name(person)} are no longer friends."


def block(user, person) -> str:
    friends.block(by=user, whom=person)
    return f"You blocked {shown_name(person)}: you no longer see or find each other."


def unblock(user, person) -> str:
    friends.unblock(by=user, whom=person)
    return f"You no longer block {shown_name(person)}."


def accept(user, friendship) -> str:
    friends.accept_request(friendship=friendship, by=user)
    return f"You and {shown_name(friendship.other(user))} are now friends."


def decline(user, friendship) -> str:
    friends.decline_request(friendship=friendship, by=user)
    return f"You declined {shown_name(friendship.other(user))}'s friend request."


def cancel(user, friendship) -> str:
    friends.cancel_request(friendship=friendship, by=user)
    return f"You took back your friend request to {shown_name(friendship.other(user))}."


# Messages ---------------------------------------------------------------------------


class MessageForm(forms.Form):
    # Not required, no length check: the messaging service refuses in its own words.
    body = forms.CharField(
        label="Write a message",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MESSAGE_MAX_LENGTH}),
    )


class ConversationsView(LoginRequiredMixin, TemplateView):
    """My conversations, the latest first, each with how many of its messages I have not read."""

    template_name = "community/messages.html"

    def get_context_data(self, **kwargs):
        page = paginate(self.request, messaging.conversations_of(self.request.user), PEOPLE_PER_PAGE)
        return super().get_context_data(page_obj=with_person(page, self.request.user), **kwargs)


class ConversationView(LoginRequiredMixin, View):
    """GET: my conversation with one person, its latest messages shown first (and marked read).
    POST: send them a message.

    Only friends write; a conversation stays to read, without a form, once they are no longer friends.
    With nothing to read and no right to write, the page is not found, as for a name that is nobody's.
    """

    def get(self, request, username):
        self.open(username)
        if self.conversation is not None:
            messaging.mark_read(conversation=self.conversation, reader=request.user)
        return self.page(MessageForm())

    def post(self, request, username):
        self.open(username)
        form = MessageForm(request.POST)

        def send(data):
            return messaging.send_message(sender=request.user, to=self.person, body=data["body"])

        if write_with(form, send):
            return redirect("community:conversation", username=self.person.username)
        return self.page(form)

    def open(self, username: str) -> None:
        """Find the person, their conversation with the viewer, and whether the viewer may write to them."""
        viewer = self.request.user
        self.person = User.objects.filter(username_key=fold(username)).exclude(pk=viewer.pk).first()
        if self.person is None:
            raise Http404(messaging.ONLY_FRIENDS)
        self.conversation = Conversation.objects.between(viewer, self.person).first()
        self.may_write = messaging.may_write(viewer, self.person)
        if self.conversation is None and not self.may_write:
            raise Http404(messaging.ONLY_FRIENDS)

    def page(self, form: MessageForm):
        # Paged from the newest, so the first page is the latest messages, full; each page reads oldest first.
        newest_first = self.conversation.messages.order_by("-sent_at", "-pk") if self.conversation else []
        page = paginate(self.request, newest_first, MESSAGES_PER_PAGE)
        page.object_list = list(reversed(page.object_list))
        context = {
            "person": self.person,
            "page_obj": page,
            "form": form,
            "may_write": self.may_write,
            "only_friends": messaging.ONLY_FRIENDS,
        }
        return render(
            self.request, "community/conversation.html", context, status=400 if form.errors else 200
        )


@login_required
@require_POST
def report_message(request, pk: int):
    """POST: tell site staff that a message someone sent me is wrong; back to the conversation."""
    message = Message.objects.select_related("conversation").filter(pk=pk).first()
    try:
        if message is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such message.")
        reports.report(reporter=request.user, message=message, reason=request.POST.get("reason", ""))
    except DomainError as refusal:
        if refusal.code == ErrorCode.NOT_FOUND:
            raise Http404(refusal.message) from refusal
        messages.error(request, refusal.message)
    else:
        messages.success(request, "Thank you: site staff will look at it.")
    return redirect("community:conversation", username=message.conversation.other(request.user).username)
