"""helin's side of one leg's SDP offer/answer exchanges (RFC 3264), as bytes in and out.

Keeps what must stay stable across a dialog's exchanges: the origin's session id, and a
version that grows with every description helin sends.
"""

from __future__ import annotations

from helin.media import sdp
from helin.media.sdp import Direction, MediaParams


class Negotiator:
    """Answers peers' offers and makes helin's offers for one RTP address and port."""

    def __init__(self, address: str, port: int, session_id: int) -> None:
        self.address = address
        """Address written into SDP."""
        self.port = port
        """Local RTP port."""
        self.session_id = session_id
        self.version = 0
        """Version of the last description sent."""
        self.offered: sdp.SessionDescription | None = None
        """helin's last offer, until its answer arrives."""

    def answer(
        self, offer: bytes, local: Direction = Direction.SENDRECV
    ) -> tuple[bytes, MediaParams]:
        """The answer to a peer's offer (initial or re-INVITE: hold, resume, new address);
        raises ``sdp.NoCommonCodec`` (488) or ``sdp.SdpError`` (400)."""
        self.version += 1
        reply, params = sdp.answer(
            sdp.parse(offer),
            self.address,
            self.port,
            session_id=self.session_id,
            version=self.version,
            local=local,
        )
        return sdp.serialise(reply), params

    def offer(self, direction: Direction = Direction.SENDRECV) -> bytes:
        """helin's offer; ``accept`` takes the peer's answer to it."""
        self.version += 1
        self.offered = sdp.make_offer(
            self.address,
            self.port,
            session_id=self.session_id,
            version=self.version,
            direction=direction,
        )
        return sdp.serialise(self.offered)

    def accept(self, answer: bytes) -> MediaParams:
        """The peer's answer to the last offer; raises ``sdp.SdpError``."""
        if self.offered is None:
            raise sdp.SdpError("an answer arrived, but helin made no offer")
        params = sdp.accept_answer(self.offered, sdp.parse(answer))
        self.offered = None
        return params
