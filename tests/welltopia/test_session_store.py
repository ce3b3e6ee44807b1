"""Writing a session: one statement when no transaction is open, Django's savepoint inside one.

Transactional tests: the usual test transaction would hide the case that matters, a page's
session written in autocommit after the view.
"""

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from welltopia import sessions
from welltopia.sessions import SessionStore

pytestmark = pytest.mark.django_db(transaction=True)


def statements(action):
    with CaptureQueriesContext(connection) as captured:
        action()
    return [q["sql"] for q in captured]


def test_a_new_session_is_one_insert_and_a_changed_one_one_update():
    store = SessionStore()
    store["intake_reference"] = "one"

    created = statements(store.create)
    store["intake_reference"] = "two"
    updated = statements(store.save)

    assert [sql.split()[0] for sql in created] == ["INSERT"]
    assert [sql.split()[0] for sql in updated] == ["UPDATE"]
    assert SessionStore(session_key=store.session_key)["intake_reference"] == "two"


def test_a_key_already_taken_is_drawn_again_in_or_out_of_a_transaction(monkeypatch):
    taken = SessionStore()
    taken.create()
    keys = iter([taken.session_key, "a" * 32, taken.session_key, "b" * 32])
    monkeypatch.setattr(sessions, "get_random_string", lambda *args: next(keys))

    outside = SessionStore()
    outside.create()
    with transaction.atomic():
        inside = SessionStore()
        inside.create()
        assert Session.objects.count() == 3  # the transaction lived on after the refused INSERT

    assert (outside.session_key, inside.session_key) == ("a" * 32, "b" * 32)


def test_saving_a_session_deleted_meanwhile_is_an_update_error():
    store = SessionStore()
    store.create()
    Session.objects.filter(session_key=store.session_key).delete()

    with pytest.raises(UpdateError):
        store.save()
