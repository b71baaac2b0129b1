"""The SDK's exceptions, named as W&B names them so `except wandb.Error` keeps working."""

from typing import TypeVar

T = TypeVar("T")


class Error(Exception):
    """Base class of every runbase error."""


class UsageError(Error):
    """The caller used the SDK wrongly: a bad argument, a call out of order."""


class UnknownSettingError(UsageError, TypeError):
    """A setting name Settings does not have: a UsageError like every bad setting, and the TypeError that an
    unexpected keyword argument is."""


class UnsupportedError(UsageError):
    """The caller asked for something runbase does not offer, e.g. an unknown feature given to require()."""


class ConfigError(UsageError):
    """A config value was changed without allow_val_change."""


class CommError(Error):
    """The server could not be reached or answered with an error.

    `retryable` says whether sending the same request again may succeed."""

    def __init__(self, message: str, retryable: bool = False, status: int | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.code = code


def present(value: T | None, what: str) -> T:
    """A part of the server's answer the schema lets be null but this call cannot do without."""
    if value is None:
        raise CommError(f"the server's answer has no {what}")
    return value


class AuthenticationError(CommError):
    """The API key is missing or the server refused it."""


class ArtifactStatusError(UsageError, AttributeError):
    """An artifact was used in a way its state does not allow. An AttributeError too, as in W&B, so that
    hasattr() on a draft's server-only properties is False."""


class ArtifactNotLoggedError(ArtifactStatusError):
    """The artifact has not been logged (or saved) yet, so the server knows nothing of it."""


class ArtifactFinalizedError(ArtifactStatusError):
    """The artifact is finalized (logged, or being logged): its contents can no longer change."""
