"""Settings for Welltopia Consult: one module, read from the environment.

Every variable has an embedded default that suits a laptop (SQLite, a broker kept in files,
emails printed to the console) except the secret, which production must provide. README.md
lists every variable with its default. Nothing here imports the project's own code.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# Local state for the embedded defaults: the SQLite file, the broker's folders, beat's schedule.
VAR_DIR = BASE_DIR / env.str("VAR_DIR", default="var")

# --- Core -------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Set SECRET_KEY in the environment "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=true on a development machine."
        )
    SECRET_KEY = "django-insecure-development-only-never-use-in-production"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A page of our own (Django's has an inline style the CSP blocks); the intake comes back with its answers.
CSRF_FAILURE_VIEW = "welltopia.views.csrf_failure"
ADMIN_URL = env.str("ADMIN_URL", default="admin/")
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "welltopia.apps.WelltopiaAdminConfig",  # django.contrib.admin with the two-factor site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",  # django-bootstrap-static: Bootstrap's own files, served by us
    "csp",
    "patients",
    "consultations",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    # Staff screens and roles, above both domain apps; last, so its admin module can put the guard
    # on the admins of auth, django-otp and django-axes too.
    "backoffice",
]

# Video rooms patients may be sent to (https only); "*.zoom.us" allows any subdomain.
VIDEO_LINK_HOSTS = env.list(
    "VIDEO_LINK_HOSTS", default=["meet.google.com", "*.zoom.us", "teams.microsoft.com", "doxy.me", "*.doxy.me"]
)

# The seam between the domain apps (README, "The dependency rule"): `patients` names nothing of
# `consultations`; the project tells it where a finished intake goes next and whose phone to give.
INTAKE_NEXT_URL_NAME = "consultations:book_start"
PHARMACY_PHONE_FUNCTION = "consultations.selectors.pharmacy_phone"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "welltopia.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The patient's language: the cookie the switch on every page sets (/i18n/setlang/), else the
    # browser's Accept-Language; staff pages are put back to English just after.
    "django.middleware.locale.LocaleMiddleware",
    "welltopia.middleware.StaffInEnglishMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "welltopia.middleware.StaffIdleTimeoutMiddleware",
    "welltopia.middleware.AdminNoStoreMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

# Django's database sessions, read by a query compiled once per process (welltopia/sessions.py).
SESSION_ENGINE = "welltopia.sessions"

ROOT_URLCONF = "welltopia.urls"
WSGI_APPLICATION = "welltopia.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "consultations.context_processors.pharmacy",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'welltopia.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take SQLite's write lock when an atomic block starts, which
    # serialises bookings; the test database is a file so worker processes can share it.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # A Redis that has gone away must cost a patient's request about a second, not a hang:
    # the rate limiter then fails open (welltopia/ratelimit.py) and /healthz reports it.
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": env.float("CACHE_TIMEOUT_SECONDS", default=1.0),
         "socket_timeout": env.float("CACHE_TIMEOUT_SECONDS", default=1.0)}
    )

# --- Time -------------------------------------------------------------------------------------
TIME_ZONE = env.str("TIME_ZONE", default="America/Chicago")
USE_TZ = True
LANGUAGE_CODE = "en"
USE_I18N = True
# Patient pages and emails come in these; staff pages stay English (StaffInEnglishMiddleware).
LANGUAGES = [("en", "English"), ("es", "Español")]
# locale/es/LC_MESSAGES/django.po is committed; its .mo is compiled by `make install`
# (scripts/compile_translations.py, pure Python), never committed.
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files: Bootstrap is served by the site itself, never from a CDN -------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- Email ------------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Welltopia Consult <consult@welltopia.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded broker: messages are files in var/, so a laptop needs no broker server.
    _broker_dir = VAR_DIR / "celery" / "broker"
    for _folder in ("broker", "control", "results"):
        (VAR_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A frozen Redis accepts connections and never answers: without a timeout a booking's confirm
    # page would wait on it. Nothing is lost by giving up: the outbox scan sends what could not be
    # queued (tests/reliability/test_redis_outage.py).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 2, "socket_connect_timeout": 2}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND", default=f"file://{VAR_DIR / 'celery' / 'results'}"
)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
# A task is acknowledged after it ran, so a worker that dies mid-task hands it back.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Every periodic schedule, in one place.
CELERY_BEAT_SCHEDULE = {}

# --- Forms ------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security ---------------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# The language switch's cookie: only the server reads it.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Logging: no request bodies, no form values, no manage-link tokens --------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every handler carries it: Django's request, CSRF and server loggers write request paths.
    "filters": {"redact_tokens": {"()": "welltopia.log_filters.RedactTokens"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_tokens"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Replace the handlers Django's DEFAULT_LOGGING gives these two (its own console and
        # django.server handlers, and mail_admins, which would carry the unredacted path).
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # SQL parameters carry intake answers: never log queries, even with DEBUG and LOG_LEVEL=DEBUG.
        "django.db.backends": {"level": "INFO"},
    },
}

# --- Content-Security-Policy (django-csp 4) ----------------------------------------------------
# Strict everywhere, the admin included: every script and stylesheet is a file we serve, no inline
# <script> or style="" anywhere, nothing from another host (patients' page views never reach third
# parties). Django 5.2's admin needs no relaxation: its scripts read their data from
# data- attributes and JSON <script> elements, which CSP does not treat as inline code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# --- Staff sign-in: two factors, lockout, idle expiry ------------------------------------------
# Axes must come first: it refuses a locked-out address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# How many reverse proxies we run in front of the app. Each appends the address it received
# the request from to X-Forwarded-For, so the client is the TRUSTED_PROXY_COUNT-th entry from
# the right; anything further left was written by the client and is ignored. 0 (a laptop):
# X-Forwarded-For is ignored entirely and REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Each entry locks on its own: five failures from one address, or five for one username from
# anywhere (an attacker spreading guesses over many addresses). The cost: someone who knows a
# staff username can lock that person out for AXES_COOLOFF_TIME; an administrator can unlock
# with `python manage.py axes_reset_username <username>`.
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "welltopia.client_ip.client_ip"
# Staff sessions end after this many idle minutes; patients' sessions keep SESSION_COOKIE_AGE.
STAFF_IDLE_MINUTES = env.int("STAFF_IDLE_MINUTES", default=30)
OTP_TOTP_ISSUER = "Welltopia Consult"

# --- Appointment emails (consultations/notifications/) -----------------------------------------
# Reminders go this long before the start, e.g. REMINDER_OFFSETS_HOURS=24,2.
REMINDER_OFFSETS = [
    timedelta(hours=hours) for hours in env.list("REMINDER_OFFSETS_HOURS", cast=float, default=[24, 2])
]
# An email the server refuses permanently (5xx to the recipient) this many times is marked failed
# for staff to see and retry. Every other failure is an outage and is retried while it is useful.
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
# The wait after the first failure; it doubles with each further failure up to the cap, so after
# an outage of any length every waiting email goes within about one cap of the server's return.
NOTIFICATION_RETRY_BASE_SECONDS = env.float("NOTIFICATION_RETRY_BASE_SECONDS", default=60)
NOTIFICATION_RETRY_MAX_SECONDS = env.float("NOTIFICATION_RETRY_MAX_SECONDS", default=300)
# A row still "sending" this long after its claim belonged to a worker that died. Keep it well
# above CELERY_TASK_TIME_LIMIT, so a live worker's claim is never taken from it.
NOTIFICATION_STALE_CLAIM_SECONDS = env.float("NOTIFICATION_STALE_CLAIM_SECONDS", default=600)
# How often beat runs the scan that sends due reminders and anything missed.
NOTIFICATION_SCAN_SECONDS = env.float("NOTIFICATION_SCAN_SECONDS", default=60)
CELERY_BEAT_SCHEDULE["send-due-notifications"] = {
    "task": "consultations.tasks.send_due_notifications",
    "schedule": NOTIFICATION_SCAN_SECONDS,
    # A scan queued while no worker ran is useless once the next one is due.
    "options": {"expires": NOTIFICATION_SCAN_SECONDS},
}
# Follow-up invitations go on their day (consultations/records.py); a scan every 10 minutes is plenty.
CELERY_BEAT_SCHEDULE["send-follow-up-invitations"] = {
    "task": "consultations.tasks.send_follow_up_invitations",
    "schedule": 600,
    "options": {"expires": 600},
}

# --- Abuse limits and data retention (welltopia/ratelimit.py, consultations/retention.py) ------
# Client addresses come from welltopia/client_ip.py and TRUSTED_PROXY_COUNT (see the sign-in section).
# Requests per client address and window ("10/h", "30/15m"; "0/h" turns one off). Counted in
# CACHES["default"], so Redis in production makes them hold across web hosts.
# Intakes saved per client address. A household, or a clinic's waiting room, shares one address
# (so does a mobile carrier's NAT): 30 an hour lets a busy clinic through and still stops a flood.
# Forms sent back with errors are not counted.
RATE_LIMIT_INTAKE = env.str("RATE_LIMIT_INTAKE", default="30/h")
RATE_LIMIT_BOOKING = env.str("RATE_LIMIT_BOOKING", default="20/h")  # booking confirmations
RATE_LIMIT_MANAGE = env.str("RATE_LIMIT_MANAGE", default="30/h")  # manage-link pages, any token
# "Email me a link to continue" requests: each may send an email to someone else's address, so
# fewer than intakes; a patient needs one or two.
RATE_LIMIT_INTAKE_LINK = env.str("RATE_LIMIT_INTAKE_LINK", default="5/h")
# Consultations booked and still to come, across all intakes with one email address.
MAX_ACTIVE_APPOINTMENTS_PER_EMAIL = env.int("MAX_ACTIVE_APPOINTMENTS_PER_EMAIL", default=2)
# After this many days without an intake or a consultation, purge_expired_records removes the
# patient's clinical answers and anonymises them (7 years by default; the pharmacy's records
# policy decides the figure).
RETENTION_DAYS = env.int("RETENTION_DAYS", default=2555)

# --- What a patient wants to know before a visit (consultations/visit.py) -----------------------
# The pharmacy's own words, shown on the home page, the confirmation page and the privacy notice.
# Lists are separated by "|" (their items may contain commas). An empty value hides that line.
# Languages: the built-in wording below is translated (locale/) into the patient's language. A value
# set in the environment is shown exactly as written, in every language: an operator who overrides
# one provides their own wording for all the languages the site offers (see the README).
INTAKE_MINUTES = env.int("INTAKE_MINUTES", default=10)  # how long the intake takes, said everywhere


def _pharmacy_words(name: str, default):
    """The environment's text as written; unset, the built-in wording, translated when shown."""
    value = env.str(name, default=None)
    return default if value is None else value


CONSULTATION_COST = _pharmacy_words(
    "CONSULTATION_COST", gettext_lazy("The consultation is free: there is nothing to pay, now or afterwards.")
)
VISIT_HAVE_READY = _pharmacy_words(
    "VISIT_HAVE_READY",
    gettext_lazy(
        "The bottles or boxes of every medicine and supplement you take, or photos of their labels"
        "|Your prescriber's name, practice and phone number"
        "|The questions you would like to ask"
    ),
)
# The number a phone consultation's call comes from; empty means the pharmacy's own number.
PHONE_CONSULTATION_CALLER = env.str("PHONE_CONSULTATION_CALLER", default="")
VIDEO_LINK_ARRIVAL = _pharmacy_words(
    "VIDEO_LINK_ARRIVAL",
    gettext_lazy(
        "The link to join is in your confirmation email and on your booking page. If it is not there yet, "
        "it comes in your reminder email before the consultation. It opens in a web browser: nothing to install."
    ),
)
PHARMACY_DIRECTIONS = _pharmacy_words(
    "PHARMACY_DIRECTIONS",
    gettext_lazy("Come in through the main door and tell the counter you are here for a consultation."),
)
PHARMACY_PARKING = _pharmacy_words(
    "PHARMACY_PARKING", gettext_lazy("Free parking in front of the pharmacy, with accessible spaces next to the door.")
)
PHARMACY_OPENING_HOURS = _pharmacy_words(
    "PHARMACY_OPENING_HOURS", gettext_lazy("Monday to Friday 9 am – 6 pm|Saturday 9 am – 1 pm|Closed on Sundays")
)
AFTER_CONSULTATION = _pharmacy_words(
    "AFTER_CONSULTATION",
    gettext_lazy(
        "You decide what happens next. If you and your prescriber choose to try LDN, your prescriber sends "
        "the prescription to us, we prepare it and call you when it is ready. Nothing is prescribed or sent to "
        "anyone without that step."
    ),
)
# Who answers requests for a copy of one's data or its deletion (the privacy notice).
PRIVACY_CONTACT_EMAIL = env.str("PRIVACY_CONTACT_EMAIL", default="privacy@welltopia.example")
