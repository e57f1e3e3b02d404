"""How a message leaves: SMTP when MAIL_SERVER is set, else a file in the outbox folder.

In development the folder's file and the links in the mail are printed to the console, so that a
newcomer can follow an invitation without a mail server. One ``Transport`` serves a batch: it opens
one SMTP connection (and signs in once) for all the messages a sender run delivers.
"""

from __future__ import annotations

import re
import smtplib
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from pathlib import Path

LINK = re.compile(r"https?://\S+")
_LINE_BREAKS = re.compile(r"[\r\n\t\x00-\x1f\x7f]+")
SMTP_TIMEOUT_SECONDS = 30


class PermanentMailError(Exception):
    """This message can never be delivered as it is (a bad address or header, a 5xx refusal)."""


def build_message(config: Mapping, recipient: str, subject: str, body: str) -> EmailMessage:
    """The message; a header never carries a line break (a name typed with one is flattened)."""
    name, address = parseaddr(recipient)
    if not address or "@" not in address or address != recipient.strip() or _LINE_BREAKS.search(recipient):
        raise PermanentMailError("the recipient is not a valid e-mail address")
    message = EmailMessage()
    try:
        message["From"] = config["MAIL_SENDER"]
        message["To"] = address
        message["Subject"] = _LINE_BREAKS.sub(" ", subject).strip()
        message["Message-ID"] = make_msgid(domain="ila-sme.localhost")
        message["Date"] = datetime.now(UTC)
        message.set_content(body.replace("\x00", ""))
    except (ValueError, TypeError) as error:
        raise PermanentMailError(f"the message could not be built: {error}") from error
    return message


def is_permanent(error: Exception) -> bool:
    """A refusal that a later attempt would meet again. A failed sign-in is the server's set-up: retried."""
    if isinstance(error, PermanentMailError):
        return True
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return False
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


class Transport:
    """``with Transport(config) as transport: transport.deliver(message)`` for each message of a batch."""

    def __init__(self, config: Mapping, *, echo: bool = False):
        self.config = config
        self.echo = echo  # print the outbox file and its links (development)
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def deliver(self, message: EmailMessage) -> None:
        if self.config.get("MAIL_SERVER"):
            try:
                self._connection().send_message(message)
            except Exception:
                self.close()  # a broken connection is opened again for the next message
                raise
        else:
            self._write_file(message)

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            config = self.config
            smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS)
            try:
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            except Exception:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def _write_file(self, message: EmailMessage) -> None:
        outbox = Path(self.config["MAIL_OUTBOX"])
        outbox.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = outbox / f"{stamp}-{message['Message-ID'].strip('<>').split('@')[0]}.eml"
        path.write_bytes(bytes(message))
        if self.echo:
            links = " ".join(LINK.findall(message.get_content()))
            print(f"[mail] to {message['To']}: {message['Subject']} -> {path} {links}", file=sys.stderr)


def outbox_messages(outbox: Path) -> list[Path]:
    """The outbox folder's files, oldest first."""
    return sorted(outbox.glob("*.eml")) if outbox.exists() else []
