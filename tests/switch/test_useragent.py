"""Two helin user agents on loopback calling each other: answer, BYE either way, CANCEL,
re-INVITE, 481 for unknown dialogs, phones needing digest auth."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from helin.sip.digest import DigestVerifier
from helin.sip.errors import RemoteProtocolError
from helin.sip.ratelimit import AuthGuard
from helin.sip.transaction import TimerConfig
from helin.sip.wire import ADDRESSES_KEPT, Address
from helin.switch.authenticator import Authenticator, Device
from helin.switch.legs import IncomingLeg, Leg, LegState, OutgoingLeg
from helin.switch.registrar import Registrar
from helin.switch.sipstack import SipStack
from helin.switch.useragent import Trunks, UserAgent

SDP_A = (
    b"v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    b"m=audio 40000 RTP/AVP 0\r\n"
)
SDP_B = SDP_A.replace(b"o=a", b"o=b").replace(b"40000", b"40002")


class Callee:
    """A call handler that records what happens and does what the test says."""

    def __init__(self, action: Callable[[IncomingLeg], None]) -> None:
        self.action = action
        self.legs: list[IncomingLeg] = []
        self.trunks: list[str | None] = []

    def incoming(self, leg: IncomingLeg, *, trunk: str | None, device: Device | None) -> None:
        self.legs.append(leg)
        self.trunks.append(trunk)
        self.action(leg)


def user_agent(handler: Callee | None = None, trunks: Trunks | None = None) -> UserAgent:
    auth = Authenticator(DigestVerifier(b"k" * 20), AuthGuard(), lambda name: None)
    return UserAgent(
        registrar=Registrar(auth),
        authenticator=auth,
        trunks=trunks or Trunks(),
        handler=handler or Callee(lambda leg: leg.reject(603)),
    )


async def pair(action: Callable[[IncomingLeg], None], *, trunk: bool = True):  # type: ignore[no-untyped-def]
    callee = Callee(action)
    b = user_agent(callee, Trunks([("carrier", "127.0.0.0/8")]) if trunk else Trunks())
    a = user_agent()
    timers = TimerConfig(t1=0.05, t2=0.4, t4=0.5)
    stacks = []
    for ua in (a, b):
        stack = SipStack(ua.on_event, timers=timers)
        ua.attach(stack)
        await stack.start()
        stacks.append(stack)
    return a, b, callee, stacks


def call(a: UserAgent, b_port: int) -> OutgoingLeg:
    leg = OutgoingLeg(
        a,
        target=f"sip:1000@127.0.0.1:{b_port}",
        dest=Address("127.0.0.1", b_port),
        from_="<sip:+3725550001@127.0.0.1>",
        to=f"<sip:1000@127.0.0.1:{b_port}>",
        sdp=SDP_A,
    )
    return leg


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never became true")


def test_answer_then_bye_from_the_caller() -> None:
    async def scenario() -> None:
        a, _b, callee, stacks = await pair(lambda leg: (leg.ring(), leg.answer(SDP_B)))
        leg = call(a, stacks[1].port)
        answered: list[Leg] = []
        leg.on_answered = answered.append
        leg.start()
        await until(lambda: bool(answered) and callee.legs[0].acked)
        assert leg.remote_sdp == SDP_B and callee.legs[0].remote_sdp == SDP_A
        assert callee.trunks == ["carrier"]
        leg.hang_up()
        await until(lambda: callee.legs[0].ended)
        assert callee.legs[0].end_reason == "remote-bye"
        for s in stacks:
            await s.stop()

    asyncio.run(scenario())


def test_bye_from_the_callee_and_reinvite() -> None:
    async def scenario() -> None:
        a, _b, callee, stacks = await pair(lambda leg: leg.answer(SDP_B))
        leg = call(a, stacks[1].port)
        leg.start()
        await until(lambda: leg.state is LegState.ANSWERED)
        offers: list[bytes] = []

        def reinvited(_leg: Leg, sdp: bytes) -> bytes:
            offers.append(sdp)
            return SDP_B.replace(b"sendrecv", b"recvonly")

        callee.legs[0].on_reinvite = reinvited
        held = SDP_A + b"a=sendonly\r\n"
        leg.reinvite(held)
        await until(lambda: offers == [held])
        callee.legs[0].hang_up()
        await until(lambda: leg.ended)
        assert leg.end_reason == "remote-bye"
        for s in stacks:
            await s.stop()

    asyncio.run(scenario())


def test_a_reinvite_the_callee_cannot_take_gets_its_error_and_the_call_goes_on() -> None:
    async def scenario() -> None:
        a, _b, callee, stacks = await pair(lambda leg: leg.answer(SDP_B))
        leg = call(a, stacks[1].port)
        leg.start()
        await until(lambda: leg.state is LegState.ANSWERED)

        def refuse(_leg: Leg, sdp: bytes) -> bytes:
            raise RemoteProtocolError(488, "Not Acceptable Here")

        callee.legs[0].on_reinvite = refuse
        assert leg.dialog is not None
        offer = leg.dialog.request(
            "INVITE", body=SDP_A, extra=[("Content-Type", "application/sdp")]
        )
        statuses: list[int] = []
        a.send_in_dialog(offer, leg.peer(), lambda r: statuses.append(r.status if r else 0))
        await until(lambda: 488 in statuses)  # after a 100 Trying
        assert callee.legs[0].state is LegState.ANSWERED and not leg.ended
        leg.hang_up()
        await until(lambda: callee.legs[0].ended)
        for s in stacks:
            await s.stop()

    asyncio.run(scenario())


def test_cancel_while_ringing_gets_487() -> None:
    async def scenario() -> None:
        a, _b, callee, stacks = await pair(lambda leg: leg.ring())
        leg = call(a, stacks[1].port)
        failed: list[int] = []
        leg.on_failed = lambda _leg, status: failed.append(status)
        leg.start()
        await until(lambda: leg.state is LegState.EARLY)
        leg.cancel('SIP;cause=200;text="Call completed elsewhere"')
        await until(lambda: failed == [487])
        assert callee.legs[0].end_reason == "cancel"
        for s in stacks:
            await s.stop()

    asyncio.run(scenario())


def test_cancel_before_any_provisional_waits_for_one() -> None:
    async def scenario() -> None:
        a, _b, callee, stacks = await pair(lambda leg: None)  # never rings
        leg = call(a, stacks[1].port)
        failed: list[int] = []
        leg.on_failed = lambda _leg, status: failed.append(status)
        leg.start()
        await until(lambda: bool(callee.legs))
        leg.cancel()
        assert leg.state is LegState.NEW  # no 180 yet: CANCEL must wait (100 may come first)
        callee.legs[0].ring()
        await until(lambda: failed == [487])
        for s in stacks:
            await s.stop()

    asyncio.run(scenario())


def test_an_answer_after_cancel_is_acked_and_hung_up() -> None:
    async def scenario() -> None:
        a, _b, callee, stacks = await pair(lambda leg: leg.ring())
        leg = call(a, stacks[1].port)
        leg.start()
        await until(lambda: leg.state is LegState.EARLY)
        callee.legs[0].answer(SDP_B)  # the callee answers ...
        leg.cancel()  # ... while we cancel
        await until(lambda: callee.legs[0].ended)
        assert callee.legs[0].end_reason == "remote-bye"
        assert leg.ended and leg.end_reason == "answered-after-cancel"
        for s in stacks:
            await s.stop()

    asyncio.run(scenario())


def test_phone_invite_without_credentials_gets_407_and_no_call() -> None:
    async def scenario() -> None:
        a, _b, callee, stacks = await pair(lambda leg: leg.answer(SDP_B), trunk=False)
        leg = call(a, stacks[1].port)
        failed: list[int] = []
        leg.on_failed = lambda _leg, status: failed.append(status)
        leg.start()
        await until(lambda: failed == [407])
        assert callee.legs == []
        for s in stacks:
            await s.stop()

    asyncio.run(scenario())


def test_trunks_match_hosts_and_networks_and_stay_right_past_what_they_remember() -> None:
    trunks = Trunks([("carrier", "192.0.2.0/24"), ("backup", "2001:db8::1")])
    for _ in range(2):  # the second round is answered from what the first remembered
        assert trunks.match("192.0.2.77") == "carrier"
        assert trunks.match("2001:db8::1") == "backup"
        assert trunks.match("198.51.100.1") is None
        assert trunks.match("not-an-address") is None
    for i in range(ADDRESSES_KEPT + 10):  # a flood of sources: what is remembered is bounded
        assert trunks.match(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}") is None
    assert trunks.match("192.0.2.1") == "carrier"
