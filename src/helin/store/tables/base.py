"""The declarative base every table shares: metadata with a naming convention and column types.

Constraint and index names come from ``NAMING_CONVENTION``, so a migration creates the same
names on SQLite and PostgreSQL. Enums are stored as their string values with a CHECK
constraint (never a native PostgreSQL enum), and timestamps are always timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Dialect, Enum, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

ENUM_LENGTH = 32
"""Column width of every enum column; room for values added later without a type change."""


class Base(DeclarativeBase):
    """Base class of every helin table."""

    metadata = metadata


class UtcDateTime(TypeDecorator[datetime]):
    """A ``TIMESTAMP WITH TIME ZONE`` that only accepts aware datetimes and returns UTC ones.

    SQLite has no time zones: values are stored as naive UTC there and made aware on the way
    out, so both databases hand back the same aware value.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} given; helin stores aware UTC times")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum: type[StrEnum], name: str) -> Enum:
    """A string column type for ``enum`` with a CHECK constraint named ``ck_<table>_<name>``."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=ENUM_LENGTH,
        values_callable=_values,
        validate_strings=True,
    )


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


def utcnow() -> datetime:
    """The current time, aware, in UTC (column defaults use it)."""
    return datetime.now(UTC)


def from_posix(value: float) -> datetime:
    """A POSIX timestamp as an aware UTC datetime."""
    return datetime.fromtimestamp(value, UTC)


def from_posix_opt(value: float | None) -> datetime | None:
    return None if value is None else from_posix(value)


JSONValue = dict[str, Any]
"""What JSON columns hold: an object."""
