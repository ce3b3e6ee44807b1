"""The staff admin: password plus a TOTP code, for every page including the login itself.

A wrong code with a right password counts as a failed login for django-axes, so guessing codes
locks the address (and the username) out exactly like guessing passwords, and the page says the
same thing whichever factor was wrong.
"""

from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

# One message for every refusal: a different one for a wrong code (or a missing code, or no device)
# would tell whoever is guessing that the password was right.
SIGN_IN_REFUSED = (
    "That sign-in did not work. Check your username, password and the current 6-digit code from "
    "your authenticator app, then try again. If it keeps failing, ask an administrator."
)


class StaffLoginForm(OTPAdminAuthenticationForm):
    error_messages = {**OTPAdminAuthenticationForm.error_messages, "invalid_login": SIGN_IN_REFUSED}
    otp_error_messages = {
        **OTPAdminAuthenticationForm.otp_error_messages,
        "token_required": SIGN_IN_REFUSED,
        "invalid_token": SIGN_IN_REFUSED,
        "device_required": SIGN_IN_REFUSED,
        "n_failed_attempts": SIGN_IN_REFUSED,
        "verification_not_allowed": SIGN_IN_REFUSED,
    }

    def _chosen_device(self, user):
        # Staff have one authenticator each: use it rather than asking them to pick a device.
        device = super()._chosen_device(user)
        if device is None:
            devices = list(devices_for_user(user, confirmed=True, for_verify=True))
            if len(devices) == 1:
                device = devices[0]
        return device

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if self.user_cache is not None:
                # The password was right but the second factor was not.
                user_login_failed.send(
                    sender=type(self),
                    credentials={"username": self.cleaned_data.get("username", "")},
                    request=self.request,
                )
            raise


class WelltopiaAdminSite(OTPAdminSite):
    site_header = "Welltopia Consult — staff"
    site_title = "Welltopia staff"
    index_title = "Today's work"
    login_form = StaffLoginForm
    login_template = "admin/staff_login.html"
    # The queue and the schedule are wide tables; the page needs the room more than a menu.
    enable_nav_sidebar = False

    def __init__(self, name="admin"):
        # Keep the name "admin" so every admin URL name (admin:index, ...) stays as Django's.
        super().__init__(name)
