"""Running baresip 1.0 (Debian ``baresip``) as a phone registered to helin, with no sound device.

``Baresip`` writes a throwaway ``-f`` config directory: ``config`` (SIP and media on
127.0.0.1, SIP on a free port; audio from ``aufile`` reading an 8 kHz mono WAV we generate) and
``accounts`` (one account that registers with digest auth through helin as its outbound proxy
and answers calls at once: ``answermode=auto``, which baresip's core acts on; no UI module).
baresip 1.0 has no ``null`` audio driver and its ``aufile`` is a source only, so no player
module is loaded at all: ``audio_player``/``audio_alert`` name a driver that does not exist,
baresip then starts no player (its log shows ``(play) <--- PCMU``) and needs no sound device.
"""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import time
import wave
from pathlib import Path

from tests.interop.harness import REALM, udp_port_bound
from tests.support import free_baresip_port, free_rtp_range, need


def need_baresip() -> str:
    path = shutil.which("baresip")
    need(path is not None, "baresip (Debian package baresip; scripts/system-deps.sh installs it)")
    modules = Path("/usr/lib/baresip/modules")
    need(
        all((modules / f"{m}.so").is_file() for m in ("aufile", "g711", "account")),
        f"baresip modules aufile, g711 and account under {modules} (Debian baresip-core)",
    )
    assert path is not None
    return path


def write_tone(path: Path, seconds: float = 2.0, rate: int = 8000) -> None:
    """A 440 Hz tone, 8 kHz mono 16-bit PCM (what baresip's aufile source accepts for PCMU)."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)


class Baresip:
    """One baresip process registered as ``user`` to helin at 127.0.0.1:``helin_port``."""

    def __init__(self, workdir: Path, *, user: str, password: str, helin_port: int) -> None:
        self.binary = need_baresip()
        self.home = workdir / f"baresip-{user}"
        self.home.mkdir()
        self.port = free_baresip_port()
        self.log = workdir / f"baresip-{user}.log"
        tone = self.home / "tone.wav"
        write_tone(tone)
        config = f"""\
poll_method\t\tepoll
net_interface\t\t127.0.0.1
sip_listen\t\t127.0.0.1:{self.port}
call_local_timeout\t120
call_max_calls\t\t4
audio_source\t\taufile,{tone}
audio_player\t\tnone,nil
audio_alert\t\tnone,nil
ausrc_srate\t\t8000
ausrc_channels\t\t1
rtp_ports\t\t{_rtp_range()}
jitter_buffer_delay\t1-5
module_path\t\t/usr/lib/baresip/modules
module\t\t\tg711.so
module\t\t\taufile.so
module_tmp\t\taccount.so
"""
        (self.home / "config").write_text(config)
        account = (
            f"<sip:{user}@{REALM};transport=udp>;auth_pass={password}"
            f';outbound="sip:127.0.0.1:{helin_port};transport=udp"'
            ";regint=60;answermode=auto;audio_codecs=PCMU;mwi=no;pubint=0\n"
        )
        (self.home / "accounts").write_text(account)
        (self.home / "contacts").write_text("")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Baresip:
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [self.binary, "-f", str(self.home), "-4", "-s", "-v"],
                cwd=self.home,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 10
        while not udp_port_bound(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"baresip did not start\n{self.output()}")
            time.sleep(0.02)
        return self

    def kill(self) -> None:
        """SIGKILL: the phone vanishes without unregistering (as a phone losing power)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-8000:]
        except OSError:
            return ""


def _rtp_range() -> str:
    base = free_rtp_range(12)
    return f"{base}-{base + 10}"
