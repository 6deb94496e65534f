"""Errors the emulator answers with, in Metronome's own error-body shapes (reference §1.3).

Handlers raise these; the app turns them into JSON responses. ``code`` is only set where Metronome sends one
(v2 contract endpoints and the seats/quantity history endpoints answer "not found" as HTTP 400 with a code).
"""

from __future__ import annotations


class ApiError(Exception):
    """An error answer: HTTP ``status`` and a body ``{"message": ..., ["code": ...]}``."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code

    def body(self) -> dict[str, str]:
        body = {"message": self.message}
        if self.code:
            body["code"] = self.code
        return body


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found_v1(message: str) -> ApiError:
    return ApiError(404, message)


def not_found_v2(code: str, message: str) -> ApiError:
    """v2 contracts and history endpoints report a missing object as 400 with a ``code``."""
    return ApiError(400, message, code)


def conflict(message: str) -> ApiError:
    return ApiError(409, message)


UNIQUENESS_KEY_USED = "This uniqueness key has already been used."
CUSTOMER_EXISTS = "A customer with this ID already exists"
IDEMPOTENCY_KEY_REUSED = ("This Idempotency-Key has already been used with different request parameters (method, "
                          "path or body).")
