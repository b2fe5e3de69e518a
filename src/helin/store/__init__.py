"""Persistence: the tables, their migrations, provisioning, and one module per resource.

- ``db``: ``make_engine(url)``, ``session_factory(engine)``, ``migrate(url)``, ``downgrade(url)``.
- ``tables/``: every table, on one naming-convention metadata (import tables from
  ``helin.store.tables``); ``migrations/`` the Alembic history, the same on SQLite and
  PostgreSQL.
- ``provisioning/``: ``provision_file(url, path, dry_run=False)`` for YAML files.
- Resources, each with one query per verb and nothing committed: ``tenants``, ``users``,
  ``devices``, ``numbers``, ``groups``, ``clips``; ``accounts`` (password hashes, digest HA1s,
  the first operator), ``tokens`` (web sessions and API tokens), ``audit`` (the audit log).
- ``calls/``: call rows (``records``, their one writer, and ``writer``, the pipeline that feeds
  it off the event loop), the group call log and the call history.
- ``stats/``: the statistics rollups, kept by the writer and rebuilt from the call rows.
- ``runtime/``: what a running helin loads and saves (the engine's configuration, phones and
  registrations, the routing directory).
"""
