"""Sending email, when EXPO_SMTP_URL is configured (smtp://[user:password@]host[:port])."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from expo.errors import Unavailable


def _send(url: str, sender: str, to: str, subject: str, body: str) -> None:
    parts = urlsplit(url)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(body)
    use_tls = parts.scheme == "smtps"
    client_class = smtplib.SMTP_SSL if use_tls else smtplib.SMTP
    with client_class(
        parts.hostname or "127.0.0.1", parts.port or (465 if use_tls else 25), timeout=10
    ) as client:
        if parts.scheme == "smtp+starttls":
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


async def send_mail(url: str, sender: str, to: str, subject: str, body: str) -> None:
    """Send one message (smtplib in a thread: it blocks); `unavailable` when the server fails."""
    try:
        await asyncio.to_thread(_send, url, sender, to, subject, body)
    except (OSError, smtplib.SMTPException) as error:
        raise Unavailable("mail.unavailable", f"The mail server failed: {error}") from error
