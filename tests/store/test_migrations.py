"""Migrations: they build the schema the tables describe, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text, types
from sqlalchemy.exc import IntegrityError

from helin.store.db import downgrade, make_engine, migrate
from helin.store.tables import metadata

TABLES = set(metadata.tables)
HEAD = max(
    p.name[:4]
    for p in (files("helin.store") / "migrations" / "versions").iterdir()
    if p.name[0].isdigit()
)
"""The newest revision: revision ids are the files' four-digit prefixes."""


def test_the_migrations_ship_inside_the_package() -> None:
    migrations = files("helin.store") / "migrations"
    assert (migrations / "env.py").is_file()
    assert (migrations / "versions" / "0001_initial.py").is_file()


def test_upgrade_builds_exactly_the_tables_the_models_describe(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}


def test_downgrade_to_base_and_upgrade_again(migrated_url: str) -> None:
    downgrade(migrated_url)
    engine = make_engine(migrated_url)
    try:
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        migrate(migrated_url)
        inspector = inspect(engine)
        assert set(inspector.get_table_names()) == TABLES | {"alembic_version"}
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT version_num FROM alembic_version")) == HEAD
    finally:
        engine.dispose()


def test_migrating_twice_is_harmless(migrated_url: str) -> None:
    migrate(migrated_url)
    engine = make_engine(migrated_url)
    try:
        assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("table", "sql"),
    [
        (
            "groups",
            "INSERT INTO tenants (id, name, sip_domain, call_center, recording,"
            " recording_retention_days, created_at) VALUES (1, 't', 't.test', true, false, 45,"
            " '2026-01-01 00:00:00')",
        ),
        ("numbers", "INSERT INTO numbers (e164) VALUES ('+3726000000')"),
        (
            "calls",
            "INSERT INTO calls (call_id, segment, direction, caller, number, arrived_at,"
            " offers) VALUES ('c', 0, 'sideways', '', '', '2026-01-01 00:00:00', 0)",
        ),
        (
            "opening_hours",
            "INSERT INTO opening_hours (group_id, weekday, start_minute,"
            " end_minute) VALUES (1, 7, 0, 60)",
        ),
    ],
    ids=["retention-days", "number-without-owner", "enum-value", "weekday"],
)
def test_check_constraints_hold_on_every_database(engine: Engine, table: str, sql: str) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text(sql))


def _kind(column_type: Any) -> str:
    """A column type reduced to what both databases agree on."""
    for kind, cls in (
        ("bool", types.Boolean),
        ("datetime", types.DateTime),
        ("date", types.Date),
        ("int", types.Integer),
        ("float", types.Float),
        ("json", types.JSON),
        ("bytes", types.LargeBinary),
    ):
        if isinstance(column_type, cls):
            return kind
    if isinstance(column_type, types.String):
        return f"str({column_type.length})"
    # SQLite reflects JSON and a few others as NullType or its own names.
    return type(column_type).__name__.lower()


def _schema(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        inspector = inspect(engine)
        schema: dict[str, Any] = {}
        for table in sorted(TABLES):
            schema[table] = {
                "columns": {
                    c["name"]: (_kind(c["type"]), c["nullable"])
                    for c in inspector.get_columns(table)
                },
                "indexes": sorted(
                    i["name"] or ""
                    for i in inspector.get_indexes(table)
                    if not i.get("duplicates_constraint")  # PostgreSQL: a UNIQUE's own index
                ),
                "unique": sorted(u["name"] or "" for u in inspector.get_unique_constraints(table)),
                "checks": sorted(c["name"] or "" for c in inspector.get_check_constraints(table)),
                "foreign_keys": sorted(
                    (fk["name"] or "", fk["referred_table"], fk["options"].get("ondelete"))
                    for fk in inspector.get_foreign_keys(table)
                ),
                "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            }
        return schema
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_sqlite_and_postgresql_get_the_same_schema(sqlite_url: str, postgres_url: str) -> None:
    migrate(sqlite_url)
    migrate(postgres_url)
    lite, pg = _schema(sqlite_url), _schema(postgres_url)
    for table in sorted(TABLES):
        assert lite[table] == pg[table], table
    # The comparison is not vacuous: names come from the naming convention.
    assert "ck_groups_policy" in pg["groups"]["checks"]
    assert "ix_calls_group_recent" in pg["calls"]["indexes"]
    assert ("fk_numbers_group_id_groups", "groups", "CASCADE") in pg["numbers"]["foreign_keys"]


def test_calls_take_the_values_revision_0002_added(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO calls (call_id, segment, direction, caller, number, arrived_at,"
                " outcome, offers) VALUES ('d', 0, 'direct', '', '', '2026-01-01 00:00:00',"
                " 'unanswered', 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO trunks (name, outbound_uri, enabled, created_at)"
                " VALUES ('t', 'sip:127.0.0.1:5080', true, '2026-01-01 00:00:00')"
            )
        )
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO calls (call_id, segment, direction, caller, number, arrived_at,"
                " outcome, offers) VALUES ('e', 0, 'direct', '', '', '2026-01-01 00:00:00',"
                " 'lost', 0)"
            )
        )


def test_revision_0005_moves_group_overflows_out_of_forwarded_to(migrated_url: str) -> None:
    from helin.store.provisioning.file import provision_file
    from tests.store.conftest import EXAMPLE

    provision_file(migrated_url, EXAMPLE)
    downgrade(migrated_url, "0004")
    engine = make_engine(migrated_url)
    try:
        with engine.begin() as connection:
            group = connection.scalar(text("SELECT min(id) FROM groups"))
            for call_id, target in (
                ("g", f"group:{group}"),
                ("n", "+3728000000"),
                ("x", "group:999"),
            ):
                connection.execute(
                    text(
                        "INSERT INTO calls (call_id, segment, direction, caller, number,"
                        " arrived_at, outcome, offers, forwarded_to) VALUES (:c, 0, 'inbound',"
                        " '', '', '2026-01-01 00:00:00', 'overflowed', 0, :t)"
                    ),
                    {"c": call_id, "t": target},
                )
        migrate(migrated_url)
        with engine.connect() as connection:
            rows = dict(
                (r[0], (r[1], r[2]))
                for r in connection.execute(
                    text("SELECT call_id, forwarded_to, overflow_group_id FROM calls")
                )
            )
        # a group that no longer exists becomes NULL (the foreign key could not hold it)
        assert rows == {"g": (None, group), "n": ("+3728000000", None), "x": (None, None)}
    finally:
        engine.dispose()


def test_revision_0007_sums_the_days_kept_so_far_into_months(migrated_url: str) -> None:
    from datetime import date

    from sqlalchemy import insert, select

    from helin.store.provisioning.file import provision_file
    from helin.store.tables import group_days, group_months
    from helin.store.tables.statistics import count_columns
    from tests.store.conftest import EXAMPLE

    provision_file(migrated_url, EXAMPLE)
    downgrade(migrated_url, "0006")
    engine = make_engine(migrated_url)
    try:
        with engine.begin() as connection:
            group = connection.scalar(text("SELECT min(id) FROM groups"))
            tenant = connection.scalar(text("SELECT min(id) FROM tenants"))
            zero = {column: 0 for column, _ in count_columns()}
            for day, answered, longest in (
                (date(2026, 3, 2), 2, 40.0),
                (date(2026, 3, 30), 3, 90.0),
            ):
                connection.execute(
                    insert(group_days).values(
                        group_id=group,
                        day=day,
                        tenant_id=tenant,
                        **{**zero, "answered": answered, "wait_max": longest},
                    )
                )
        migrate(migrated_url)
        with engine.connect() as connection:
            rows = connection.execute(
                select(group_months.c.month, group_months.c.answered, group_months.c.wait_max)
            ).all()
        assert [tuple(r) for r in rows] == [(date(2026, 3, 1), 5, 90.0)]
    finally:
        engine.dispose()


def test_revision_0011_packs_the_15_minute_rows_and_its_downgrade_unpacks_them(
    migrated_url: str,
) -> None:
    from sqlalchemy import select

    from helin.store.provisioning.file import provision_file
    from helin.store.tables import group_intervals
    from helin.store.tables.statistics import COUNT_WIDTH, count_columns, unpack
    from tests.store.conftest import EXAMPLE

    provision_file(migrated_url, EXAMPLE)
    downgrade(migrated_url, "0010")
    names = [column for column, _ in count_columns()]
    engine = make_engine(migrated_url)
    try:
        with engine.begin() as connection:
            group = connection.scalar(text("SELECT min(id) FROM groups"))
            tenant = connection.scalar(text("SELECT min(id) FROM tenants"))
            values = {name: i for i, name in enumerate(names)} | {"talk_sum": 12.25}
            listed = ", ".join(names)
            marks = ", ".join(f":{name}" for name in names)
            for start in (900, 1800):
                connection.execute(
                    text(
                        f"INSERT INTO group_intervals (group_id, start, tenant_id, {listed})"
                        f" VALUES (:g, :s, :t, {marks})"
                    ),
                    {"g": group, "s": start, "t": tenant, **values},
                )
        migrate(migrated_url)
        with engine.connect() as connection:
            rows = connection.execute(
                select(group_intervals.c.start, group_intervals.c.counts).order_by("start")
            ).all()
        assert [r[0] for r in rows] == [900, 1800]
        matrix = unpack([r[1] for r in rows])
        assert matrix.shape == (2, COUNT_WIDTH)
        assert matrix[0].tolist() == [float(values[name]) for name in names]
        downgrade(migrated_url, "0010")
        with engine.connect() as connection:
            back = connection.execute(
                text(f"SELECT {listed} FROM group_intervals WHERE start = 1800")
            ).one()
        assert dict(zip(names, back, strict=True)) == values
    finally:
        engine.dispose()
        migrate(migrated_url)


def test_a_packed_row_written_before_a_field_existed_reads_it_as_zero() -> None:
    import numpy as np

    from helin.store.tables.statistics import COUNT_WIDTH, pack, unpack

    older = pack(np.arange(COUNT_WIDTH - 2, dtype=float))
    now = pack(np.ones(COUNT_WIDTH))
    matrix = unpack([older, now])
    assert matrix[0].tolist() == [*range(COUNT_WIDTH - 2), 0.0, 0.0]
    assert matrix[1].tolist() == [1.0] * COUNT_WIDTH
