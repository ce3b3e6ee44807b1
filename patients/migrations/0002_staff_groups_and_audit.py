"""The audit trail, and the two staff roles with their permissions.

Permissions are created here by (app label, model, codename) rather than left to post_migrate,
which runs only after every migration: on a fresh database they would not exist yet. Creating
them by name also covers models of other apps without importing or depending on them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


VIEW = ("view",)
EDIT = ("view", "change")
ALL = ("view", "add", "change", "delete")

# Front desk: the schedule, hours and patients' contact details. Nothing clinical: no intakes,
# medications or screening flags at all.
FRONT_DESK = {
    ("patients", "patient"): EDIT,
    ("consultations", "appointment"): EDIT,
    ("consultations", "pharmacist"): EDIT,
    ("consultations", "workinghours"): ALL,
    ("consultations", "availabilityexception"): ALL,
    ("consultations", "location"): VIEW,
    ("consultations", "consultationtype"): VIEW,
    ("consultations", "notification"): EDIT,
}
PHARMACIST = {
    **FRONT_DESK,
    ("patients", "intake"): EDIT + ("view_clinical_details", "review_intake"),
    ("patients", "medicationentry"): VIEW,
    ("patients", "screeningflag"): VIEW,
}
GROUPS = {"Pharmacist": PHARMACIST, "Front desk": FRONT_DESK}

CUSTOM_NAMES = {
    "view_clinical_details": "Can see medications, conditions, pregnancy status and flags",
    "review_intake": "Can record a review decision on an intake",
}

AUDIT_APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION patients_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER patients_auditevent_append_only
    BEFORE UPDATE OR DELETE ON patients_auditevent
    FOR EACH ROW EXECUTE FUNCTION patients_auditevent_append_only();
"""
AUDIT_APPEND_ONLY_REVERSE_SQL = """
DROP TRIGGER IF EXISTS patients_auditevent_append_only ON patients_auditevent;
DROP FUNCTION IF EXISTS patients_auditevent_append_only();
"""


def permission(apps, app_label, model, action):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    codename = action if action in CUSTOM_NAMES else f"{action}_{model}"
    name = CUSTOM_NAMES.get(action, f"Can {action} {model}")
    perm, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return perm


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group_name, grants in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.add(
            *(
                permission(apps, app_label, model, action)
                for (app_label, model), actions in grants.items()
                for action in actions
            )
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


def guard_audit_trail(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(AUDIT_APPEND_ONLY_SQL)


def unguard_audit_trail(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(AUDIT_APPEND_ONLY_REVERSE_SQL)


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True)),
                ('username', models.CharField(blank=True, max_length=150)),
                ('action', models.CharField(choices=[('view', 'Viewed'), ('change', 'Changed'), ('add', 'Added'), ('delete', 'Deleted'), ('export', 'Exported'), ('review', 'Recorded a review decision'), ('override', 'Overrode a contraindication')], max_length=10)),
                ('object_type', models.CharField(help_text='app_label.model', max_length=100)),
                ('object_id', models.CharField(max_length=64)),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['object_type', 'object_id'], name='audit_object')],
            },
        ),
        migrations.RunPython(guard_audit_trail, unguard_audit_trail),
        migrations.RunPython(create_groups, remove_groups),
    ]
