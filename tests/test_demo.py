"""``helin demo``: the real command, in a subprocess, on a fresh data directory.

The demo's phones and carrier are helin's own SIP user agents on loopback; what is checked is
what a newcomer sees (the printed lines, the exit status) and what the store kept (call rows).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from helin.acd.model import Outcome
from helin.demo import company
from helin.store import db
from helin.store.tables import Call, Device, Group, Registration, Trunk, User

HELIN = [sys.executable, "-m", "helin.cli"]


def setup(data: Path) -> str:
    subprocess.run([*HELIN, "setup", "--data-dir", str(data)], check=True, capture_output=True)
    return f"sqlite:///{(data / 'helin.db').resolve()}"


def count(url: str, statement: object) -> int:
    engine = db.make_engine(url)
    try:
        with db.session_factory(engine)() as session:
            return int(session.scalar(statement) or 0)  # type: ignore[call-overload]
    finally:
        engine.dispose()


def test_the_demo_places_and_answers_calls_and_stops_by_itself(tmp_path: Path) -> None:
    data = tmp_path / "data"
    url = setup(data)
    options = ["--duration", "20", "--rate", "20", "--seed", "3"]
    run = subprocess.run(
        [*HELIN, "demo", "--data-dir", str(data), *options],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "5 of 5 softphones registered and logged in with *40" in out, out
    assert "Support" in out and "Sales" in out and "queue" in out, out
    assert " answered by demo-agent" in out, out
    assert "stopped:" in out, out
    assert "Traceback" not in run.stderr, run.stderr

    answered = count(url, select(func.count(Call.id)).where(Call.outcome == Outcome.ANSWERED))
    assert answered >= 1
    assert count(url, select(func.count(Call.id)).where(Call.outcome.is_(None))) == 0
    # the phones unregistered and the demo trunk is off again for a later `helin serve`
    assert count(url, select(func.count(Registration.id))) == 0
    assert count(url, select(func.count(Trunk.id)).where(Trunk.enabled)) == 0


def test_sigterm_stops_the_demo_cleanly(tmp_path: Path) -> None:
    data = tmp_path / "data"
    setup(data)
    proc = subprocess.Popen(
        [*HELIN, "demo", "--data-dir", str(data), "--agents", "2", "--rate", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            if "softphones registered" in line:
                break
        else:
            raise AssertionError(f"the demo exited early: {proc.wait()}")
        proc.send_signal(signal.SIGTERM)
        rest, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, rest + err
        assert "stopped:" in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_provisioning_the_demo_company_again_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    url = setup(data)
    first = company.provision(url, data, 3, "sip:127.0.0.2:5999")
    second = company.provision(url, data, 3, "sip:127.0.0.2:5999")
    assert first == second
    assert count(url, select(func.count(User.id)).where(User.username.like("demo-agent%"))) == 3
    assert count(url, select(func.count(Device.id))) == 3
    assert count(url, select(func.count(Group.id))) == 2
