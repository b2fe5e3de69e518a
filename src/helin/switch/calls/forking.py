"""Ringing every reachable phone of one person at once; the first to answer wins.

A ``Fork`` sends one INVITE per registered, reachable contact of a user, all carrying the same
SDP offer (one media leg on helin's side). The first 2xx is the answer: its SDP completes the
media leg and every other phone gets CANCEL with ``Reason: SIP;cause=200;text="Call completed
elsewhere"`` (RFC 3326), so phones do not show a missed call. A 2xx that arrives after that is
ACKed and hung up by the leg itself. When every phone has failed, the fork fails with whether
anyone declined (486, 600, 603: the person said no) or nobody could be reached (408, 480, 503,
timeouts: the phones were not there).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from helin.media import sdp
from helin.switch.legs import LegState, OutgoingLeg
from helin.switch.mediaserver import MediaSession
from helin.switch.registrar import Binding
from helin.switch.useragent import UserAgent

log = logging.getLogger(__name__)

ANSWERED_ELSEWHERE = 'SIP;cause=200;text="Call completed elsewhere"'
DECLINED = frozenset({486, 600, 603})
"""Final statuses that mean the person refused the call (the others mean not reachable)."""


class Fork:
    """One person's phones ringing with one call."""

    def __init__(
        self,
        ua: UserAgent,
        media: MediaSession,
        bindings: list[Binding],
        *,
        from_: str,
        extra: list[tuple[str, str]] | None = None,
        on_answered: Callable[[Fork], None],
        on_failed: Callable[[Fork, bool], None],
    ) -> None:
        self.media = media
        """helin's side of the media: its offer is in every INVITE."""
        self.winner: OutgoingLeg | None = None
        self.ended = False
        """The fork is over: answered, failed or cancelled."""
        self._on_answered = on_answered
        self._on_failed = on_failed
        self._declined = False
        self.legs = [
            OutgoingLeg.to_contact(
                ua, b.contact, b.source, from_=from_, sdp=media.local_sdp, extra=extra
            )
            for b in bindings
        ]
        for leg in self.legs:
            leg.on_answered = self._answered  # type: ignore[assignment]
            leg.on_failed = self._failed

    def start(self) -> None:
        if not self.legs:
            self.ended = True
            self._on_failed(self, False)
            return
        for leg in self.legs:
            leg.start()

    def cancel(self, reason: str | None = None) -> None:
        """Stop every phone still ringing (the winner, if any, is left alone)."""
        self.ended = True
        for leg in self.legs:
            if leg is not self.winner and leg.state in (LegState.NEW, LegState.EARLY):
                leg.cancel(reason)

    def _answered(self, leg: OutgoingLeg) -> None:
        if self.ended:
            leg.hang_up()  # answered just as the fork ended another way
            return
        try:
            self.media.accept_answer(leg.remote_sdp)
        except sdp.SdpError as exc:
            log.info("phone answered %s with unusable SDP: %s", leg.invite.call_id, exc)
            leg.hang_up()
            self._failed(leg, 488)
            return
        self.winner = leg
        self.cancel(ANSWERED_ELSEWHERE)
        self._on_answered(self)

    def _failed(self, leg: OutgoingLeg, status: int) -> None:
        if status in DECLINED:
            self._declined = True
        if self.ended or any(not other.ended for other in self.legs):
            return
        self.ended = True
        self._on_failed(self, self._declined)
