"""Errors a user can act on. Their messages reach the client unmasked; any
other exception is an internal error and is masked."""


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
