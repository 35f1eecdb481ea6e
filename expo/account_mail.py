"""What the platform emails about accounts (reset links, new addresses to confirm, notices of
a changed email), in Chinese and English, and sending it after the request was answered."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from expo.errors import Unavailable
from expo.mail import send_mail
from expo.services import Services

log = logging.getLogger("expo.account_mail")
OUTBOX = "expo.outbox"  # services.cache: mails being sent after their request was answered


def reset_text(link: str, minutes: int) -> tuple[str, str]:
    subject = "重设您的数博会线上展密码 · Reset your Big Data Expo online password"
    body = (
        f"您好！\n\n有人（希望是您）请求重设此邮箱对应账号的密码。请在 {minutes} 分钟内打开以下链接"
        f"设置新密码（链接只能使用一次）：\n{link}\n\n如果不是您本人操作，请忽略此邮件，您的密码不会改变。\n\n"
        f"Hello,\n\nSomeone (we hope you) asked to reset the password of the account with this "
        f"address. Open this link within {minutes} minutes to choose a new one (it works once):\n"
        f"{link}\n\nIf it was not you, ignore this email: your password stays as it is.\n"
    )
    return subject, body


def confirm_text(link: str, minutes: int) -> tuple[str, str]:
    subject = "确认您的新邮箱 · Confirm your new email address"
    body = (
        f"您好！\n\n请在 {minutes} 分钟内打开以下链接，"
        f"确认将数博会线上展账号的邮箱改为此地址：\n{link}\n\n"
        f"如果不是您本人操作，请忽略此邮件。\n\n"
        f"Hello,\n\nOpen this link within {minutes} minutes to confirm this address as the email "
        f"of your Big Data Expo online account:\n{link}\n\nIf it was not you, ignore this email.\n"
    )
    return subject, body


def changed_notice(new_email: str) -> tuple[str, str]:
    subject = "您的账号邮箱已更改 · The email of your account was changed"
    body = (
        f"您好！\n\n您的数博会线上展账号的邮箱已改为 {new_email}，此后请用新邮箱登录。"
        f"如果不是您本人操作，请立即联系主办方。\n\n"
        f"Hello,\n\nThe email of your Big Data Expo online account is now {new_email}; sign in "
        f"with it from now on. If it was not you, tell the organisers at once.\n"
    )
    return subject, body


def later(svc: Services, work: Coroutine[Any, Any, None]) -> None:
    """Run after the answer: the answer must not wait for (nor its timing tell of) the work.
    A failure is logged; one lost to a shutdown is asked for again by whoever needs it."""
    outbox: set[asyncio.Future[None]] = svc.cache.setdefault(OUTBOX, set())
    task = asyncio.ensure_future(_logged(work))
    outbox.add(task)  # kept: the loop holds tasks weakly
    task.add_done_callback(outbox.discard)


async def _logged(work: Coroutine[Any, Any, None]) -> None:
    try:
        await work
    except Exception:
        log.exception("account mail work failed")


def send_later(svc: Services, to: str, subject: str, body: str, what: str) -> None:
    later(svc, send_logged(svc, to, subject, body, what))


async def send_logged(svc: Services, to: str, subject: str, body: str, what: str) -> None:
    assert svc.settings.smtp_url is not None
    try:
        await send_mail(svc.settings.smtp_url, svc.settings.mail_from, to, subject, body)
    except Unavailable as error:
        log.warning("account mail not sent", extra={"mail": what, "error": str(error)})
