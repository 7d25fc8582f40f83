"""The user admin: superusers manage accounts, their role and their time zone, and decide who becomes
an organizer when the site takes organizers on approval."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.utils.text import Truncator
from rest_framework_simplejwt.token_blacklist.admin import BlacklistedTokenAdmin, OutstandingTokenAdmin
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import services
from accounts.forms import AdminLoginForm
from accounts.models import ASK_AGAIN_AFTER_DECLINE, OrganizerRequest, User, timezone_choices
from accounts.services import set_role, sync_organizer_group
from eventhub.admin_tools import ConsoleAdminMixin, ask_then_report_each

# The admin's sign-in page counts against the same lockout as every other way in.
admin.site.login_form = AdminLoginForm


class TimezoneSelectMixin:
    """Offer the ``timezone`` field as a list of known zones instead of free text."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "timezone":
            return forms.ChoiceField(
                choices=timezone_choices,
                initial=db_field.default,
                label=db_field.verbose_name.capitalize(),
                help_text=db_field.help_text,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(User)
class EventhubUserAdmin(ConsoleAdminMixin, TimezoneSelectMixin, UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            "On eventhub",
            {"fields": ("role", "timezone", "email_verified_at", "email_reminders", "email_announcements")},
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "email",
                    "role",
                    "timezone",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    # Staff status follows the role (organizers work in the admin), so it is shown, not edited.
    readonly_fields = ("is_staff", "last_login", "date_joined", "email_verified_at")
    list_display = ("username", "email", "role", "is_staff", "is_superuser")
    list_filter = ("role", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "email")

    def save_model(self, request, obj, form, change):
        set_role(user=obj, role=obj.role)  # staff status and the Organizers group follow the role

    def save_related(self, request, form, formsets, change):
        # The groups field is saved after the user: put the Organizers group back in step with the role.
        super().save_related(request, form, formsets, change)
        sync_organizer_group(user=form.instance)


@admin.register(OrganizerRequest)
class OrganizerRequestAdmin(ConsoleAdminMixin, admin.ModelAdmin):
    """Requests to become an organizer: site staff approve or decline them with the actions, which ask
    first and decide through accounts.services. Each page is a read-only record. While the site takes
    organizers openly (ORGANIZER_SIGNUP=open) nobody asks, so the admin's menus leave the list out (its
    address still answers site staff, for requests made while approval was on).
    """

    list_display = ("user", "email", "created_at", "note_shown", "status", "decided_at", "decided_by")
    list_filter = ("status",)
    list_select_related = ("user", "decided_by")
    search_fields = ("user__username", "user__email")
    fields = ("user", "email", "note", "created_at", "status", "decided_at", "decided_by")
    readonly_fields = fields
    actions = ("approve_selected", "decline_selected")

    def _site_staff(self, request) -> bool:
        # The admin's sign-in page lists the apps for a visitor who is not signed in yet.
        return request.user.is_authenticated and request.user.is_site_staff

    def has_module_permission(self, request):
        listed = services.organizer_approval_on() and self._site_staff(request)
        return listed and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._site_staff(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        # Kept for the list alone, where the actions need it: a request changes only by a decision.
        return obj is None and self._site_staff(request) and super().has_change_permission(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="email", ordering="user__email")
    def email(self, organizer_request):
        return organizer_request.user.email

    @admin.display(description="what they organise")
    def note_shown(self, organizer_request):
        return Truncator(organizer_request.note).chars(80) or "—"

    def describe(self, organizer_request) -> str:
        user = organizer_request.user
        asked = f"{user.username} ({user.email}), asked {organizer_request.created_at:%Y-%m-%d}"
        return f"{asked}: {self.note_shown(organizer_request)}"

    @admin.action(description="Approve: make them organizers", permissions=["change"])
    def approve_selected(self, request, queryset):
        return ask_then_report_each(
            self,
            request,
            queryset.select_related("user"),
            lambda row: services.approve_organizer_request(organizer_request=row, by=request.user),
            done=("Approved %(count)d request.", "Approved %(count)d requests."),
            action="approve_selected",
            question="Approve these requests?",
            consequence="Each person becomes an organizer: they can sign in to the organizer console and "
            "run events. They are emailed the decision. Requests decided already are left as they are.",
            describe=self.describe,
        )

    @admin.action(description="Decline: they stay attendees", permissions=["change"])
    def decline_selected(self, request, queryset):
        return ask_then_report_each(
            self,
            request,
            queryset.select_related("user"),
            lambda row: services.decline_organizer_request(organizer_request=row, by=request.user),
            done=("Declined %(count)d request.", "Declined %(count)d requests."),
            action="decline_selected",
            question="Decline these requests?",
            consequence="Each person stays an attendee and is emailed the decision; they may ask again "
            f"after {ASK_AGAIN_AFTER_DECLINE.days} days. Requests decided already are left as they are.",
            describe=self.describe,
        )


# The admins that come with Django and simplejwt get the console's guards too: junk in their
# addresses is a 400 or the "invalid lookup" page, never a 500.
for model, model_admin in (
    (Group, GroupAdmin),
    (OutstandingToken, OutstandingTokenAdmin),
    (BlacklistedToken, BlacklistedTokenAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (ConsoleAdminMixin, model_admin), {}))
