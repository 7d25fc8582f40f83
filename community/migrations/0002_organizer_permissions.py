"""Organizers see, and may hide, the posts about the events they run and those posts' comments.

The console scopes the lists to their events; hiding goes through community.posts,
which checks again that they run the post's event. Private messages and reports
stay with site staff.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ORGANIZERS_GROUP = "Organizers"
ORGANIZER_PERMISSIONS = [
    ("community", "view_post"),
    ("community", "change_post"),
    ("community", "view_comment"),
    ("community", "change_comment"),
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
        ("community", "0001_initial"),
        ("accounts", "0002_organizers_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_organizers, withdraw_from_organizers)]
