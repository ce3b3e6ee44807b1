"""Appointment emails: written to an outbox with the change, claimed once, sent, recorded.

Where each part lives
---------------------
- ``outbox.py`` — writing: ``appointment_changed`` (the rows a change announces), staff's
  ``notification_retry``, what staff are told (``outbox_trouble``, ``DROP_REASONS``), and the
  ``notification_due`` signal that asks for a row to be sent after commit.
- ``delivery.py`` — sending: ``notification_claim``, ``notification_send`` (claim, re-check,
  send, record a failure with its backoff), ``notifications_recover_stale`` and the scan,
  ``notifications_send_due``. The Celery tasks in ``consultations/tasks.py`` call these two.
- ``messages.py`` — composing: ``notification_message`` renders the templates in
  ``templates/emails/`` and attaches the .ics from ``consultations/calendar.py``.

This package exports nothing itself: import the function from the module that owns it.

How an email travels
--------------------
1. A booking service changes an appointment (raising its version) and, inside the same
   transaction, calls ``outbox.appointment_changed``. That writes ``Notification`` rows: the
   notice that is due now and, for a booked or moved appointment, one reminder per offset in
   ``settings.REMINDER_OFFSETS``. If the transaction rolls back, no email exists.
2. After commit, ``outbox`` sends the ``notification_due`` signal for each row due now; its
   receiver in ``tasks.py`` queues ``send_notification`` (speed). The beat scan,
   ``send_due_notifications`` every ``NOTIFICATION_SCAN_SECONDS``, sends every row that is due:
   reminders (never scheduled as ETA tasks), retries, and anything whose task was lost.
3. ``delivery.notification_send`` claims a row with one conditional UPDATE (pending and due →
   sending); the scan claims a batch of due rows with one UPDATE … RETURNING (on PostgreSQL
   picked ``FOR UPDATE SKIP LOCKED``). Only the caller whose UPDATE changed a row sends it, so two
   workers or two scans never send one row twice. The sender then checks the appointment is
   still in the state and version the row was written for, renders the templates and sends
   through the configured backend: one SMTP connection for the scan, the templates and the
   pharmacy's words prepared once per batch and language. In a batch each template is rendered
   once per language and shape with markers for the row's values (``messages._rendered``), and
   over Django's SMTP backend the email goes as bytes written directly
   (``AppointmentEmail.wire_bytes``), the same bytes the email package would write.

Why a signal between the outbox and the tasks
---------------------------------------------
The tasks call the delivery functions, so the outbox may not import the tasks back (that was
the house's one import cycle). ``apps.py`` connects ``tasks.queue_notification`` to
``outbox.notification_due`` when Django starts; the outbox only says "this row is due" and
never names a task. The receiver only queues an id: no rule lives in it. The signal is sent
with ``send`` (not ``send_robust``) from an ``on_commit(..., robust=True)`` callback, so a
broker that is down or frozen raises in the receiver, Django logs it ("Error calling ... in
on_commit()", logger ``django.db.backends.base``) and the booking is unaffected; the beat
scan sends the row. With no receiver connected (a script that never loaded the app registry
cannot have written a row anyway), nothing is queued and the scan still sends every row.

When the mail server is down
----------------------------
A failed send goes back to pending and is tried again after a backoff that doubles from
``NOTIFICATION_RETRY_BASE_SECONDS`` up to ``NOTIFICATION_RETRY_MAX_SECONDS``, for as long as
the email is still useful: an outage of any length costs lateness, not emails. The send-time
check decides usefulness: a reminder whose consultation has started is dropped ("started"),
a confirmation or reschedule notice goes however late until the consultation has ended, and a
cancellation notice always goes. Only a refusal the server calls permanent for the recipient
(5xx to RCPT, e.g. no such mailbox) ends as "failed" after ``NOTIFICATION_MAX_ATTEMPTS``.
Staff see a warning on every admin page while rows wait for a retry (``outbox.outbox_trouble``).

A change while an email is being sent
-------------------------------------
The message is composed from the appointment as read after the claim; then, in one
transaction, one UPDATE marks the row sent only if the appointment still has the version and
status the row was written for, locking the appointment row (``FOR NO KEY UPDATE``) as it checks;
the message goes to SMTP; COMMIT. If the server refuses, the transaction rolls back (the row was
never sent) and the failure is recorded. Every booking service
changes an appointment under ``SELECT … FOR UPDATE`` of the same row, so a reschedule either
committed before the re-check (the email is dropped as "superseded") or waits until the mail
server has accepted the message and our COMMIT is done: an email describing an appointment
never leaves after the appointment changed. The cost is that a reschedule or cancellation of
that one appointment can wait for one SMTP exchange (``EMAIL_TIMEOUT`` per reply at worst).
On SQLite (laptops) the transaction holds the database's write lock for that exchange.
On PostgreSQL the scan sends these same transactions in fewer round trips
(``delivery._RowTransactions``): a row's BEGIN goes in one query with its UPDATE, and, once the
server has the message, its COMMIT with the next row's BEGIN and UPDATE; every email of a batch is
composed before the first is sent, so no COMMIT waits for composing.

The remaining duplicate window
------------------------------
A row is marked sent in the transaction that handed the message to the mail server. A worker
that dies, or a COMMIT that fails, after the server accepted the message (its 250 to DATA)
leaves the row "sending"; after ``NOTIFICATION_STALE_CLAIM_SECONDS`` the scan hands it back to
pending (``delivery.notifications_recover_stale``) and the send-time checks run again — it is
sent a second time if the appointment is unchanged, dropped as "superseded" if it changed
meanwhile. That window is the 250's trip back to us plus one COMMIT ("sent" is written before the
send, in the same transaction), measured in ``tests/reliability/test_send_during_reschedule.py``
(1.2 ms median, 11 ms worst of 40 sends on a quiet local PostgreSQL when "sent" was still written
after the send). A claim handed back meanwhile and taken by another sender counts its attempt
again, and the first sender's UPDATE, which names its own attempt, then marks nothing and sends
nothing. Closing it would need the mail server
to take part in our transaction, which SMTP cannot do; we chose at-least-once over
at-most-once because a lost reminder costs a missed consultation and a duplicate costs a
second email.

Nothing clinical is read here: only the appointment's time, mode, place, the pharmacy's phone,
the manage link and the patient's name and address.
"""
