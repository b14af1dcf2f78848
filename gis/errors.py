"""Exceptions that carry an HTTP status and a message that is safe to show.

Messages are given through :func:`gis.messages._` where they are raised, so that they
reach the user in the language of the request or command."""

from __future__ import annotations

from gis.messages import _


class PopgisError(Exception):
    """Base error: ``status`` for the web layer, ``message`` safe for users."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class NotFound(PopgisError):
    """Missing, or outside the caller's jurisdiction (the two are indistinguishable)."""

    status = 404
    code = "not_found"

    def __init__(self, what: str = "record", *, message: str | None = None):
        # ``what`` is an English noun with its own catalogue entry (translated here);
        # ``message``, when given, says more (a command's input and its fix)
        super().__init__(message or _("{what} not found", what=_(what)))


class Forbidden(PopgisError):
    status = 403
    code = "forbidden"


class InvalidInput(PopgisError):
    status = 400
    code = "invalid_input"


class Conflict(PopgisError):
    """The request would do something the user must confirm first (409); ``code`` says
    what, so that a page can ask and send it again with the confirmation."""

    status = 409
    code = "conflict"
