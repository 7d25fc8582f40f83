"""Organizers write to their events' attendees from the console: "attendee messages".

The Organizers group may add messages (to the events they run: the console
scopes the choice) and see those of their events; a message is never changed
once sent.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ORGANIZERS_GROUP = "Organizers"
ORGANIZER_PERMISSIONS = [
    ("notifications", "add_organizermessage"),
    ("notifications", "view_organizermessage"),
]


def grant_organizers(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=ORGANIZERS_GROUP)
    for app_label, codename in ORGANIZER_PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def withdraw_from_organizers(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=ORGANIZERS_GROUP).first()
    if group is None:
        return
    for app_label, codename in ORGANIZER_PERMISSIONS:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("accounts", "0002_organizers_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="organizermessage",
            options={"ordering": ["-created_at", "-pk"], "verbose_name": "attendee message"},
        ),
        migrations.RunPython(grant_organizers, withdraw_from_organizers),
    ]
