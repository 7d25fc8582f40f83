"""The community in the console: what people wrote, and the reports about it.

Organizers see the posts about the events they run, and those posts' comments;
site staff see every post and comment, the private messages and the reports.
Every page here is a record, read-only: staff decide about a report with its
actions, which ask first and write through community.reports. What people wrote
is shown as the text it is (the admin escapes it), never as HTML.
"""

from django.contrib import admin
from django.utils.text import Truncator

from community import posts, reports
from community.models import Comment, Message, Post, Report
from eventhub.admin_tools import ConsoleAdminMixin, ask_then_report_each, report_each
from payments.admin import EventRowsMixin, ReadOnlyRecordMixin

EXCERPT_CHARS = 80


def excerpt(text: str) -> str:
    return Truncator(text).chars(EXCERPT_CHARS)


class ModeratedAdminMixin:
    """Columns and actions of a post or a comment: its moderators (the organizer of the event it is
    about, and site staff) hide it and show it again, through community.posts."""

    actions = ("hide_selected", "unhide_selected")

    @admin.display(description="text")
    def excerpt_shown(self, row):
        return excerpt(row.body)

    @admin.display(description="by")
    def author_shown(self, row):
        return row.author.name

    @admin.display(description="hidden", boolean=True)
    def hidden(self, row):
        return row.is_hidden

    @admin.action(description="Hide (its author still sees it, marked hidden)", permissions=["change"])
    def hide_selected(self, request, queryset):
        report_each(
            self,
            request,
            queryset,
            lambda target: posts.hide(target=target, by=request.user),
            done=("Hid %(count)d item.", "Hid %(count)d items."),
        )

    @admin.action(description="Show again", permissions=["change"])
    def unhide_selected(self, request, queryset):
        report_each(
            self,
            request,
            queryset,
            lambda target: posts.unhide(target=target, by=request.user),
            done=("Showed %(count)d item again.", "Showed %(count)d items again."),
        )


@admin.register(Post)
class PostAdmin(
    EventRowsMixin, ReadOnlyRecordMixin, ConsoleAdminMixin, ModeratedAdminMixin, admin.ModelAdmin
):
    event_path = "event"
    list_display = ("excerpt_shown", "author_shown", "event", "visibility", "created_at", "hidden")
    list_filter = ("visibility", ("event", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("author", "event")
    search_fields = ("body",)
    fields = (
        "author_shown",
        "event",
        "visibility",
        "body",
        "shared_post",
        "created_at",
        "edited_at",
        "hidden_at",
        "like_count",
        "comment_count",
        "share_count",
    )
    readonly_fields = fields


@admin.register(Comment)
class CommentAdmin(
    EventRowsMixin, ReadOnlyRecordMixin, ConsoleAdminMixin, ModeratedAdminMixin, admin.ModelAdmin
):
    event_path = "post__event"
    list_display = ("excerpt_shown", "author_shown", "on_post", "created_at", "hidden")
    list_filter = (("post__event", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("author", "post")
    search_fields = ("body",)
    fields = (
        "author_shown",
        "post",
        "reply_to",
        "body",
        "created_at",
        "edited_at",
        "hidden_at",
        "like_count",
    )
    readonly_fields = fields

    @admin.display(description="on the post")
    def on_post(self, comment):
        return excerpt(comment.post.body)


class SiteStaffOnlyMixin:
    """Private or moderation records: for site staff only, whatever permissions a group grants."""

    def _site_staff(self, request) -> bool:
        # The admin's sign-in page lists the apps for a visitor who is not signed in yet.
        return request.user.is_authenticated and request.user.is_site_staff

    def has_module_permission(self, request):
        return self._site_staff(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._site_staff(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._site_staff(request) and super().has_change_permission(request, obj)


@admin.register(Message)
class MessageAdmin(SiteStaffOnlyMixin, ReadOnlyRecordMixin, ConsoleAdminMixin, admin.ModelAdmin):
    list_display = ("excerpt_shown", "sender_shown", "recipient", "sent_at", "read_at")
    list_select_related = ("sender", "conversation__user_low", "conversation__user_high")
    fields = ("sender_shown", "recipient", "body", "sent_at", "read_at")
    readonly_fields = fields

    @admin.display(description="text")
    def excerpt_shown(self, message):
        return excerpt(message.body)

    @admin.display(description="from")
    def sender_shown(self, message):
        return message.sender.name

    @admin.display(description="to")
    def recipient(self, message):
        return message.conversation.other(message.sender).name


REPORTED_WITH_AUTHOR = ("post__author", "comment__author", "message__sender")


@admin.register(Report)
class ReportAdmin(SiteStaffOnlyMixin, ReadOnlyRecordMixin, ConsoleAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "reported", "author", "reason_shown", "reporter_shown", "outcome")
    list_filter = ("outcome",)
    list_select_related = ("reporter", *REPORTED_WITH_AUTHOR)
    fields = (
        "reported",
        "author",
        "reported_text",
        "reason",
        "reporter_shown",
        "created_at",
        "outcome",
        "resolved_at",
        "resolved_by",
    )
    readonly_fields = fields
    actions = ("hide_selected", "restore_selected", "warn_selected", "deactivate_selected")

    @admin.display(description="reported")
    def reported(self, report):
        return f"{reports.kind_of(report).capitalize()}: {excerpt(reports.reported_thing(report).body)}"

    @admin.display(description="written by")
    def author(self, report):
        return reports.author_of(reports.reported_thing(report)).name

    @admin.display(description="what was written")
    def reported_text(self, report):
        return reports.reported_thing(report).body

    @admin.display(description="reason")
    def reason_shown(self, report):
        return excerpt(report.reason)

    @admin.display(description="reported by")
    def reporter_shown(self, report):
        return report.reporter.name

    def describe(self, report) -> str:
        return (
            f"{self.reported(report)} (by {self.author(report)}), reported because: {excerpt(report.reason)}"
        )

    def decide(self, request, queryset, service, **wording):
        return ask_then_report_each(
            self,
            request,
            queryset.select_related(*REPORTED_WITH_AUTHOR),
            lambda report: service(report=report, by=request.user),
            describe=self.describe,
            **wording,
        )

    @admin.action(description="Hide what was reported", permissions=["change"])
    def hide_selected(self, request, queryset):
        return self.decide(
            request,
            queryset,
            reports.hide_reported,
            action="hide_selected",
            question="Hide what these reports are about?",
            consequence="Each post or comment is hidden from everyone but its author, who sees it marked "
            "hidden. Every report of it is closed as hidden. Private messages cannot be hidden.",
            done=("Hid what %(count)d report was about.", "Hid what %(count)d reports were about."),
        )

    @admin.action(description="Leave as it was (show again if hidden)", permissions=["change"])
    def restore_selected(self, request, queryset):
        return self.decide(
            request,
            queryset,
            reports.restore_reported,
            action="restore_selected",
            question="Leave what these reports are about as it was?",
            consequence="Each post or comment is shown again if it was hidden. Every report of it is "
            "closed as left as it was.",
            done=(
                "Closed %(count)d report, leaving it as it was.",
                "Closed %(count)d reports, leaving them.",
            ),
        )

    @admin.action(description="Warn the author by email", permissions=["change"])
    def warn_selected(self, request, queryset):
        return self.decide(
            request,
            queryset,
            reports.warn_author,
            action="warn_selected",
            question="Warn the authors by email?",
            consequence="Each author gets an email quoting what they wrote and saying that it breaks the "
            "rules; the reporter is not named. Each thing's author is warned once.",
            done=("Warned the author of %(count)d report.", "Warned the authors of %(count)d reports."),
        )

    @admin.action(description="Deactivate the author's account", permissions=["change"])
    def deactivate_selected(self, request, queryset):
        return self.decide(
            request,
            queryset,
            reports.deactivate_author,
            action="deactivate_selected",
            question="Deactivate the authors' accounts?",
            consequence="Each author can no longer sign in, and their apps are signed out. What they wrote "
            "stays as it is: hide it too if it should go. Staff accounts are not closed this way.",
            done=(
                "Deactivated the author of %(count)d report.",
                "Deactivated the authors of %(count)d reports.",
            ),
        )
