"""Sessions kept in the database as Django keeps them, read by a query compiled once per process.

Every patient page after the first reads its session: through the ORM that was 0.47 ms of CPU a
page for one primary-key lookup (welltopia.prepared says why). The rows, the cookie, the expiry and
what is stored are Django's own (``django.contrib.sessions.backends.db``); the read differs, and so
does the write (``SessionStore.save``, ``SessionStore.create``): fewer round trips, same rows.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.contrib.sessions.models import Session
from django.db import DatabaseError, IntegrityError, connections, router
from django.db.models import CharField, DateTimeField
from django.utils import timezone
from django.utils.crypto import get_random_string

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

    def save(self, must_create=False):
        """Django's save, without its transaction when none is open: one INSERT or UPDATE is atomic
        by itself, and the BEGIN and COMMIT around it were two more round trips on every page that
        changes the session (the booking's confirmation, the intake's submission). Inside an open
        transaction Django's own save runs, whose savepoint keeps a refused INSERT from breaking it."""
        if self.session_key is None:
            return self.create()
        using = router.db_for_write(self.model)
        if connections[using].in_atomic_block:
            return super().save(must_create=must_create)
        obj = self.create_model_instance(self._get_session(no_load=must_create))
        try:
            obj.save(force_insert=must_create, force_update=not must_create, using=using)
        except IntegrityError as error:
            if must_create:
                raise CreateError from error
            raise
        except DatabaseError as error:
            if not must_create:
                raise UpdateError from error
            raise

    def create(self):
        """Django's create without first asking whether the new key exists: the INSERT it makes
        (must_create) is refused for a key that does, and a new key is drawn then, as Django does.
        A query fewer when a patient's session starts."""
        while True:
            self._session_key = get_random_string(32, VALID_KEY_CHARS)
            try:
                self.save(must_create=True)
            except CreateError:
                continue
            self.modified = True
            return
