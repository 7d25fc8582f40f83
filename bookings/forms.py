"""What the booking pages post: ids, a wish and answers to the event's questions, parsed here; whether
they fit the event is the booking service's decision, whose refusals the pages show."""

from django import forms
from django.core.exceptions import ValidationError

from events.models import Question

# The largest id a bigint key holds: a bigger number is junk, not a lookup for the database to refuse.
MAX_ID = 2**63 - 1


class TicketChoiceForm(forms.Form):
    ticket_type = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    # Left empty on the seat map: the best available seat.
    seat = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    waitlist = forms.BooleanField(required=False)

    NOT_ON_OFFER = "That choice is not on offer. Please choose again from the list."


class AnswersForm(forms.Form):
    """The questions a booking page asks, one field per question, named after its id.

    On a page where the buyer picks among several ticket types (``type_names``
    given), a type's own questions carry its name ("VIP: T-shirt size") and are
    checked only when that type is the one chosen: they never carry the HTML
    ``required`` that would block booking another type. What counts as an
    answer is Question.clean_answer's rule, the one the booking service applies.
    """

    ANSWER_NEEDED = "Please answer this question."
    CHECK_ANSWERS = "Some answers need another look: see the questions below."
    YES_NO = [("yes", "Yes"), ("no", "No")]

    def __init__(self, *args, questions, type_names: dict[int, str] | None = None, chosen_type_id=None, **kw):
        super().__init__(*args, **kw)
        self.chosen_type_id = chosen_type_id
        self.questions = {field_name(question.pk): question for question in questions}
        for name, question in self.questions.items():
            of_every_type = type_names is None or question.ticket_type_id is None
            label = question.label
            if not of_every_type:
                label = f"{type_names[question.ticket_type_id]}: {label}"
            self.fields[name] = _answer_field(
                question, label=label, html_required=question.required and of_every_type
            )

    @classmethod
    def initial_from(cls, answers) -> dict:
        """Field values from answers keyed by question id, as stored (a yes/no is a boolean there)."""
        yes_no = {True: "yes", False: "no"}
        return {field_name(pk): yes_no[v] if isinstance(v, bool) else v for pk, v in answers.items()}

    def clean(self):
        for name, question in self._asked():
            if name in self.errors:
                continue
            try:
                answer = question.clean_answer(self.cleaned_data.get(name))
            except ValidationError as problem:
                self.add_error(name, problem)
                continue
            if answer is None and question.required:
                self.add_error(name, self.ANSWER_NEEDED)
        return self.cleaned_data

    @property
    def answers(self) -> dict:
        """For the booking service: the answers to the questions the chosen type is asked, by question id."""
        return {question.pk: self.cleaned_data[name] for name, question in self._asked()}

    def _asked(self):
        """The questions that apply: every one until a type is chosen, then the event's and that type's."""
        for name, question in self.questions.items():
            if self.chosen_type_id is None or question.ticket_type_id in (None, self.chosen_type_id):
                yield name, question


def field_name(question_id) -> str:
    return f"question_{question_id}"


def _answer_field(question: Question, *, label: str, html_required: bool) -> forms.Field:
    """The field that fits the kind of question; "(required)" in its label says so in words."""
    options = {
        "label": f"{label} (required)" if question.required else label,
        "required": html_required,
        "error_messages": {"required": AnswersForm.ANSWER_NEEDED},
    }
    kind = Question.Kind
    if question.kind in Question.MAX_LENGTH:
        widget = forms.Textarea(attrs={"rows": 3}) if question.kind == kind.LONG_TEXT else forms.TextInput()
        widget.attrs["maxlength"] = Question.MAX_LENGTH[question.kind]
        return forms.CharField(widget=widget, **options)
    choices = AnswersForm.YES_NO if question.kind == kind.YES_NO else [(o, o) for o in question.options]
    if question.kind == kind.CHOICES:
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **options)
    return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **options)
