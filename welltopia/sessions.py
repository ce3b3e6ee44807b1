"""Sessions kept in the database as Django keeps them, read by a query compiled once per process.

Every patient page after the first reads its session: through the ORM that was 0.47 ms of CPU a
page for one primary-key lookup (welltopia.prepared says why). The rows, the cookie, the expiry and
what is stored are Django's own (``django.contrib.sessions.backends.db``); only the read differs.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db.models import CharField, DateTimeField
from django.utils import timezone

from .prepared import Param, Prepared

_UNEXPIRED = Prepared(
    lambda: Session.objects.filter(
        session_key=Param("session_key", CharField()), expire_date__gt=Param("now", DateTimeField())
    )[:1]
)
_ANY = Prepared(lambda: Session.objects.filter(session_key=Param("session_key", CharField())).values_list("pk")[:1])


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        session = _UNEXPIRED.first(session_key=self.session_key, now=timezone.now()) if self.session_key else None
        if session is None:
            self._session_key = None
        return session

    def exists(self, session_key):
        return bool(session_key) and bool(_ANY.run(session_key=session_key))
