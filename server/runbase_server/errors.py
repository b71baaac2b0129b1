"""Errors a user can act on. Their messages reach the client unmasked; any
other exception is an internal error and is masked."""

from starlette.responses import JSONResponse


class UserError(Exception):
    """A mistake in the request; `code` goes to the GraphQL error extensions."""

    code = "BAD_USER_INPUT"


class NotFound(UserError):
    code = "NOT_FOUND"


class Forbidden(UserError):
    code = "FORBIDDEN"


class Unauthenticated(UserError):
    code = "UNAUTHENTICATED"


class Conflict(UserError):
    code = "CONFLICT"


def error_response(message: str, code: str, status: int) -> JSONResponse:
    """An error outside GraphQL execution (bad body, no key, files), in the shape GraphQL errors have."""
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status_code=status)
