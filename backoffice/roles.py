"""The staff roles: which Django permissions each group holds. Defined here, and only here.

- **Pharmacist**: everything the front desk has, and the intakes: medications, conditions,
  pregnancy status, screening flags, and recording a review decision.
- **Front desk**: the schedule, pharmacists' hours, patients' contact details and the outbox.
  Nothing clinical: no intake, medication or flag permission at all, so Django answers 403.
- Superusers (whoever runs the servers) also read the audit trail; nobody can change it.

The groups are written by this app's migrations through ``sync_roles``. To change a role, edit
``ROLES`` and add a migration that runs ``sync_roles`` again (see 0001_staff_roles.py): every
database then holds exactly what is written here.
"""

CLINICAL = "patients.view_clinical_details"
REVIEW = "patients.review_intake"
RECORD = "consultations.sign_consultationrecord"

PHARMACIST = "Pharmacist"
FRONT_DESK = "Front desk"

_VIEW = ("view",)
_EDIT = ("view", "change")
_ALL = ("view", "add", "change", "delete")

_FRONT_DESK = {
    # add: book for a caller, entering a new caller's contact details (backoffice/admin/booking.py).
    ("patients", "patient"): _EDIT + ("add",),
    ("consultations", "appointment"): _EDIT + ("add",),
    ("consultations", "pharmacist"): _EDIT,
    ("consultations", "workinghours"): _ALL,
    ("consultations", "availabilityexception"): _ALL,
    ("consultations", "location"): _VIEW,
    ("consultations", "consultationtype"): _VIEW,
    ("consultations", "notification"): _EDIT,
}
ROLES = {
    FRONT_DESK: _FRONT_DESK,
    PHARMACIST: {
        **_FRONT_DESK,
        ("patients", "intake"): _EDIT + ("view_clinical_details", "review_intake"),
        ("patients", "medicationentry"): _VIEW,
        ("patients", "screeningflag"): _VIEW,
        # The record after a consultation, its letter and follow-ups (consultations/records.py).
        ("consultations", "consultationrecord"): _EDIT + ("add", "sign_consultationrecord"),
        ("consultations", "consultationrecordamendment"): _VIEW,
        ("consultations", "followup"): _EDIT,
    },
}

# Permissions that are not Django's add/change/delete/view (patients.Intake.Meta.permissions).
CUSTOM_PERMISSION_NAMES = {
    "view_clinical_details": "Can see medications, conditions, pregnancy status and flags",
    "review_intake": "Can record a review decision on an intake",
    "sign_consultationrecord": "Can write and sign consultation records",
}


def _permission(apps, app_label: str, model: str, action: str):
    # By (app label, model, codename), created if missing: post_migrate, which normally creates
    # permissions, runs only after every migration, so on a fresh database they do not exist yet.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    codename = action if action in CUSTOM_PERMISSION_NAMES else f"{action}_{model}"
    name = CUSTOM_PERMISSION_NAMES.get(action, f"Can {action} {model}")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return permission


def sync_roles(apps, schema_editor=None) -> None:
    """Make each group hold exactly the permissions ROLES gives it (a migration's RunPython)."""
    Group = apps.get_model("auth", "Group")
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            [
                _permission(apps, app_label, model, action)
                for (app_label, model), actions in grants.items()
                for action in actions
            ]
        )
