"""Two kinds of SIP error: the peer's fault and our own misuse of the stack."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from helin.sip.message import Message


class SipError(Exception):
    pass


class RemoteProtocolError(SipError):
    """A peer sent something malformed; answer ``status`` if a response can be formed."""

    def __init__(self, status: int, reason: str, message: Message | None = None) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        """The SIP status to answer with (400, 505, ...)."""
        self.reason = reason
        """A reason phrase naming the fault, fit for the response line."""
        self.message = message
        """What could be parsed of the message, for building the error response."""


class LocalProtocolError(SipError):
    """helin tried to do something the protocol does not allow (a bug in helin)."""
