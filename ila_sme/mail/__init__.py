"""Outgoing mail, through an outbox table: written with the change that causes it, sent after the commit.

- ``queue_mail(to, subject, body)`` — the one way to send mail: a row in the caller's transaction.
- ``outbox.send_outbox()`` — sends what is due, each message once, with retries (the scheduler's
  ``mail-outbox`` job, ``flask --app app mail send-outbox``, and in development the request itself
  right after its response: ``hooks``).
- ``transport`` — SMTP when MAIL_SERVER is set, else ``.eml`` files in MAIL_OUTBOX.

The core of the app: it imports no feature.
"""

from ila_sme.mail.models import MailState, OutboxMail
from ila_sme.mail.outbox import queue_mail, send_outbox, suppressed
from ila_sme.mail.transport import outbox_messages

__all__ = ["MailState", "OutboxMail", "outbox_messages", "queue_mail", "send_outbox", "suppressed"]
