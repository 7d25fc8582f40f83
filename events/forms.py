"""The organizer console's forms: they only validate, asking the services' rules, and show every refusal.

Each form writes nothing: the admin saves through events.services once the
whole page is valid, and a refusal the services give at that moment comes back
to the form (``refused_on_save``) to be shown beside its field. Booking
questions, which no service guards (no counter, no lock), are saved by the
admin itself once their rows pass the model's own checks.
"""

from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib.admin import widgets
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.functional import cached_property

from eventhub.errors import DomainError
from events import images, services
from events.clock import instant_in_zone
from events.models import CAPACITY_RANGE_MESSAGE, MAX_CAPACITY, MIN_CAPACITY, Event, Question, TicketType
from events.series import NTH_NAMES, WEEKDAY_NAMES, Frequency, Repeat, Scope, local_start
from events.services import MAX_ROWS, MAX_SEATS_PER_ROW, SeatLayout

TIME_FIELDS = ("starts_at", "ends_at")
PLACE_FIELDS = ("attendance", "location", "address", "city", "map_url", "online_url")
LISTING_FIELDS = ("category", "tags")  # how people find it
PAYMENT_FIELDS = ("hold_minutes", "payment_providers", "refund_cutoff_hours")  # how an event takes money
TICKET_TYPE_FIELDS = (
    "name",
    "description",
    "price",
    "tax_rate",
    "capacity",
    "sales_start",
    "sales_end",
    "position",
)
QUESTION_FIELDS = ("label", "kind", "options", "required", "ticket_type", "position")
SALES_TIME_FIELDS = ("sales_start", "sales_end")
# The event page's picture inputs, saved by the picture services once the event is (EventAdmin.save_related).
PICTURE_INPUTS = ("image", "remove_image", "image_alt")


class RefusedOnSave(Exception):
    """A service refused at save time what the page's checks allowed (someone else changed the event).

    ``prefix`` names the ticket type row refused, or is None for the event itself.
    """

    def __init__(self, refusal: DomainError | ValidationError, *, prefix: str | None = None):
        super().__init__(str(refusal))
        self.refusal = refusal
        self.prefix = prefix


def add_refusal(form: forms.BaseForm, refusal: DomainError | ValidationError) -> None:
    """Show a service's refusal beside the field it is about, or above the form when it names none."""
    if isinstance(refusal, DomainError):
        form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        return
    by_field = refusal.error_dict if hasattr(refusal, "error_dict") else {NON_FIELD_ERRORS: refusal}
    for name, errors in by_field.items():
        form.add_error(name if name in form.fields else None, errors)


class KeptWhenEmpty:
    """A number left empty keeps the value it had (a new row's default): the page shows that value, and a
    post without it (a script's, or a page from before the field existed) changes nothing."""

    def __init__(self, **kwargs):
        super().__init__(**{**kwargs, "required": False})

    def has_changed(self, initial, data):
        return data not in self.empty_values and super().has_changed(initial, data)


class KeptWhenEmptyInteger(KeptWhenEmpty, forms.IntegerField):
    pass


class KeptWhenEmptyDecimal(KeptWhenEmpty, forms.DecimalField):
    pass


def keep_empty_numbers(form: forms.ModelForm, cleaned: dict) -> None:
    """Put back the instance's value of each KeptWhenEmpty field left empty."""
    for name, field in form.fields.items():
        if isinstance(field, KeptWhenEmpty) and cleaned.get(name) is None and name not in form.errors:
            cleaned[name] = getattr(form.instance, name)


class EventClockMixin:
    """Times typed and shown on the event's own clock, whoever reads the page and wherever they are.

    A time left as it was keeps its stored instant: the shown wall time may name
    two instants (the hour the clocks go back).
    """

    time_fields: tuple[str, ...] = ()

    def show_times_in(self, zone: ZoneInfo) -> None:
        for name in self.time_fields:
            moment = getattr(self.instance, name)
            if moment is not None:
                self.initial[name] = timezone.make_naive(moment, zone)

    def read_times_in(self, cleaned: dict, zone: ZoneInfo) -> None:
        for name in self.time_fields:
            if cleaned.get(name) is None:
                continue
            if self.keeps_stored_time(name):
                cleaned[name] = getattr(self.instance, name)
                continue
            try:
                cleaned[name] = instant_in_zone(timezone.make_naive(cleaned[name]), zone)
            except ValidationError as error:
                self.add_error(name, error)

    def keeps_stored_time(self, name: str) -> bool:
        return self.instance.pk is not None and name not in self.changed_data


def model_url_field(name: str) -> forms.URLField:
    """The event's link field ``name`` as a form field; a link typed without a scheme is read as https."""
    field = Event._meta.get_field(name)
    return forms.URLField(
        required=False,
        max_length=field.max_length,
        assume_scheme="https",
        label=field.verbose_name[:1].upper() + field.verbose_name[1:],
        help_text=field.help_text,
    )


class TagsField(forms.CharField):
    """Tags typed as one line, separated by commas; the service cleans the names (trims, drops repeats)."""

    widget = forms.TextInput(attrs={"size": 60})

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        return [name for name in super().to_python(value).split(",") if name.strip()]


class EventAdminForm(EventClockMixin, forms.ModelForm):
    """Only validates: whatever the services would refuse shows beside its field, all at once.

    The services judge their own rules; the form asks them through
    events.services' ``*_refusals`` checks, which write nothing, and
    EventAdmin.save_model writes through the services once the whole page is
    valid. Times are typed and shown in the event's own zone.
    """

    time_fields = TIME_FIELDS
    user = None  # the signed-in user, set by EventAdmin.get_form
    refused_on_save = None  # what the services refused when this page last tried to save
    # The ways to pay by name, as people read them; set by EventAdmin.get_form (this app knows no payments).
    payment_provider_labels: dict[str, str] = {}

    capacity = forms.IntegerField(
        min_value=MIN_CAPACITY,
        max_value=MAX_CAPACITY,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value", "max_value"), CAPACITY_RANGE_MESSAGE
        ),
        help_text=Event._meta.get_field("capacity").help_text,
        widget=widgets.AdminIntegerFieldWidget,
    )
    payment_providers = forms.MultipleChoiceField(
        label="Ways to pay",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick none to offer every way to pay this site takes.",
    )
    map_url = model_url_field("map_url")
    online_url = model_url_field("online_url")
    tags = TagsField(
        required=False,
        help_text=f"Words people find it by, comma-separated (jazz, outdoor); at most {services.MAX_TAGS}.",
    )
    image = forms.FileField(
        label="Picture",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=f"A JPEG, PNG or WebP of at least {images.MIN_WIDTH} by {images.MIN_HEIGHT} pixels, up to "
        f"{filesizeformat(settings.EVENT_IMAGE_MAX_BYTES)}. It is cut to a card for lists and a banner for "
        "the event's page; where and with what it was taken is not kept.",
    )
    remove_image = forms.BooleanField(label="Remove the picture", required=False)

    class Meta:
        model = Event
        fields = (
            "organizer",
            "title",
            "description",
            *PLACE_FIELDS,
            "category",
            "status",
            "capacity",
            "currency",
            "timezone",
            *TIME_FIELDS,
            *PAYMENT_FIELDS,
            "image_alt",
        )
        field_classes = {"hold_minutes": KeptWhenEmptyInteger, "refund_cutoff_hours": KeptWhenEmptyInteger}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["payment_providers"].choices = [
            (name, self.payment_provider_labels.get(name, name)) for name in settings.PAYMENT_PROVIDERS
        ]
        if self.instance.pk is None:
            self.fields["status"].choices = [
                choice for choice in Event.Status.choices if choice[0] in services.NEW_EVENT_STATUSES
            ]
        else:
            self.show_times_in(ZoneInfo(self.instance.timezone))
            self.initial["tags"] = [tag.name for tag in self.instance.tags.all()]

    def clean(self):
        cleaned = super().clean()
        keep_empty_numbers(self, cleaned)
        if cleaned.get("timezone"):
            self.read_times_in(cleaned, ZoneInfo(cleaned["timezone"]))
        # After a refusal at save time the check had passed: the refusal is the news.
        refusals = (
            [self.refused_on_save]
            if self.refused_on_save
            else [*self._service_refusals(), *self._picture_refusals(cleaned)]
        )
        for refusal in refusals:
            add_refusal(self, refusal)
        return cleaned

    def keeps_stored_time(self, name: str) -> bool:
        # A new zone moves the event: its wall times are read again in that zone.
        return super().keeps_stored_time(name) and "timezone" not in self.changed_data

    def service_fields(self) -> dict:
        """The cleaned fields as the services take them (the organizer is whom the event is for)."""
        left_out = ("organizer", *PICTURE_INPUTS)
        return {name: value for name, value in self.cleaned_data.items() if name not in left_out}

    def new_event_organizer(self):
        return self.cleaned_data.get("organizer") or self.user

    def _service_refusals(self) -> list:
        if self.instance.pk is None:
            return services.new_event_refusals(organizer=self.new_event_organizer(), **self.service_fields())
        return services.event_change_refusals(event=self.instance, by=self.user, **self.service_fields())

    def _picture_refusals(self, cleaned: dict) -> list:
        """The upload judged from its header (the picture service reads it whole when saving)."""
        upload = cleaned.get("image")
        if upload and cleaned.get("remove_image"):
            return [ValidationError({"remove_image": "Choose a new picture or remove this one, not both."})]
        if cleaned.get("remove_image"):
            # The model's rules (a picture needs its description) then judge the event without it.
            self.instance.image_card = self.instance.image_banner = ""
        refusal = images.upload_refusal(upload) if upload else None
        return [refusal] if refusal else []


class TicketTypeForm(EventClockMixin, forms.ModelForm):
    """One ticket type row of the event page. Sales times are on the event's clock.

    A seated type sells its seats, so its capacity follows its seat layout and is
    not typed here. A new row left without a position goes after the others.
    """

    time_fields = SALES_TIME_FIELDS

    class Meta:
        model = TicketType
        fields = TICKET_TYPE_FIELDS
        field_classes = {"tax_rate": KeptWhenEmptyDecimal}
        widgets = {"description": forms.Textarea(attrs={"rows": 2, "cols": 30})}

    def __init__(self, *args, event: Event, refused_on_save=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = ZoneInfo(event.timezone)
        self.refused_on_save = refused_on_save
        self.show_times_in(self.zone)
        self.fields["price"].label = f"Price ({event.currency})"
        self.fields["tax_rate"].label = "Tax (%)"
        self.fields["capacity"].disabled = self.instance.seated
        if self.instance.pk is None:
            self.fields["position"].required = False
            self.initial["position"] = None

    def clean(self):
        cleaned = super().clean()
        keep_empty_numbers(self, cleaned)
        self.read_times_in(cleaned, self.zone)
        if cleaned.get(DELETION_FIELD_NAME):
            return cleaned  # the formset reports what deleting was refused
        refusals = [self.refused_on_save] if self.refused_on_save else self._capacity_refusals()
        for refusal in refusals:
            add_refusal(self, refusal)
        return cleaned

    def _capacity_refusals(self) -> list[DomainError]:
        capacity = self.cleaned_data.get("capacity")
        if self.instance.pk is None or capacity is None or "capacity" not in self.changed_data:
            return []
        refusal = services.ticket_type_capacity_refusal(ticket_type=self.instance, capacity=capacity)
        return [refusal] if refusal else []

    def changes(self) -> dict:
        """The edited fields as update_ticket_type takes them."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in TICKET_TYPE_FIELDS}

    def new_type_fields(self) -> dict:
        """The fields as create_ticket_type takes them (no position: after the others)."""
        return {name: value for name, value in self.cleaned_data.items() if name in TICKET_TYPE_FIELDS}


class TicketTypeFormSet(BaseInlineFormSet):
    """The event page's ticket types, written only through events.services.

    ``save_through_services`` changes, adds, then deletes (so the last type can
    be replaced on one page). A refusal at that moment is raised as
    ``RefusedOnSave`` with the row's prefix; the page is then shown again from
    the same post, with the refusal beside its field (or above the table, for a
    refused deletion).
    """

    refused_on_save: RefusedOnSave | None = None  # from the page's last attempt to save

    def get_form_kwargs(self, index):
        kwargs = {**super().get_form_kwargs(index), "event": self.instance}
        refused = self.refused_on_save
        if refused is not None and index is not None and self.add_prefix(index) == refused.prefix:
            kwargs["refused_on_save"] = refused.refusal
        return kwargs

    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if form.refused_on_save is not None:
                raise ValidationError(f"{form.instance.name}: {_message(form.refused_on_save)}")

    def save_through_services(self, *, by) -> None:
        """Write each changed row through the services, which decide again under the event's lock."""
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        for form, write in self._writes(by):
            try:
                write()
            except (DomainError, ValidationError) as refusal:
                raise RefusedOnSave(refusal, prefix=form.prefix) from refusal

    def _writes(self, by):
        for form in self.initial_forms:
            if form in self.deleted_forms or not form.has_changed():
                continue
            yield form, lambda form=form: self._update(form, by)
        for form in self.extra_forms:
            if form.has_changed() and form not in self.deleted_forms:
                yield form, lambda form=form: self._create(form, by)
        for form in self.deleted_forms:
            if form.instance.pk is not None:
                yield form, lambda form=form: self._delete(form, by)

    def _update(self, form: TicketTypeForm, by) -> None:
        changes = form.changes()
        form.instance = services.update_ticket_type(ticket_type=form.instance, by=by, **changes)
        self.changed_objects.append((form.instance, list(changes)))

    def _create(self, form: TicketTypeForm, by) -> None:
        form.instance = services.create_ticket_type(event=self.instance, by=by, **form.new_type_fields())
        self.new_objects.append(form.instance)

    def _delete(self, form: TicketTypeForm, by) -> None:
        services.delete_ticket_type(ticket_type=form.instance, by=by)
        self.deleted_objects.append(form.instance)

    def changed_prices(self) -> dict:
        """The new price of each type whose price was edited, by the name it had: what the later dates of
        a series take over when the change applies to them too."""
        return {
            form.initial["name"]: form.cleaned_data["price"]
            for form in self.initial_forms
            if form not in self.deleted_forms and "price" in form.changed_data
        }


def _message(refusal: DomainError | ValidationError) -> str:
    return refusal.message if isinstance(refusal, DomainError) else " ".join(refusal.messages)


class OneChoicePerLineField(forms.CharField):
    """A list of choices typed one per line; blank lines and the spaces around a choice are dropped."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 16})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        return [line.strip() for line in super().to_python(value).splitlines() if line.strip()]


class QuestionForm(forms.ModelForm):
    """One question row of the event page; Question.clean's refusals show beside their fields.

    The ticket types offered are the event's own, read once for every row.
    """

    options = OneChoicePerLineField(
        required=False, help_text="For one choice and several choices: one choice per line."
    )

    class Meta:
        model = Question
        fields = QUESTION_FIELDS
        widgets = {"label": forms.TextInput(attrs={"size": 16})}

    def __init__(self, *args, ticket_types: list[TicketType], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["ticket_type"]
        field.queryset = TicketType.objects.filter(pk__in=[kind.pk for kind in ticket_types])
        field.choices = [("", "Every ticket type"), *((kind.pk, kind.name) for kind in ticket_types)]


class QuestionFormSet(BaseInlineFormSet):
    """The event page's questions, saved by Django's admin once each row passes the model's checks."""

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "ticket_types": self.ticket_types}

    @cached_property
    def ticket_types(self) -> list[TicketType]:
        return list(self.instance.ticket_types.all())


class SeatLayoutForm(forms.Form):
    """A hall drawn by rule: rows A, B, C, ... of numbered seats, with the same gaps in every row."""

    rows = forms.IntegerField(min_value=1, max_value=MAX_ROWS, help_text="Named A, B, C, ... from the stage.")
    seats_per_row = forms.IntegerField(
        min_value=1, max_value=MAX_SEATS_PER_ROW, help_text="Numbered from 1 in every row."
    )
    gaps = forms.CharField(
        required=False,
        help_text="Seat numbers left out of every row (an aisle, a pillar), separated by commas: 5, 6, 12.",
    )

    def clean_gaps(self) -> frozenset[int]:
        parts = [part.strip() for part in self.cleaned_data["gaps"].split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise ValidationError("Write the left-out seat numbers as whole numbers separated by commas.")
        return frozenset(int(part) for part in parts)

    def layout(self) -> SeatLayout:
        data = self.cleaned_data
        return SeatLayout(rows=data["rows"], seats_per_row=data["seats_per_row"], gaps=data["gaps"])


class SeatIdsField(forms.TypedMultipleChoiceField):
    """Seat ids as ticked; the service keeps only the ticket type's own seats among them."""

    MAX_DIGITS = 18  # within the database's integers, whatever a hand-made post sends

    def __init__(self, **kwargs):
        super().__init__(coerce=int, **kwargs)

    def valid_value(self, value) -> bool:
        text = str(value)
        return text.isascii() and text.isdigit() and len(text) <= self.MAX_DIGITS


class SeatBlockingForm(forms.Form):
    """The ticked seats of one ticket type, to block (keep out of sale) or to put back on sale."""

    seats = SeatIdsField(error_messages={"required": "Tick at least one seat."})
    block = forms.TypedChoiceField(
        choices=[("yes", "Block"), ("no", "Unblock")], coerce=lambda value: value == "yes"
    )


# Series ---------------------------------------------------------------------------------------


class OccurrenceAdminForm(EventAdminForm):
    """An event of a series: its changes apply to it alone, or to it and every later date of the series
    (events.series.update_series decides what may change that way)."""

    apply_to = forms.ChoiceField(
        label="Apply changes to",
        choices=Scope.choices,
        initial=Scope.THIS,
        widget=forms.RadioSelect,
        help_text="Later dates that have started or are cancelled stay as they are. Dates, times and "
        "status change one event at a time; ticket prices follow by ticket type name.",
    )

    def service_fields(self) -> dict:
        return {name: value for name, value in super().service_fields().items() if name != "apply_to"}

    @property
    def applies_to_later_dates(self) -> bool:
        return self.cleaned_data.get("apply_to") == Scope.FUTURE

    def changed_service_fields(self) -> dict:
        """Only what was edited: the later dates keep whatever else they have of their own."""
        return {name: value for name, value in self.service_fields().items() if name in self.changed_data}


def nth_in_month(day) -> int:
    """Which of its month's weekdays ``day`` is: 1 to 4, or -1 for a fifth (the last)."""
    nth = (day.day - 1) // 7 + 1
    return -1 if nth == 5 else nth


class RepeatSeriesForm(forms.Form):
    """How an event repeats. Only reads the choices: events.series.Repeat judges them.

    Starts from the event's own weekday (and its place in the month), so the
    first guess always includes the event itself.
    """

    frequency = forms.ChoiceField(
        label="Repeat", choices=Frequency.choices, initial=Frequency.WEEKLY, widget=forms.RadioSelect
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="On",
        choices=list(enumerate(WEEKDAY_NAMES)),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Weekly: every day it happens on. Monthly: the one day.",
    )
    nth = forms.TypedChoiceField(
        label="Which one in the month",
        choices=list(NTH_NAMES.items()),
        coerce=int,
        help_text="Monthly only: the first Friday, the last Sunday ...",
    )
    interval = forms.IntegerField(
        label="Every", initial=1, help_text="1: every week (or month); 2: every other one; and so on."
    )
    ends = forms.ChoiceField(
        label="Ends",
        choices=[("count", "After a number of dates"), ("until", "On a date")],
        initial="count",
        widget=forms.RadioSelect,
    )
    count = forms.IntegerField(label="Number of dates", required=False, help_text="The event itself counts.")
    until = forms.DateField(
        label="Until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The last day it may happen on.",
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        start = local_start(event)
        self.initial.update(weekdays=[start.weekday()], nth=nth_in_month(start), count=10)

    def repeat(self) -> Repeat:
        data = self.cleaned_data
        monthly = data["frequency"] == Frequency.MONTHLY
        return Repeat(
            frequency=data["frequency"],
            weekdays=tuple(data["weekdays"]),
            nth=data["nth"] if monthly else None,  # the field is there for monthly series only
            interval=data["interval"],
            # Only the chosen end counts, so a number left in the other field changes nothing.
            until=data["until"] if data["ends"] == "until" else None,
            count=data["count"] if data["ends"] == "count" else None,
        )
