"""The staff groups, from backoffice.roles.

Until November 2026 patients' migration 0002 created them; that step now lives here, so the
patients app names nothing of consultations. On a database that already has the groups this
makes their permissions match ROLES; on a fresh one it creates them.
"""

from django.db import migrations

from backoffice.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0003_opioid_question_and_earlier_intakes"),
        ("consultations", "0003_notification"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
