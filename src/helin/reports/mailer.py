"""Sending a report over SMTP (aiosmtplib), and telling a refusal worth retrying from one
that is final.

RFC 5321: a 4xx reply is a transient failure (try again later), a 5xx a permanent one. A
connection that cannot be made, breaks or times out is transient too. A message some
recipients accepted is sent; the ones refused are named in the result.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from email.message import EmailMessage
from enum import StrEnum
from typing import Literal

import aiosmtplib

log = logging.getLogger(__name__)

Security = Literal["starttls", "tls", "none"]


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: Security = "starttls"
    """``starttls`` (upgrade a plain connection, port 587), ``tls`` (TLS from the start, port
    465) or ``none`` (plain text: only for a server on the same machine)."""
    user: str | None = None
    password: str | None = None
    sender: str = "helin@localhost"
    timeout: float = 60.0


class Verdict(StrEnum):
    SENT = "sent"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"


@dataclass(frozen=True, slots=True)
class Delivery:
    verdict: Verdict
    detail: str = ""
    """The server's reply (or the connection's error) for a failure; the recipients refused
    for a message sent to the others."""
    refused: list[str] = field(default_factory=list)


def _code_verdict(code: int) -> Verdict:
    return Verdict.TEMPORARY if 400 <= code < 500 or code < 0 else Verdict.PERMANENT


async def send(settings: SmtpSettings, message: EmailMessage) -> Delivery:
    """Hand ``message`` to the SMTP server; never raises for what the server or the network
    does."""
    try:
        refused, reply = await aiosmtplib.send(
            message,
            hostname=settings.host,
            port=settings.port,
            username=settings.user or None,
            password=settings.password or None,
            use_tls=settings.security == "tls",
            start_tls=settings.security == "starttls",
            timeout=settings.timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [r.code for r in exc.recipients]
        verdict = (
            Verdict.TEMPORARY
            if any(_code_verdict(c) is Verdict.TEMPORARY for c in codes)
            else Verdict.PERMANENT
        )
        detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
        return Delivery(verdict, detail)
    except aiosmtplib.SMTPResponseException as exc:
        return Delivery(_code_verdict(exc.code), f"{exc.code} {exc.message}")
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        return Delivery(Verdict.TEMPORARY, f"{type(exc).__name__}: {exc}")
    names = sorted(refused)
    detail = "; ".join(f"{name}: {refused[name].code} {refused[name].message}" for name in names)
    log.info("report mail accepted: %s", reply)
    return Delivery(Verdict.SENT, detail, names)
