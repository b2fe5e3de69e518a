"""The shared test helpers: a missing tool skips locally and fails under HELIN_REQUIRE_ALL=1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import PostgresServer, glob_versions, need


def test_need_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HELIN_REQUIRE_ALL", raising=False)
    with pytest.raises(pytest.skip.Exception, match="missing: the thing"):
        need(False, "the thing")


def test_need_fails_when_everything_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HELIN_REQUIRE_ALL", "1")
    with pytest.raises(pytest.fail.Exception, match=r"missing: the thing .*HELIN_REQUIRE_ALL=1"):
        need(False, "the thing")
    need(True, "the thing")  # present: nothing happens


def test_newest_postgresql_comes_first(tmp_path: Path) -> None:
    for version in ("9.6", "15", "13"):
        (tmp_path / version / "bin").mkdir(parents=True)
    found = [path.parent.name for path in glob_versions(str(tmp_path))]
    assert found == ["15", "13", "9.6"]


@pytest.mark.postgres
def test_the_session_server_answers_on_its_own_port(postgres_server: PostgresServer) -> None:
    import psycopg

    assert postgres_server.port not in (0, 5432)
    url = postgres_server.create_database()
    try:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(
            host="127.0.0.1", port=postgres_server.port, user=postgres_server.user, dbname=name
        ) as conn:
            row = conn.execute("SELECT current_database(), current_setting('fsync')").fetchone()
        assert row == (name, "off")
    finally:
        postgres_server.drop_database(url)
