"""baresip 1.0 (Debian ``baresip``) as a real SIP phone that sends a WAV and records what it hears.

Each ``Phone`` gets a throwaway ``-f`` config directory. Audio in: the ``aufile`` source reads
an 8 kHz mono 16-bit WAV (baresip 1.0 loads the whole file at start; when the source runs dry
the call is hung up, so the files we generate outlast every test). Audio out: baresip 1.0's
``aufile`` is a source only and there is no null player, so no player is loaded at all
(``audio_player none,nil``: the receive pipeline then has no sink, its log shows ``(play) <---
sndfile <--- PCMU``). What the phone hears is recorded by the ``sndfile`` *filter*, which
sits in the receive pipeline right after the decoder and before the player's buffer: it writes
``dump-<time>-dec.wav`` (decoded received audio) and ``dump-<time>-enc.wav`` (what it sent)
into ``snd_path``. Decoding is driven by arriving RTP through baresip's jitter buffer, so the
last ``jitter_buffer_delay`` minimum frames of a stream stay in the buffer and never reach
the file.

A caller dials with ``-e "/dial <uri>"`` (the ``menu`` module); an agent registers with digest
auth through helin as outbound proxy and answers at once (``answermode=auto``). ``-t`` bounds
each process's life whatever happens to the test; ``stop`` ends it with SIGTERM (baresip then
ends its calls and closes the dump files) and SIGKILL only if that fails.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import soundfile

from tests.interop.harness import udp_port_bound
from tests.media.audio import tone
from tests.support import BIND_FAILED, free_baresip_port, free_rtp_range, need

MODULES = Path("/usr/lib/baresip/modules")
NEEDED = ("g711", "aufile", "sndfile", "menu", "account")
LIFETIME = 90
"""Seconds after which baresip quits by itself (``-t``), even if the test never stops it."""


def need_baresip() -> str:
    path = shutil.which("baresip")
    need(path is not None, "baresip (Debian package baresip; scripts/system-deps.sh installs it)")
    need(
        all((MODULES / f"{m}.so").is_file() for m in NEEDED),
        f"baresip modules {', '.join(NEEDED)} under {MODULES} (Debian baresip-core)",
    )
    assert path is not None
    return path


def write_tone(path: Path, freq: float, seconds: float) -> None:
    """``freq`` Hz, 8 kHz mono 16-bit PCM, at -10 dBFS."""
    soundfile.write(str(path), tone(freq, seconds, level=0.3), 8000, subtype="PCM_16")


class Phone:
    """One baresip process sending ``source`` (a WAV); ``start`` says with which account."""

    def __init__(self, workdir: Path, name: str, *, source: Path) -> None:
        self.binary = need_baresip()
        self.name = name
        self.home = workdir / f"baresip-{name}"
        self.home.mkdir()
        self.dumps = self.home / "dumps"
        self.dumps.mkdir()
        self.log = workdir / f"baresip-{name}.log"
        self.source = source
        self.proc: subprocess.Popen[bytes] | None = None
        self.sip_port = 0

    def _config(self) -> str:
        rtp = free_rtp_range(40)
        sip = self.sip_port = free_baresip_port()
        return f"""\
poll_method\t\tepoll
net_interface\t\t127.0.0.1
sip_listen\t\t127.0.0.1:{sip}
call_local_timeout\t120
call_max_calls\t\t4
audio_source\t\taufile,{self.source}
audio_player\t\tnone,nil
audio_alert\t\tnone,nil
ausrc_srate\t\t8000
ausrc_channels\t\t1
rtp_ports\t\t{rtp}-{rtp + 39}
jitter_buffer_delay\t1-10
snd_path\t\t{self.dumps}
module_path\t\t{MODULES}
module\t\t\tg711.so
module\t\t\taufile.so
module\t\t\tsndfile.so
module\t\t\tmenu.so
module_tmp\t\taccount.so
"""

    def start(self, account: str, *, dial: str | None = None) -> Phone:
        """Start baresip with one ``account`` line (baresip's ``accounts`` file syntax);
        with ``dial``, it calls that URI at once. Returns once baresip listens; a port
        taken between our check and baresip's bind means a new try with other ports."""
        (self.home / "accounts").write_text(account + "\n")
        (self.home / "contacts").write_text("")
        command = [self.binary, "-f", str(self.home), "-4", "-v", "-t", str(LIFETIME)]
        if dial is not None:
            command += ["-e", f"/dial {dial}"]
        for _ in range(3):
            (self.home / "config").write_text(self._config())
            logged = self.log.stat().st_size if self.log.exists() else 0
            with self.log.open("ab") as out:
                self.proc = subprocess.Popen(
                    command,
                    cwd=self.home,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            if self._listening() or BIND_FAILED not in self.log_text()[logged:]:
                return self
        raise AssertionError(f"baresip {self.name} found no free port\n{self.tail()}")

    def _listening(self) -> bool:
        """Wait until baresip's SIP UDP port is bound (True) or baresip exits (False)."""
        assert self.proc is not None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if udp_port_bound(self.sip_port):
                return True
            time.sleep(0.02)
        return self.proc.poll() is None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """SIGTERM (calls end, dump files are closed), SIGKILL if it does not exit in 5 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def _dump(self, kind: str) -> Path:
        found = sorted(self.dumps.glob(f"dump-*-{kind}.wav"))
        assert len(found) == 1, (
            f"{self.name}: expected one {kind} dump, found {found}\n{self.tail()}"
        )
        return found[0]

    def heard(self) -> np.ndarray:
        """What the phone received, decoded, as 16-bit samples (int16) at 8 kHz."""
        samples, rate = soundfile.read(str(self._dump("dec")), dtype="int16")
        assert rate == 8000 and samples.ndim == 1, (rate, samples.shape)
        return np.asarray(samples, dtype=np.int16)

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, size: int = 6000) -> str:
        """The end of baresip's log, without the menu's call status lines."""
        lines = STATUS.sub("", self.log_text()).splitlines()
        # the menu echoes a command line once per character typed: keep the whole one only
        kept = [a for a, b in zip(lines, [*lines[1:], ""], strict=True) if not b.startswith(a)]
        text = "\n".join(kept)
        return f"--- {self.log.name} (end) ---\n{text[-size:]}"


STATUS = re.compile(r"\[\d+:\d\d:\d\d\] audio=\S+ \(bit/s\)\s*")
"""The menu module's call status line, rewritten in place many times a second."""
