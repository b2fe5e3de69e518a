"""Why an operation is refused: the errors the services raise, by meaning.

The API answers each with its HTTP status (``helin.api.app``: 401, 403, 404, 409, 422, 429)
and ``detail`` as FastAPI's own errors carry it; the web pages show a page for some (a group
that is not there) and let the rest reach the same answer.
"""

from __future__ import annotations

from typing import Any

Detail = str | list[dict[str, Any]]


class ServiceError(Exception):
    """An operation refused, with the reason to tell whoever asked."""

    def __init__(self, detail: Detail) -> None:
        super().__init__(detail)
        self.detail = detail
        """A sentence, or (``Invalid``) FastAPI's list of field errors."""


class NotSignedIn(ServiceError):
    """No session or token, or one that has ended (HTTP 401)."""


class Forbidden(ServiceError):
    """Signed in, but without the right, or a change without its CSRF token (HTTP 403)."""


class NotFound(ServiceError):
    """No such object, or one of another company's: helin does not say which (HTTP 404)."""


class Conflict(ServiceError):
    """The stored state does not allow it: a name taken, a limit reached (HTTP 409)."""


class Invalid(ServiceError):
    """A value sent is wrong (HTTP 422); ``detail`` names where, as FastAPI's own do."""

    @classmethod
    def at(cls, *problems: tuple[tuple[str | int, ...], str]) -> Invalid:
        """One error per ``(location, message)``; a location is ``("body", "field")``."""
        return cls([{"loc": list(loc), "msg": msg, "type": "value_error"} for loc, msg in problems])

    @classmethod
    def field(cls, name: str, message: str) -> Invalid:
        """An error in the body's field ``name``."""
        return cls.at((("body", name), message))


class TooManyAttempts(ServiceError):
    """Too many failed sign-ins: try again in ``retry_after`` seconds (HTTP 429)."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
        """Whole seconds until the block ends."""
