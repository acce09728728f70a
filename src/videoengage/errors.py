"""The closed set of error codes clients see in ``extensions.code``, and the exceptions carrying them."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class ErrorCode(StrEnum):
    """Every code a client can receive. Documented in the README; keep the two in step."""

    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
    # Apollo's persisted-queries protocol: the client sends the document with its hash again.
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    # The viewer's rate limit: the operation does not fit in their bucket now; retry after a while.
    RATE_LIMITED = "RATE_LIMITED"
    # A subscription's client fell too far behind: subscribe again from the last cursor received.
    RESUBSCRIBE = "RESUBSCRIBE"


class AppError(Exception):
    """An expected failure whose message is safe to show to the client as it is."""

    code: ClassVar[ErrorCode]

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def extensions(self) -> dict[str, object]:
        extensions: dict[str, object] = {"code": self.code.value}
        if self.field is not None:
            extensions["field"] = self.field
        return extensions


class Unauthenticated(AppError):
    code = ErrorCode.UNAUTHENTICATED


class Forbidden(AppError):
    code = ErrorCode.FORBIDDEN


class NotFound(AppError):
    code = ErrorCode.NOT_FOUND


class BadUserInput(AppError):
    code = ErrorCode.BAD_USER_INPUT


class RateLimited(AppError):
    """Carries ``retryAfterSeconds``: when the operation's cost will fit in the viewer's bucket."""

    code = ErrorCode.RATE_LIMITED

    def __init__(self, message: str, *, retry_after_seconds: float) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds

    def extensions(self) -> dict[str, object]:
        return {**super().extensions(), "retryAfterSeconds": self.retry_after_seconds}


class Resubscribe(AppError):
    """The subscription ended; ``after`` (when there is one) is the cursor to subscribe again from."""

    code = ErrorCode.RESUBSCRIBE

    def __init__(self, message: str, *, after: str | None = None) -> None:
        super().__init__(message)
        self.after = after

    def extensions(self) -> dict[str, object]:
        extensions = super().extensions()
        if self.after is not None:
            extensions["after"] = self.after
        return extensions
