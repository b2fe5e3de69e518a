"""Tones and a clip through helin's SIP and media side, between real SIP phones (baresip 1.0).

1. A caller phone (440 Hz) calls helin over a trunk; helin answers, rings the registered agent
   phone (1000 Hz, digest auth, auto-answer), bridges the two with a recording and, once it
   has received 3 s of audio from each side, hangs up. The agent heard 440 Hz, the caller
   1000 Hz (each phone records what it decoded), and the recording has 440 Hz left and
   1000 Hz right, all checked by FFT. The caller speaks PCMU and the agent PCMA, so helin
   transcodes between real peers.
2. The same call, but the caller hangs up (baresip does when its 6 s source runs dry): helin
   finishes the recording, releases both media legs and sends the agent a BYE.
3. A caller phone authenticated by digest calls helin; helin answers and plays the shipped
   ``greeting`` clip, then hold music. What the phone decoded, encoded back to µ-law, holds
   the clip's bytes exactly and contiguously, followed by the music's first frames.

Every wait is bounded and event-driven (packets counted by helin, the clip's finished
report, the phones' logs), never a sleep; nothing asserts how long anything took.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
import soundfile

from helin.media import g711
from helin.media.rtp import FRAME_SAMPLES
from helin.switch.mediaserver import MediaSession
from helin.switch.recording import Recording
from tests.media.audio import dominant
from tests.tones.peers import Phone, write_tone
from tests.tones.switch import (
    LOOPBACK_TRUNK,
    NO_TRUNKS,
    PASSWORDS,
    REALM,
    GroupCall,
    Plan,
    Switch,
)

T = TypeVar("T")

BRIDGED_FRAMES = 150
"""Packets helin must receive from each phone while bridged before it hangs up (3 s)."""
WAIT = 15.0
"""Longest wait for any one step (registration, answer, audio)."""
SCENARIO = 45.0
"""Longest a whole scenario may take."""
REMOTE_BYE = "session closed"
"""What baresip logs when the other side ends the call (not when it hangs up itself)."""


def run(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(scenario(), SCENARIO)

    return asyncio.run(bounded())


async def until(predicate: Callable[[], object], what: str, *phones: Phone) -> None:
    """Poll ``predicate`` for up to ``WAIT`` seconds; fail early if a phone exits."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not predicate():
        for phone in phones:
            if not phone.running:
                raise AssertionError(
                    f"baresip {phone.name} exited waiting for {what}\n{phone.tail()}"
                )
        if loop.time() > deadline:
            logs = "\n".join(phone.tail() for phone in phones)
            raise AssertionError(f"timed out after {WAIT:.0f} s waiting for {what}\n{logs}")
        await asyncio.sleep(0.02)


async def stop(switch: Switch, *phones: Phone) -> None:
    """Phones first (in threads, while helin still answers their un-REGISTER), then helin."""
    try:
        await asyncio.gather(*(asyncio.to_thread(phone.stop) for phone in phones))
    finally:
        await switch.stop()


def agent_account(switch: Switch, codec: str) -> str:
    """Registers with digest auth through helin and answers every call at once."""
    return (
        f"<sip:agent@{REALM};transport=udp>;auth_pass={PASSWORDS['agent']}"
        f';outbound="sip:127.0.0.1:{switch.port};transport=udp"'
        f";regint=60;answermode=auto;audio_codecs={codec};mwi=no;pubint=0"
    )


def purity(samples: np.ndarray, freq: float, width: float = 25.0) -> float:
    """Share of the signal's power within ``width`` Hz of ``freq`` (Hann window, no DC)."""
    x = samples.astype(np.float64)
    power = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / 8000)
    power[0] = 0.0
    return float(power[np.abs(freqs - freq) <= width].sum() / max(power.sum(), 1e-30))


def sounding_seconds(samples: np.ndarray, full_scale: float) -> float:
    """Seconds of 20 ms frames louder than -40 dBFS."""
    x = samples.astype(np.float64) / full_scale
    frames = x[: len(x) // FRAME_SAMPLES * FRAME_SAMPLES].reshape(-1, FRAME_SAMPLES)
    loud = np.sqrt((frames**2).mean(axis=1)) > 0.01
    return float(loud.sum()) * FRAME_SAMPLES / 8000


def assert_tone(
    samples: np.ndarray, freq: float, what: str, full_scale: float, seconds: float
) -> None:
    """At least ``seconds`` of sound, with ``freq`` dominant and >90% of the power near it."""
    sounding = sounding_seconds(samples, full_scale)
    assert sounding >= seconds, f"{what}: only {sounding:.2f} s of audio"
    assert dominant(samples.astype(np.float64)) == pytest.approx(freq, abs=5), what
    share = purity(samples, freq)
    assert share > 0.9, f"{what}: only {share:.1%} of the power near {freq} Hz"


def hung_up_on(phone: Phone) -> Callable[[], bool]:
    """Whether the phone logged that the other side ended its call."""
    return lambda: REMOTE_BYE in phone.log_text()


def received(session: MediaSession) -> int:
    return session.core.stats.received


async def bridged_call(switch: Switch, caller: Phone, agent: Phone) -> GroupCall:
    """The agent registers; the caller calls over the trunk; helin bridges them."""
    agent.start(agent_account(switch, "PCMA"))
    await until(lambda: switch.registrar.contacts_of("user-agent"), "the agent to register", agent)
    switch.plan = Plan(agent="agent")
    caller.start(
        "<sip:+3725550001@127.0.0.1>;regint=0;audio_codecs=PCMU;mwi=no;pubint=0",
        dial=f"sip:1000@127.0.0.1:{switch.port}",
    )
    await until(
        lambda: switch.calls and switch.calls[0].bridged.is_set(),
        "the agent to answer and the bridge",
        caller,
        agent,
    )
    return switch.calls[0]


def describe(switch: Switch, call: GroupCall) -> dict[str, Any]:
    legs = [s for s in (call.caller_media, call.agent_media) if s is not None]
    return {
        "admissions": switch.admissions,
        "why": call.why,
        "ended": [leg.end_reason if leg else None for leg in (call.caller, call.agent)],
        "codecs": [s.params.codec if s.params else None for s in legs],
        "stats": [(s.core.stats.lost, s.core.foreign) for s in legs],
        "released": [s.released for s in legs],
        "live sessions": len(switch.media.sessions),
    }


def assert_recorded(recording: Recording | None, *, seconds: float) -> None:
    assert recording is not None, "a recording"
    assert recording.duration >= seconds
    audio, rate = soundfile.read(str(recording.path))
    assert rate == 8000 and audio.ndim == 2 and audio.shape[1] == 2
    assert_tone(audio[:, 0], 440, "the recording's left channel (caller)", 1.0, seconds)
    assert_tone(audio[:, 1], 1000, "the recording's right channel (agent)", 1.0, seconds)


def test_tones_cross_a_recorded_bridge_between_real_phones(
    tmp_path: Path, phones: Callable[..., Phone]
) -> None:
    low, high = tmp_path / "440.wav", tmp_path / "1000.wav"
    write_tone(low, 440, 30)  # far longer than the call: baresip hangs up when its source ends
    write_tone(high, 1000, 30)
    agent, caller = phones("agent", source=high), phones("caller", source=low)
    facts: dict[str, Any] = {}

    async def scenario() -> None:
        switch = await Switch(tmp_path, trunks=LOOPBACK_TRUNK).start()
        try:
            call = await bridged_call(switch, caller, agent)
            legs = [s for s in (call.caller_media, call.agent_media) if s is not None]
            start = [received(session) for session in legs]
            await until(
                lambda: all(
                    received(s) - n >= BRIDGED_FRAMES for s, n in zip(legs, start, strict=True)
                ),
                f"{BRIDGED_FRAMES} bridged packets from each phone",
                caller,
                agent,
            )
            call.hang_up()
            facts["recording"] = await asyncio.wait_for(call.done, WAIT)
            facts.update(describe(switch, call))
            for phone in (caller, agent):  # each phone took helin's BYE
                await until(hung_up_on(phone), f"{phone.name} to take helin's BYE")
        finally:
            await stop(switch, caller, agent)

    run(scenario)
    assert facts["admissions"] == [("carrier", None)], "the caller came over the trunk"
    assert facts["why"] == "helin" and facts["ended"] == ["local-bye", "local-bye"]
    assert facts["codecs"] == [g711.PCMU, g711.PCMA], "caller PCMU, agent PCMA"
    assert facts["stats"] == [(0, 0), (0, 0)], "no loss, no foreign packets"
    assert facts["released"] == [True, True] and facts["live sessions"] == 0
    seconds = BRIDGED_FRAMES * 0.02 * 0.8  # the phones' jitter buffers keep the last frames
    assert_tone(agent.heard(), 440, "what the agent heard", 32768, seconds)
    assert_tone(caller.heard(), 1000, "what the caller heard", 32768, seconds)
    assert_recorded(facts["recording"], seconds=BRIDGED_FRAMES * 0.02)


def test_a_phone_hanging_up_ends_the_bridge_and_the_other_leg(
    tmp_path: Path, phones: Callable[..., Phone]
) -> None:
    low, high = tmp_path / "440.wav", tmp_path / "1000.wav"
    write_tone(low, 440, 6)  # baresip 1.0 hangs up when its aufile source runs dry
    write_tone(high, 1000, 30)
    agent, caller = phones("agent", source=high), phones("caller", source=low)
    facts: dict[str, Any] = {}

    async def scenario() -> None:
        switch = await Switch(tmp_path, trunks=LOOPBACK_TRUNK).start()
        try:
            call = await bridged_call(switch, caller, agent)
            await until(call.done.done, "the caller to hang up", agent)
            facts["recording"] = call.done.result()
            facts.update(describe(switch, call))
            await until(hung_up_on(agent), "the agent to take helin's BYE")
        finally:
            await stop(switch, caller, agent)

    run(scenario)
    assert facts["why"] == "caller-remote-bye" and facts["ended"] == ["remote-bye", "local-bye"]
    assert facts["stats"] == [(0, 0), (0, 0)], "no loss, no foreign packets"
    assert facts["released"] == [True, True] and facts["live sessions"] == 0
    # The caller's six seconds of tone start as its call is answered and the bridge follows
    # the agent's automatic answer a few milliseconds later: one second is a wide margin.
    assert_tone(agent.heard(), 440, "what the agent heard", 32768, 1.0)
    assert_tone(caller.heard(), 1000, "what the caller heard", 32768, 1.0)
    assert_recorded(facts["recording"], seconds=1.0)


def test_a_clip_played_to_a_real_phone_arrives_intact(
    tmp_path: Path, phones: Callable[..., Phone]
) -> None:
    source = tmp_path / "440.wav"
    write_tone(source, 440, 30)
    caller = phones("caller", source=source)
    facts: dict[str, Any] = {}

    async def scenario() -> None:
        switch = await Switch(tmp_path, trunks=NO_TRUNKS).start()
        try:
            clip = switch.media.clips.get("greeting", "en")
            music = switch.media.music
            assert clip is not None and music is not None
            facts["clip"], facts["music"] = clip.ulaw, music.ulaw
            switch.plan = Plan(clip="greeting", music=True, play_on_media=True, record=False)
            caller.start(
                f"<sip:caller@{REALM}>;auth_pass={PASSWORDS['caller']}"
                f';outbound="sip:127.0.0.1:{switch.port};transport=udp"'
                ";regint=0;audio_codecs=PCMU;mwi=no;pubint=0",
                dial=f"sip:1000@{REALM}",
            )
            await until(lambda: switch.calls, "the call", caller)
            call = switch.calls[0]
            await until(call.clip_finished.is_set, "the clip to finish", caller)
            session = call.caller_media
            assert session is not None
            # Music pushes the clip's last frames through the phone's jitter buffer.
            sent = session.core.sender.packets
            await until(lambda: session.core.sender.packets >= sent + 50, "music", caller)
            facts["skipped"] = switch.media._pacer.skipped if switch.media._pacer else 0
            call.hang_up()
            await asyncio.wait_for(call.done, WAIT)
            facts["admissions"] = switch.admissions
            facts["codec"] = session.params.codec if session.params else None
        finally:
            await stop(switch, caller)

    run(scenario)
    assert facts["admissions"] == [(None, "caller")], "the caller authenticated by digest"
    assert facts["codec"] == g711.PCMU
    heard = caller.heard()
    # The phone's µ-law decoder need not be helin's table (libre decodes 0xFF as 2, not 0),
    # but every decoded value lies in its code's quantisation interval, so encoding it again
    # gives back the code: the comparison is exact, with no tolerance.
    ulaw = g711.encode(heard.astype("<i2").tobytes(), g711.PCMU)
    clip, music = facts["clip"], facts["music"]
    at = ulaw.find(clip)
    if at < 0:
        raise AssertionError(
            f"the clip ({len(clip)} bytes) is not in what the phone heard ({len(ulaw)} bytes): "
            f"{frames_matching(ulaw, clip)} of {len(clip) // FRAME_SAMPLES} frames found; "
            f"ticker skipped {facts['skipped']} ticks\n{caller.tail()}"
        )
    after = ulaw[at + len(clip) : at + len(clip) + 10 * FRAME_SAMPLES]
    assert after == music[: len(after)] and len(after) == 10 * FRAME_SAMPLES, (
        "the hold music follows the clip seamlessly"
    )


def frames_matching(heard: bytes, clip: bytes) -> int:
    """How many of the clip's 20 ms frames occur somewhere in ``heard`` (for the message)."""
    frames = {heard[i : i + FRAME_SAMPLES] for i in range(0, len(heard) - FRAME_SAMPLES + 1)}
    return sum(clip[i : i + FRAME_SAMPLES] in frames for i in range(0, len(clip), FRAME_SAMPLES))
