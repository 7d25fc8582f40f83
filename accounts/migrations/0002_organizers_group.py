"""Create the Organizers group with the permissions an organizer needs in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ORGANIZER_PERMISSIONS = [
    ("events", "add_event"),
    ("events", "change_event"),
    ("events", "delete_event"),
    ("events", "view_event"),
    ("bookings", "change_booking"),
    ("bookings", "view_booking"),
]


def create_organizers_group(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Organizers")
    for app_label, codename in ORGANIZER_PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_organizers_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Organizers").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("events", "0001_initial"),
        ("bookings", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_organizers_group, remove_organizers_group)]
