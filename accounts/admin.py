"""The user admin: superusers manage accounts, their role and their time zone."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from rest_framework_simplejwt.token_blacklist.admin import BlacklistedTokenAdmin, OutstandingTokenAdmin
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.forms import AdminLoginForm
from accounts.models import User, timezone_choices
from accounts.services import set_role, sync_organizer_group
from eventhub.admin_tools import ConsoleAdminMixin

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


# The admins that come with Django and simplejwt get the console's guards too: junk in their
# addresses is a 400 or the "invalid lookup" page, never a 500.
for model, model_admin in (
    (Group, GroupAdmin),
    (OutstandingToken, OutstandingTokenAdmin),
    (BlacklistedToken, BlacklistedTokenAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (ConsoleAdminMixin, model_admin), {}))
