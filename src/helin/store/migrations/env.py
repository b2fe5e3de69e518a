"""Alembic environment: runs the migrations on the engine ``helin.store.db`` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from helin.store.tables import metadata

config = context.config


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if not isinstance(engine, Engine):
        raise RuntimeError("run migrations through helin.store.db.migrate(url)")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("helin migrations run online only")
run_migrations_online()
