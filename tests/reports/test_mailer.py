"""The SMTP client against a real server on loopback: accepted, refused for now (4xx),
refused for good (5xx), and no server at all."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

from helin.reports.mailer import SmtpSettings, Verdict, send
from tests.reports.smtp import SmtpServer, free_port


def message() -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "helin@alpha.test", "mart@alpha.test", "Raport"
    mail.set_content("Aruanne on manuses: õ ä ö ü š ž")
    mail.add_attachment(b"%PDF-1.4 test", maintype="application", subtype="pdf", filename="r.pdf")
    return mail


def settings(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=5)


def test_an_accepted_message_arrives_whole(smtp: SmtpServer) -> None:
    delivery = asyncio.run(send(settings(smtp.port), message()))
    assert delivery.verdict is Verdict.SENT and delivery.refused == []
    [got] = smtp.sink.received
    assert got["Subject"] == "Raport" and smtp.sink.recipients == [["mart@alpha.test"]]
    body = got.get_body(preferencelist=("plain",))
    assert body is not None and "š ž" in body.get_content()
    [attached] = list(got.iter_attachments())
    assert attached.get_filename() == "r.pdf" and attached.get_content() == b"%PDF-1.4 test"


def test_a_4xx_is_for_now_a_5xx_for_good(smtp: SmtpServer) -> None:
    smtp.sink.replies += ["451 4.3.0 try again later", "550 5.7.1 not accepted"]
    later = asyncio.run(send(settings(smtp.port), message()))
    assert later.verdict is Verdict.TEMPORARY and later.detail.startswith("451")
    never = asyncio.run(send(settings(smtp.port), message()))
    assert never.verdict is Verdict.PERMANENT and "not accepted" in never.detail
    assert smtp.sink.received == [] and smtp.sink.tries == 2


def test_no_server_is_a_failure_for_now() -> None:
    delivery = asyncio.run(send(settings(free_port()), message()))
    assert delivery.verdict is Verdict.TEMPORARY and delivery.detail
