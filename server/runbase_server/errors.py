"""Errors a user can act on. Their messages reach the client unmasked; any
other exception is an internal error and is masked."""

from typing import Any

from graphql import GraphQLError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from starlette.responses import JSONResponse


class UserError(Exception):
    """A mistake in the request; `code` goes to the GraphQL error extensions."""

    code = "BAD_USER_INPUT"


class AnswerTooLarge(UserError):
    """An answer past the request's budget of bytes: a client may ask again for less, or in another form
    (JSON rows where binary columns of sparse keys came out larger)."""


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


def is_internal(error: Any) -> bool:
    """Errors that are not the user's doing: masked in answers, logged on the server. A GraphQLError
    underneath is graphql-core's own account of a bad request (a variable of the wrong type, a missing
    required one), so it is the user's doing."""
    original = getattr(error, "original_error", None)
    return original is not None and not isinstance(original, (UserError, GraphQLError))


READ_ONLY = "25006"  # PostgreSQL's read_only_sql_transaction: a write sent to a standby
IN_FAILED_TRANSACTION = "25P02"  # PostgreSQL: a statement after an earlier one failed the transaction


# SQLite reports arithmetic that overflows 64 bits, and a full or unusable disk, as an OperationalError, as it does
# a busy or stale database; but they fail every try alike, so they are no race (nor a conflict to report).
NOT_RACES = ("integer overflow", "disk is full", "disk I/O error", "unable to open database file",
             "readonly database")


def unreachable(exc: object) -> bool:
    """The database dropped the connection, could not be reached, or refused a write as read-only (a restart,
    a failover, an outage): the work may run again on a new connection, but it lost no race, so a request that
    meets it every time is answered as unavailable (503), not as a conflict. psycopg gives no SQLSTATE where no
    server answered at all; classes 08 (connection exception) and 57P (the server shutting down or starting)
    are the server's word for it, and READ_ONLY a standby's."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    state = getattr(exc.orig, "sqlstate", "")  # psycopg's; SQLite's errors have none
    return state == READ_ONLY or isinstance(exc, OperationalError) and (
        state is None or (isinstance(state, str) and state.startswith(("08", "57P"))))


def is_unreachable(error: Any) -> bool:
    """A GraphQL error that is an unreachable database (unreachable)."""
    return unreachable(getattr(error, "original_error", None))


def lost_race(exc: object) -> bool:
    """Two writers met on a unique key, or SQLite refused a stale snapshot: the work may simply run again."""
    if not isinstance(exc, (IntegrityError, OperationalError)) or unreachable(exc):
        return False
    return not any(phrase in str(exc.orig) for phrase in NOT_RACES)


def is_race(error: Any) -> bool:
    """A GraphQL error that is a lost race (lost_race): the request may simply be retried."""
    return lost_race(getattr(error, "original_error", None))


def format_error(error: GraphQLError, attempts: int) -> dict[str, Any]:
    """What a client sees of an error: its own mistakes in full, races as CONFLICT, anything else masked."""
    if is_race(error):  # still colliding after every retry: a unique name or key that is already taken
        return {"message": "the request conflicts with data stored meanwhile or already there (a name or key "
                           f"that must be unique); it was tried {attempts} times",
                "extensions": {"code": "CONFLICT"}}
    if is_internal(error):  # never leak internals; the server log has them
        masked: dict[str, Any] = {"message": "Internal server error"}
        masked.update({k: v for k, v in error.formatted.items() if k in ("locations", "path")})
        return masked
    formatted: dict[str, Any] = dict(error.formatted)
    original = error.original_error
    # Parse and validation errors, and variables of the wrong type or missing, carry no code of their
    # own and no path (nothing ran): they are the user's mistake all the same, and clients must not retry
    # them as internal. An error met while running with no code (a null in a non-null field) is ours.
    if isinstance(original, UserError):
        code = original.code
    else:
        code = "BAD_USER_INPUT" if not error.path else "INTERNAL_SERVER_ERROR"
    formatted.setdefault("extensions", {}).setdefault("code", code)
    return formatted
