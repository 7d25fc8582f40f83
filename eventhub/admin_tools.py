"""The organizer console's shared machinery, used by every app's admin.

Scoping to the signed-in organizer, times on an event's own clock, actions
that ask before they act and report each refusal, changelists that answer a
hand-edited address plainly instead of crashing, and the "view on site"
redirect scoped like the lists.
"""

from zoneinfo import ZoneInfo

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import get_fields_from_path, unquote
from django.contrib.admin.views.main import ERROR_FLAG, ChangeList
from django.contrib.admin.widgets import AdminSplitDateTime
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from eventhub.errors import DomainError

DATE_DRILL_DOWN = ("year", "month", "day")
INVALID_ADDRESS = "This list cannot be filtered the way the address asked, so it shows everything."


def event_time(moment, event) -> str:
    """A moment as the event's own clock shows it: "Sat 5 Dec 2026, 19:00"."""
    local = timezone.localtime(moment, ZoneInfo(event.timezone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


class OrganizerScopedMixin:
    """Scope every list, page, filter and autocomplete of a model admin or inline to what the user runs.

    The model's queryset says what that is (``managed_by``: everything for site
    staff, an organizer's own events and their bookings). An object outside the
    scope does not exist for them: its change, delete and history pages answer
    404, exactly as for an object that was never there.
    """

    def get_queryset(self, request):
        return super().get_queryset(request).managed_by(request.user)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Django's admin would redirect to its index instead; a 404 says plainly "not yours".
            raise Http404(f"No {self.opts.verbose_name} with id {object_id} here.")
        return obj


class ConsoleChangeList(ChangeList):
    """A list whose address names a date it cannot reach gets Django's "invalid lookup" answer.

    The date drill-down turns ``?starts_at__year=`` into dates; a year out of
    range overflows there, outside the checks Django wraps.
    """

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ArithmeticError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error


class ConsoleAdminMixin:
    """What every model admin of the console shares: a changelist that never crashes on its address.

    A query string can filter only through what the page offers (its list
    filters, date drill-down and search box); anything else is a 400 or
    Django's "invalid lookup" page, never a 500 or a database error. (A NUL
    byte, which PostgreSQL refuses, never gets this far: MalformedRequestMiddleware
    answers 400.) Date and time inputs carry their own names for assistive
    technology.
    """

    def get_changelist(self, request, **kwargs):
        return ConsoleChangeList

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        # Django lands a refused address on the whole list, marked ?e=1, without a word.
        if ERROR_FLAG in request.GET and isinstance(response, TemplateResponse):
            self.message_user(request, INVALID_ADDRESS, messages.WARNING)
        return response

    def lookup_allowed(self, lookup, value, request):
        return lookup in self.offered_lookups(request)

    def offered_lookups(self, request) -> set[str]:
        """The query-string keys the list's filters and date drill-down use."""
        drill_down = (f"{self.date_hierarchy}__{part}" for part in DATE_DRILL_DOWN)
        offered = set(drill_down if self.date_hierarchy else ())
        for list_filter in self.get_list_filter(request):
            offered.update(self._list_filter(request, list_filter).expected_parameters())
        return offered

    def _list_filter(self, request, list_filter):
        """The filter a ``list_filter`` entry stands for, built as the changelist builds it."""
        if callable(list_filter):
            return list_filter(request, {}, self.model, self)
        path, filter_class = list_filter if isinstance(list_filter, list | tuple) else (list_filter, None)
        field = get_fields_from_path(self.model, path)[-1]
        filter_class = filter_class or admin.FieldListFilter.create
        return filter_class(field, request, {}, self.model, self, field_path=path)

    def response_action(self, request, queryset):
        """Selected ids that cannot be ids at all (a hand-made POST) are a 400, not a crash in the ORM."""
        pk = self.opts.pk
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                pk.get_prep_value(pk.to_python(value))
        except (ValidationError, ValueError) as error:
            raise BadRequest("The selected items are not valid.") from error
        return super().response_action(request, queryset)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and isinstance(formfield.widget, AdminSplitDateTime):
            label = formfield.label or db_field.verbose_name.capitalize()
            for widget, part in zip(formfield.widget.widgets, ("date", "time"), strict=True):
                widget.attrs["aria-label"] = f"{label}: {part}"
        return formfield


def report_each(modeladmin, request, objects, service, *, done: tuple[str, str]) -> None:
    """Call ``service`` on each object; report how many succeeded and each refusal in plain words.

    ``done`` is the (singular, plural) success message, with ``%(count)d``.
    """
    count = 0
    for obj in objects:
        try:
            service(obj)
        except DomainError as refusal:
            modeladmin.message_user(request, f"{obj}: {refusal.message}", messages.WARNING)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, ngettext(*done, count) % {"count": count}, messages.SUCCESS)


def ask_then_report_each(
    modeladmin,
    request,
    objects,
    service,
    *,
    done: tuple[str, str],
    action: str,
    question: str,
    consequence: str,
    describe=str,
):
    """``report_each`` only when the POST comes from the page that asked first; until then, that page.

    Like Django's "delete selected": the action's first POST answers with a
    page that lists what it will act on and says what happens; only the POST
    from that page, carrying exactly the objects listed, acts.
    """
    if request.POST.get("confirmed") == "yes":
        report_each(modeladmin, request, objects, service, done=done)
        return None
    opts = modeladmin.opts
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": question,
        "opts": opts,
        "items": [(obj.pk, describe(obj)) for obj in objects],
        "consequence": consequence,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "changelist_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
    }
    return TemplateResponse(request, "admin/confirm_action.html", context)


@admin.site.admin_view
def view_on_site(request, content_type_id: int, object_id: str):
    """The admin's "view on site" redirect, for objects the signed-in user may see in the admin only.

    Django's own redirect finds any object by id and answers with its address,
    which holds an event's title even when it is someone else's draft.
    """
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist:
        raise Http404("No such kind of object.") from None
    if not admin.site.is_registered(model):
        raise Http404("No such object here.")
    model_admin = admin.site.get_model_admin(model)
    if not model_admin.has_view_or_change_permission(request):
        raise Http404("No such object here.")
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None or not model_admin.has_view_or_change_permission(request, obj):
        raise Http404("No such object here.")
    return shortcut(request, content_type_id, object_id)
