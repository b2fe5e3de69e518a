"""Persistence: SQLAlchemy tables, Alembic migrations, provisioning and the ACD's records.

- ``tables``: every table (``Mapped[]`` declarative classes on one naming-convention metadata).
- ``db``: ``make_engine(url)``, ``session_factory(engine)``, ``migrate(url)``, ``downgrade(url)``.
- ``accounts``: argon2 password hashes, digest HA1s, ``ensure_first_operator(url)``.
- ``repos``: ``load_acd_events(session)`` and ``write_records(session, records)``.
- ``provision``: ``provision_file(url, path, dry_run=False)`` for YAML provisioning files.
"""
