"""Two stored copies for the list filters: the day an event starts where it happens, and its folded text.

"From" and "to" a date compare the event's own calendar day (starts_on), not the
UTC one; search compares every typed word with search_text, without case or accents.
"""

from django.db import migrations, models


def fill_copies(apps, schema_editor):
    from events.models import search_text_of, starts_on_of

    Event = apps.get_model("events", "Event")
    fields = ("pk", "starts_at", "timezone", "title", "description", "location")
    for event in Event.objects.only(*fields).iterator():
        Event.objects.filter(pk=event.pk).update(
            starts_on=starts_on_of(event), search_text=search_text_of(event)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_event_starts_id_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="starts_on",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="event",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_copies, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="event",
            name="starts_on",
            field=models.DateField(blank=True, editable=False),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["starts_on"], name="event_starts_on_idx"),
        ),
    ]
