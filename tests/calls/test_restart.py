"""A crash in the middle of a call: ``helin serve`` is SIGKILLed while a caller talks to an
agent, then started again. The call's row must be closed as ``failed``, its recording spool
finished and attached, and the agent still registered and logged in: the next call reaches
them without them doing anything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select, update

from helin.acd.model import Outcome
from helin.store import db
from helin.store.provisioning.file import provision_file
from helin.store.tables import Call, Recording
from helin.store.tables.callcenter import Membership
from tests.calls.company import SUPPORT, agent, company, password
from tests.calls.conftest import TRUNK_IP, Peers
from tests.interop.harness import free_udp_port, udp_port_bound

GROUP = f"""\
- name: Support
  numbers: ["{SUPPORT}"]
  policy: regular
  override: open
  queue: {{ring_timeout: 8, wrap_up: 0}}
  members: [dora]
"""


class Serve:
    """``helin serve`` as its own process, on a fixed SIP port across restarts."""

    def __init__(self, data: Path, port: int) -> None:
        self.data, self.port = data, port
        self.log = data / "serve.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Serve:
        env = {**os.environ, "HELIN_SIP_HOST": "127.0.0.1", "HELIN_LOG_LEVEL": "INFO"}
        helin = Path(sys.executable).with_name("helin")
        command = [str(helin), "serve", "--data-dir", str(self.data)]
        command += ["--sip-port", str(self.port), "--rtp-ports", "21000-21199", "--http-port", "0"]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 30
        while not udp_port_bound(self.port):
            assert self.proc.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, f"helin serve did not start\n{self.log_text()}"
            time.sleep(0.05)
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


class Target:
    """What ``Peers`` needs of a node: its SIP port."""

    def __init__(self, port: int) -> None:
        self.port = port


def test_a_crash_mid_call_leaves_consistent_records_and_the_agent_ready(
    tmp_path: Path, peers: Peers
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    url = f"sqlite:///{data / 'helin.db'}"
    db.migrate(url)
    config = tmp_path / "provision.yaml"
    config.write_text(
        company(agent("dora", "+3725000031"), GROUP).replace("{trunk}", f"sip:{TRUNK_IP}:5999")
    )
    provision_file(url, config)
    engine = db.make_engine(url)
    with engine.begin() as connection:  # dora was logged in before helin started
        connection.execute(update(Membership).values(logged_in=True))

    serve = Serve(data, free_udp_port()).start()
    node = Target(serve.port)
    try:
        phone = peers.sipp_phone(node, "dora-desk", password("dora-desk"), "device_answers")
        caller = peers.call(node, SUPPORT, talk_ms=30000)
        deadline = time.monotonic() + 20
        while "ACK sip:" not in phone.messages():  # dora answered: the call is bridged
            assert time.monotonic() < deadline, phone.report() + serve.log_text()
            time.sleep(0.05)
        time.sleep(1.0)  # some audio into the recording
        serve.kill()
        caller.kill()
        phone.kill()

        serve.start()
        with db.session_factory(engine)() as session:
            [call] = session.scalars(select(Call)).all()
            assert call.outcome is Outcome.FAILED and call.ended_at is not None
            recording = session.scalar(select(Recording))
            assert recording is not None and recording.call_row_id == call.id
            # finished from its spool at start, then stored by the uploader
            deadline = time.monotonic() + 20
            while recording.stored_at is None:
                assert time.monotonic() < deadline, serve.log_text()
                time.sleep(0.1)
                session.expire_all()
                recording = session.scalar(select(Recording))
                assert recording is not None
            assert (data / "recordings" / recording.path).is_file()
            assert all(session.scalars(select(Membership.logged_in)))

        # registered and logged in still: the next call reaches dora's phone as it is
        again = peers.sipp(
            "dora-again", "device_answers", "-aa", "-m", "1", timeout=60, port=phone.port
        )
        again.start().wait_listening()
        second = peers.call(node, SUPPORT, label="second", talk_ms=2000)
        assert second.wait() == 0, second.report()
        assert again.wait() == 0, again.report() + serve.log_text()
        deadline = time.monotonic() + 20
        while True:
            with db.session_factory(engine)() as session:
                outcomes = [c.outcome for c in session.scalars(select(Call).order_by(Call.id))]
            if outcomes[1:] == [Outcome.ANSWERED]:
                break
            assert time.monotonic() < deadline, outcomes
            time.sleep(0.1)
    finally:
        serve.stop()
        engine.dispose()
