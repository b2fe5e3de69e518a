"""The helin command: setup prints the first operator once; serve starts and stops cleanly."""

from __future__ import annotations

import os
import signal
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


def test_serve_runs_until_interrupted(tmp_path: Path) -> None:
    env = {**os.environ, "HELIN_DATA_DIR": str(tmp_path), "HELIN_SIP_PORT": "0"}
    cmd = [sys.executable, "-m", "helin.cli", "serve", "--rtp-ports", "40000-40099"]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    try:
        for line in proc.stderr:
            if "ACD engine running" in line:
                break
        else:
            pytest.fail(f"helin serve exited early with {proc.wait()}")
        proc.send_signal(signal.SIGINT)
        rest = proc.stderr.read()
        assert proc.wait(timeout=30) == 0
        assert "helin stopped" in rest
    finally:
        if proc.poll() is None:
            proc.kill()
