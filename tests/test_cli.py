"""The helin command: setup prints the first operator once; serve starts and stops cleanly."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from helin.cli import main


def test_setup_creates_the_first_operator_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["setup", "--data-dir", str(tmp_path)]) == 0
    first = capsys.readouterr().out
    assert "username: admin" in first
    assert "password: " in first
    assert (tmp_path / "helin.db").exists()
    assert main(["setup", "--data-dir", str(tmp_path)]) == 0
    assert "password" not in capsys.readouterr().out


def test_bad_port_range_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--rtp-ports", "30000"])
    assert exc.value.code == 2
    assert "LOW-HIGH" in capsys.readouterr().err


def test_serve_answers_sip_and_stops_when_interrupted(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "docs" / "examples" / "provision.yaml"
    assert main(["setup", "--data-dir", str(tmp_path)]) == 0
    assert main(["provision", "--data-dir", str(tmp_path), str(example)]) == 0
    env = {**os.environ, "HELIN_DATA_DIR": str(tmp_path)}
    cmd = [
        sys.executable,
        "-m",
        "helin.cli",
        "serve",
        "--sip-port",
        "0",
        "--http-port",
        "0",
        "--rtp-ports",
        "40000-40099",
    ]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    try:
        port = 0
        for line in proc.stderr:
            found = re.search(r"SIP on 127\.0\.0\.1:(\d+)", line)
            if found:
                port = int(found.group(1))
                break
        else:
            pytest.fail(f"helin serve exited early with {proc.wait()}")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(10)
            sock.bind(("127.0.0.1", 0))
            me = sock.getsockname()[1]
            options = (
                f"OPTIONS sip:helin@127.0.0.1:{port} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bKcli1;rport\r\n"
                "Max-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=1\r\nTo: <sip:helin@127.0.0.1>\r\n"
                "Call-ID: cli-test@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
            )
            sock.sendto(options.encode(), ("127.0.0.1", port))
            reply, _ = sock.recvfrom(65535)
        assert reply.startswith(b"SIP/2.0 200 OK")
        proc.send_signal(signal.SIGINT)
        rest = proc.stderr.read()
        assert proc.wait(timeout=30) == 0
        assert "helin stopped" in rest
    finally:
        if proc.poll() is None:
            proc.kill()


def test_calllog_prints_a_groups_calls_missed_marked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import select

    from helin.acd.commands import CallRecord
    from helin.acd.model import Outcome
    from helin.records import CallOpened
    from helin.store import db
    from helin.store.calls import records
    from helin.store.tables import Group

    example = Path(__file__).resolve().parents[1] / "docs" / "examples" / "provision.yaml"
    assert main(["setup", "--data-dir", str(tmp_path)]) == 0
    assert main(["provision", "--data-dir", str(tmp_path), str(example)]) == 0
    engine = db.make_engine(f"sqlite:///{tmp_path / 'helin.db'}")
    with db.session_factory(engine).begin() as session:
        group = session.scalar(select(Group).where(Group.name == "Support"))
        assert group is not None
        group_id = group.id
        for n, outcome in enumerate((Outcome.ANSWERED, Outcome.ABANDONED)):
            opened = CallOpened(
                call_id=f"c{n}",
                direction="inbound",
                tenant_id=str(group.tenant_id),
                group_id=str(group.id),
                agent_id=None,
                caller=f"+372555000{n}",
                number="+3726001000",
                arrived_at=1_790_000_000.0 + n,
            )
            record = CallRecord(
                call_id=f"c{n}",
                segment=0,
                group_id=str(group.id),
                caller=f"+372555000{n}",
                number="+3726001000",
                outcome=outcome,
                arrived_at=1_790_000_000.0 + n,
                ended_at=1_790_000_010.0 + n,
            )
            records.write(session, [opened, record])
    engine.dispose()
    capsys.readouterr()
    assert main(["calllog", "--data-dir", str(tmp_path), "Support"]) == 0
    header, *lines = capsys.readouterr().out.splitlines()
    assert header.startswith(f"Support (group {group_id}): 2 calls")
    assert len(lines) == 2
    assert lines[0].startswith("!") and "+3725550001" in lines[0] and "abandoned" in lines[0]
    assert lines[1].startswith(" ") and "answered" in lines[1]
    assert main(["calllog", "--data-dir", str(tmp_path), "Nope"]) == 1
    assert "no group 'Nope'" in capsys.readouterr().err


def test_stats_rebuild_recomputes_the_rollups(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import delete, func, select

    from helin.acd.commands import CallRecord
    from helin.acd.model import Outcome
    from helin.store import db
    from helin.store.calls import records
    from helin.store.tables import Group, group_days, group_intervals
    from helin.store.tables.statistics import named

    example = Path(__file__).resolve().parents[1] / "docs" / "examples" / "provision.yaml"
    assert main(["setup", "--data-dir", str(tmp_path)]) == 0
    assert main(["provision", "--data-dir", str(tmp_path), str(example)]) == 0
    engine = db.make_engine(f"sqlite:///{tmp_path / 'helin.db'}")
    sessions = db.session_factory(engine)
    with sessions.begin() as session:
        group = session.scalar(select(Group.id).where(Group.name == "Support"))
        calls = [
            CallRecord(
                call_id=f"c{n}",
                segment=0,
                group_id=str(group),
                caller="+3725550000",
                number="+3726001000",
                outcome=Outcome.ANSWERED,
                arrived_at=1_790_000_000.0 + 600 * n,
                answered_at=1_790_000_010.0 + 600 * n,
                ended_at=1_790_000_100.0 + 600 * n,
            )
            for n in range(4)
        ]
        records.write(session, calls)
    with sessions.begin() as session:
        before = sum(
            named(c)["answered"] for c in session.scalars(select(group_intervals.c.counts))
        )
        session.execute(delete(group_intervals))
        session.execute(delete(group_days))
    capsys.readouterr()
    assert main(["stats", "rebuild", "--data-dir", str(tmp_path)]) == 0
    assert "from 4 call rows" in capsys.readouterr().out
    with sessions() as session:
        counts = session.scalars(select(group_intervals.c.counts))
        assert sum(named(c)["answered"] for c in counts) == before == 4
        assert session.scalar(select(func.sum(group_days.c.answered))) == 4
    engine.dispose()
