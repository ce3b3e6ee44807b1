"""The audit trail (append-only on PostgreSQL).

This migration also created the staff groups until November 2026; that step moved to
backoffice/migrations/0001_staff_roles.py (backoffice.roles), so that patients names nothing of
consultations. Databases migrated before keep their groups; backoffice's migration reconciles them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

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
    ]
